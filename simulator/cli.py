"""python -m simulator serve|ctl: run the simulator, or drive a running one."""

import argparse
import asyncio
import configparser
import json
import os
import sys
import urllib.error
import urllib.request
from urllib.parse import urlsplit

from . import control
from .core import Simulator
from .seeding import seed
from .server import ApiServer


def write_credentials(sim, path, endpoint):
    """A cloudstack.ini: [cloudstack] for the root admin, one section per other account."""
    ini = configparser.ConfigParser()
    for account in sim.store.all("account"):
        user = sim.store.first("user", accountid=account["id"])
        if user is None or not user.get("apikey") or account.get("removed"):
            continue
        section = "cloudstack" if account["name"] == "admin" else account["name"]
        ini[section] = {"endpoint": endpoint, "key": user["apikey"], "secret": user["secretkey"],
                        "method": "post", "timeout": "60"}
    tmp = f"{path}.tmp"
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    with open(tmp, "w") as fh:
        ini.write(fh)
    os.chmod(tmp, 0o600)
    os.replace(tmp, path)  # appears whole: callers wait for the file as the ready signal


def serve(args):
    sim = Simulator(db=args.db, job_latency=args.job_latency, api_latency=args.api_latency,
                    job_workers=args.job_workers, fault_rate=args.fault_rate, random_seed=args.random_seed)
    seed(sim, args.seed, replication_lag=args.replication_lag)
    server = ApiServer(sim, args.host, args.port)

    def ready(port):
        endpoint = f"http://{args.host}:{port}/client/api"
        if args.credentials_out:
            write_credentials(sim, args.credentials_out, endpoint)
        print(f"simulator listening on {endpoint}", flush=True)

    asyncio.run(server.serve(ready))


# ctl: positional arguments of each control op, in order
CTL_ARGS = {
    "fail-zone": ["zone"], "recover-zone": ["zone"], "replicate": ["array?"],
    "write-marker": ["volume", "text"], "read-marker": ["volume"], "seed-tenants": [],
    "faults": [], "fault-counts": [], "joblog": [], "status": [], "bmc": ["host", "reachable?"], "power": ["zone?"],
    "read-file": ["array", "path"], "write-file": ["array", "path", "text"], "mirror-status": ["array"],
    "mirror-list": [], "mirror-sync": ["array"],
    "mirror-promote": ["array"], "mirror-demote": ["array"], "mirror-reverse": ["array", "target?"],
    "mirror-pause": ["array"], "mirror-resume": ["array"], "mirror-break": ["array"],
    "mirror-clone": ["array", "name", "url"], "mirror-clone-delete": ["name"], "advance-clock": ["seconds"],
}


def ctl_request(ini_path, op, args, section="cloudstack"):
    ini = configparser.ConfigParser()
    if not ini.read(ini_path):
        raise SystemExit(f"cannot read {ini_path}")
    conf = ini[section]
    url = urlsplit(conf["endpoint"])
    body = json.dumps({"op": op, "args": args}).encode()
    req = urllib.request.Request(
        f"{url.scheme}://{url.netloc}{control.PATH}", data=body, method="POST",
        headers={"Content-Type": "application/json", "X-Simulator-Key": conf["key"],
                 "X-Simulator-Signature": control.body_signature(body, conf["secret"])},
    )
    try:
        with urllib.request.urlopen(req, timeout=60) as resp:
            return json.load(resp)["result"]
    except urllib.error.HTTPError as exc:
        raise SystemExit(f"ctl {op}: {json.load(exc).get('error')}") from None


def parse_value(text):
    try:
        return json.loads(text)
    except ValueError:
        return text


def ctl(args):
    names = CTL_ARGS.get(args.op)
    positional = [a for a in args.rest if "=" not in a]
    options = dict(a.split("=", 1) for a in args.rest if "=" in a)
    call = {k.replace("-", "_"): parse_value(v) for k, v in options.items()}
    for name, value in zip(names or [], positional, strict=False):  # optional arguments may be left out
        call[name.rstrip("?")] = value
    missing = [n for n in (names or []) if not n.endswith("?") and n not in call]
    if missing:
        raise SystemExit(f"ctl {args.op}: missing {', '.join(missing)}")
    print(json.dumps(ctl_request(args.ini, args.op, call), indent=2))


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m simulator", description=__doc__)
    sub = parser.add_subparsers(dest="action", required=True)
    s = sub.add_parser("serve", help="run the CloudStack API simulator")
    s.add_argument("--host", default="127.0.0.1")
    s.add_argument("--port", type=int, default=8080, help="0 picks a free port")
    s.add_argument("--db", help="SQLite file (in memory when absent)")
    s.add_argument("--seed", choices=["demo", "empty"], default="empty")
    s.add_argument("--job-latency", type=float, default=0.0, help="seconds each async job takes")
    s.add_argument("--api-latency", type=float, default=0.0, help="seconds added to every API answer")
    s.add_argument("--job-workers", type=int, default=125,
                   help="async job worker pool size (CloudStack's: db.cloud.maxActive 250 / 2)")
    s.add_argument("--fault-rate", type=float, default=0.0, help="fraction of API calls answered 530")
    s.add_argument("--random-seed", type=int)
    s.add_argument("--replication-lag", type=float, default=0.0,
                   help="seconds the demo seed's storage mirrors lag behind their sources (0: synchronous)")
    s.add_argument("--credentials-out", help="write a cloudstack.ini for the seeded accounts")
    c = sub.add_parser("ctl", help="drive a running simulator through its control surface")
    c.add_argument("--ini", required=True, help="the file serve --credentials-out wrote")
    c.add_argument("op", help=f"one of {', '.join(sorted(CTL_ARGS))}")
    c.add_argument("rest", nargs="*", help="positional arguments, or name=value options")
    args = parser.parse_args(argv)
    return serve(args) if args.action == "serve" else ctl(args)


if __name__ == "__main__":
    sys.exit(main())
