"""A fake `zfs` for the ZFS example adapter's test: the subcommands and flags it uses, on datasets kept in the
JSON file $FAKE_ZFS_STATE ({name: {props, snapshots: [{name, creation, data}], data}})."""

import json
import os
import sys
import time


def main(args):
    path = os.environ["FAKE_ZFS_STATE"]
    with open(path) as handle:
        datasets = json.load(handle)

    def find(name):
        if name not in datasets:
            sys.exit(f"cannot open '{name}': dataset does not exist")
        return datasets[name]

    def snapshot(full):
        name, snap = full.split("@")
        found = next((s for s in find(name)["snapshots"] if s["name"] == snap), None)
        if found is None:
            sys.exit(f"could not find snapshot {full}")
        return found

    cmd, rest = args[0], args[1:]
    if cmd == "get":
        fields, name = rest[-2].split(","), rest[-1]
        values, only_value = find(name)["props"], rest[rest.index("-o") + 1] == "value"
        for field in fields:
            print(values.get(field, "-") if only_value else f"{field}\t{values.get(field, '-')}")
    elif cmd == "set":
        find(rest[-1])["props"].update(kv.split("=", 1) for kv in rest[:-1])
    elif cmd == "inherit":
        find(rest[1])["props"].pop(rest[0], None)
    elif cmd == "list":
        name = rest[-1]
        for s in find(name)["snapshots"]:
            print(f"{name}@{s['name']}\t{s['creation']}")
    elif cmd == "snapshot":
        name, snap = rest[0].split("@")
        data = find(name)
        if any(s["name"] == snap for s in data["snapshots"]):
            sys.exit(f"cannot create snapshot '{rest[0]}': dataset already exists")
        data["snapshots"].append({"name": snap, "creation": time.time(), "data": data["data"]})
    elif cmd == "send":
        base = rest[rest.index("-i") + 1].lstrip("@") if "-i" in rest else None
        print(json.dumps({"snapshot": snapshot(rest[-1]), "base": base}))
    elif cmd == "receive":
        stream = json.load(sys.stdin)
        target = datasets.setdefault(rest[-1], {"props": {"readonly": "off"}, "snapshots": [], "data": ""})
        names = [s["name"] for s in target["snapshots"]]
        if stream["base"] is not None:
            if stream["base"] not in names:
                sys.exit(f"cannot receive incremental stream: most recent snapshot of {rest[-1]} does not match")
            target["snapshots"] = target["snapshots"][:names.index(stream["base"]) + 1]  # -F rolls back
        target["snapshots"].append(stream["snapshot"])
        target["data"] = stream["snapshot"]["data"]
    elif cmd == "clone":
        datasets[rest[1]] = {"props": {"readonly": "off", "origin": rest[0]}, "snapshots": [],
                             "data": snapshot(rest[0])["data"]}
    elif cmd == "destroy":
        find(rest[0])
        del datasets[rest[0]]
    else:
        sys.exit(f"fake zfs: unknown subcommand {cmd}")
    if cmd not in ("get", "list", "send"):  # `send | receive` run at once: only writers write, atomically
        with open(f"{path}.{os.getpid()}", "w") as handle:
            json.dump(datasets, handle)
        os.replace(f"{path}.{os.getpid()}", path)


if __name__ == "__main__":
    main(sys.argv[1:])
