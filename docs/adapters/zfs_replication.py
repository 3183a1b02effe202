#!/usr/bin/env python3
# Copyright: cloudstack.dr contributors
# Apache License 2.0 (see LICENSE)
"""A worked example of a cloudstack.dr replication adapter (docs/adapters.md): ZFS datasets replicated
with incremental `zfs send | zfs receive`, written only with the documented `zfs` subcommands.

A device is `HOST:POOL/DATASET` (run through `ssh HOST zfs ...`) or `POOL/DATASET` (this host). The
relationship lives in ZFS user properties, so it survives reboots and is visible with `zfs get`:
`dr:target` on the source, `dr:source` on the replica, `dr:state` (mirrored, paused, broken) on the
source. The consistent point of a replica is the creation time of the newest `dr-<epoch ns>` snapshot
both sides have. Use it as it is for a lab, or as the skeleton of your own adapter: each operation
below says what it refuses and what "forced" means.

    storage_map: replication: {adapter: command, device: "zfs-a:tank/pool-a1",
                               options: {executable: /opt/dr/zfs_replication.py}}
"""

from __future__ import annotations

import json
import subprocess
import sys
import time

SNAPSHOT_PREFIX = "dr-"
PROPS = ("readonly", "dr:source", "dr:target", "dr:state")


class Refused(Exception):
    """The operation cannot be done; the message is the answer's `error`."""


def split(device: str) -> tuple[str | None, str]:
    host, _, dataset = device.rpartition(":")
    return host or None, dataset


def zfs(device: str, *args: str, stdin=None, stdout=subprocess.PIPE) -> subprocess.Popen:
    host, _ = split(device)
    command = ["ssh", "-o", "BatchMode=yes", host, "zfs", *args] if host else ["zfs", *args]
    return subprocess.Popen(command, stdin=stdin, stdout=stdout, stderr=subprocess.PIPE, text=True)


def run(device: str, *args: str) -> str:
    proc = zfs(device, *args)
    out, err = proc.communicate(timeout=120)
    if proc.returncode:
        raise Refused(f"zfs {' '.join(args)} on {device}: {err.strip() or proc.returncode}")
    return out


def props(device: str) -> dict[str, str]:
    out = run(device, "get", "-H", "-p", "-o", "property,value", ",".join(PROPS), split(device)[1])
    return dict(line.split("\t", 1) for line in out.splitlines() if "\t" in line)


def snapshots(device: str) -> dict[str, float]:
    """{snapshot name (after @): creation epoch} of the DR snapshots, oldest first."""
    out = run(device, "list", "-H", "-p", "-t", "snapshot", "-o", "name,creation", "-s", "creation",
              split(device)[1])
    found = {}
    for line in out.splitlines():
        name, creation = line.split("\t")
        snap = name.split("@", 1)[1]
        if snap.startswith(SNAPSHOT_PREFIX):
            found[snap] = float(creation)
    return found


def reachable(device: str | None) -> bool:
    if not device:
        return False
    try:
        props(device)
        return True
    except (Refused, OSError, subprocess.TimeoutExpired):
        return False


def common(source: str, target: str) -> str | None:
    """The newest DR snapshot both sides have: where an incremental send starts."""
    ours = snapshots(target)
    return next((s for s in reversed(list(ours)) if s in snapshots(source)), None)


def status(device: str) -> dict:
    p = props(device)
    source, target = p.get("dr:source", "-"), p.get("dr:target", "-")
    role, peer = ("target", source) if source != "-" else ("source", target) if target != "-" else ("none", None)
    replica = device if role == "target" else peer
    mirror_source = peer if role == "target" else device
    state = None
    point = None
    if role != "none":
        state = props(mirror_source).get("dr:state", "mirrored") if reachable(mirror_source) else "broken"
        snaps = snapshots(replica) if reachable(replica) else {}
        point = max(snaps.values()) if snaps else None
    return {"device": device, "role": role, "peer": peer, "state": state, "writable": p.get("readonly") == "off",
            "consistent_at": point, "reachable": True, "peer_reachable": reachable(peer), "asked_at": time.time()}


def pair(device: str) -> tuple[str, str]:
    p = props(device)
    if p.get("dr:source", "-") != "-":
        return p["dr:source"], device
    if p.get("dr:target", "-") != "-":
        return device, p["dr:target"]
    raise Refused(f"{device} replicates with nothing")


def transfer(source: str, target: str) -> None:
    """One snapshot now, sent incrementally from the newest common one (in full the first time); `receive -F`
    rolls the target back to that common snapshot first, as a resynchronisation must."""
    snap = f"{SNAPSHOT_PREFIX}{time.time_ns()}"  # unique: two transfers may fall in the same second
    run(source, "snapshot", f"{split(source)[1]}@{snap}")
    base = common(source, target)
    send_args = ["send", *(["-i", f"@{base}"] if base else []), f"{split(source)[1]}@{snap}"]
    sender = zfs(source, *send_args)
    receiver = zfs(target, "receive", "-F", split(target)[1], stdin=sender.stdout)
    sender.stdout.close()
    _, err = receiver.communicate(timeout=3600)
    sender.wait(timeout=60)
    if sender.returncode or receiver.returncode:
        raise Refused(f"zfs send {source} | zfs receive {target} failed: {err.strip() or sender.stderr.read()}")


def sync(device: str, timeout: float = 600) -> dict:
    source, target = pair(device)
    state = props(source).get("dr:state", "mirrored")
    if state != "mirrored":
        raise Refused(f"the mirror {source} -> {target} is {state}: resume it first")
    if not reachable(target):
        raise Refused(f"{target} is unreachable")
    transfer(source, target)
    return status(device)


def promote(device: str, force: bool = False) -> dict:
    """Planned (no force): the source is made read-only first, so nothing is written there any more. Forced: the
    source is not asked (it may be gone); both sides may then be writable until a reverse resynchronises one."""
    source, target = pair(device)
    if target != device:
        raise Refused(f"{device} is the source of its mirror, not a replica")
    if not force:
        if not reachable(source):
            raise Refused(f"source {source} is unreachable: promote with force")
        run(source, "set", "readonly=on", split(source)[1])
    if reachable(source):
        run(source, "set", "dr:state=broken", split(source)[1])
    run(device, "set", "readonly=off", split(device)[1])
    return status(device)


def demote(device: str) -> dict:
    run(device, "set", "readonly=on", split(device)[1])
    return status(device)


def reverse(device: str, target: str) -> dict:
    """`device` (writable) replicates to `target` from now on: the relationship is rewritten on both sides and
    the target is resynchronised (its writes since the last common snapshot are discarded)."""
    if props(device).get("readonly") != "off":
        raise Refused(f"{device} is read-only: promote it before replicating from it")
    if not reachable(target):
        raise Refused(f"target {target} is unreachable")
    for side, sets, clears in ((device, {"dr:target": target, "dr:state": "mirrored"}, "dr:source"),
                               (target, {"dr:source": device, "readonly": "on"}, "dr:target")):
        run(side, "inherit", clears, split(side)[1])
        run(side, "set", *[f"{k}={v}" for k, v in sets.items()], split(side)[1])
    run(target, "inherit", "dr:state", split(target)[1])
    transfer(device, target)
    return status(device)


def snapshot_clone(device: str, name: str, url: str = "") -> dict:
    """A writable clone of the replica's newest DR snapshot, beside it (`POOL/NAME`): replication is untouched."""
    snaps = snapshots(device)
    if not snaps:
        raise Refused(f"{device} has no DR snapshot to clone")
    host, dataset = split(device)
    clone = f"{dataset.split('/', 1)[0]}/{name}"
    run(device, "clone", f"{dataset}@{list(snaps)[-1]}", clone)
    return status(f"{host}:{clone}" if host else clone)


def delete_clone(name: str) -> dict:
    if run(name, "get", "-H", "-o", "value", "origin", split(name)[1]).strip() in ("", "-"):
        raise Refused(f"{name} is not a clone: refusing to destroy it")
    run(name, "destroy", split(name)[1])
    return {"deleted": name}


def discover(options: dict) -> list[dict]:
    """The devices named in the adapter's options (`devices`): ZFS has no registry of remote relationships."""
    return [status(d) for d in options.get("devices", [])]


def answer(request: dict) -> dict:
    op, device, args = request["op"], request.get("device"), request.get("args") or {}
    operations = {"status": lambda: status(device), "sync": lambda: sync(device, args.get("timeout", 600)),
                  "promote": lambda: promote(device, bool(args.get("force"))), "demote": lambda: demote(device),
                  "reverse": lambda: reverse(device, args["target"]),
                  "snapshot_clone": lambda: snapshot_clone(device, args["name"], args.get("url", "")),
                  "delete_clone": lambda: delete_clone(args["name"]),
                  "discover": lambda: discover(request.get("options") or {})}
    if op not in operations:
        return {"ok": False, "error": f"unknown operation {op}"}
    try:
        return {"ok": True, "result": operations[op]()}
    except Refused as refused:
        return {"ok": False, "error": str(refused)}


if __name__ == "__main__":
    print(json.dumps(answer(json.load(sys.stdin))))
