"""python -m simulator.bench: the simulator's own speed, so it is never the bottleneck.

Prints two figures: signed API calls answered per second (several client processes replaying
signed listAccounts/listDomains/listUsers requests over keep-alive connections, as a load generator does),
and the async jobs it holds in flight at once (a burst of generateAlert jobs with job latency).
"""

import argparse
import configparser
import http.client
import json
import multiprocessing
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlencode, urlsplit

from .auth import sign
from .cli import ctl_request

ROOT = Path(__file__).resolve().parents[1]


def signed_query(conf, command, **params):
    params.update(command=command, apiKey=conf["key"], response="json", signatureVersion="3",
                  expires=(datetime.now(UTC) + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%S%z"))
    params["signature"] = sign(params, conf["secret"])
    return urlencode(params)


def hammer(args):
    """One load process: replay signed GETs on one keep-alive connection for `seconds`."""
    endpoint, queries, seconds = args
    url = urlsplit(endpoint)
    conn = http.client.HTTPConnection(url.hostname, url.port, timeout=30)
    done, errors, end = 0, 0, time.monotonic() + seconds
    while time.monotonic() < end:
        conn.request("GET", f"{url.path}?{queries[done % len(queries)]}")
        resp = conn.getresponse()
        resp.read()
        done += 1
        errors += resp.status != 200
    return done, errors


def calls_per_second(conf, clients, seconds):
    queries = [signed_query(conf, "listAccounts"), signed_query(conf, "listDomains"),
               signed_query(conf, "listUsers")]
    with multiprocessing.Pool(clients) as pool:
        results = pool.map(hammer, [(conf["endpoint"], queries, seconds)] * clients)
    calls = sum(r[0] for r in results)
    return calls / seconds, sum(r[1] for r in results)


def jobs_in_flight(ini, conf, burst, latency):
    ctl_request(ini, "faults", {"job_latency": latency})
    url = urlsplit(conf["endpoint"])
    conn = http.client.HTTPConnection(url.hostname, url.port, timeout=30)
    start = time.monotonic()
    for i in range(burst):
        conn.request("GET", f"{url.path}?" + signed_query(conf, "generateAlert", type="27", name=f"bench {i}",
                                                          description="burst"))
        body = json.loads(conn.getresponse().read())
        assert "jobid" in body["generatealertresponse"], body
    peak = ctl_request(ini, "status", {})["jobs_in_flight"]
    while ctl_request(ini, "status", {})["jobs_in_flight"]:
        time.sleep(0.05)
    return peak, time.monotonic() - start


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--clients", type=int, default=2)
    parser.add_argument("--burst", type=int, default=300, help="async jobs submitted at once")
    parser.add_argument("--job-latency", type=float, default=2.0)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        ini = Path(tmp) / "cloudstack.ini"
        proc = subprocess.Popen([sys.executable, "-m", "simulator", "serve", "--port", "0", "--seed", "empty",
                                 "--credentials-out", str(ini)], cwd=ROOT, stdout=subprocess.DEVNULL)
        try:
            deadline = time.monotonic() + 30
            while not ini.exists() and time.monotonic() < deadline:
                time.sleep(0.05)
            ini_conf = configparser.ConfigParser()
            ini_conf.read(ini)
            conf = ini_conf["cloudstack"]
            rate, failed = calls_per_second(conf, args.clients, args.seconds)
            peak, drain = jobs_in_flight(ini, conf, args.burst, args.job_latency)
        finally:
            proc.terminate()
            proc.wait(timeout=30)
    print(f"signed API calls/s: {rate:,.0f} ({args.clients} client processes, {args.seconds:g} s, "
          f"{failed} non-200 answers)  target >= 1,000")
    print(f"async jobs in flight: {peak} of a burst of {args.burst} (job latency {args.job_latency:g} s, "
          f"125 workers), all done in {drain:.1f} s  target >= 200")
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
