"""The control surface for tests, demos and benchmarks: POST /simulator/control.

The body is JSON ``{"op": NAME, "args": {...}}``; the header ``X-Simulator-Signature`` is the
base64 HMAC-SHA1 of the body under the root admin's secret, and ``X-Simulator-Key`` its api key,
so only the holder of the root admin's credentials can fail zones or inject faults.
"""

import base64
import hashlib
import hmac
import json

from .errors import ApiError

PATH = "/simulator/control"
OPS = {}


def op(name):
    def register(fn):
        OPS[name] = fn
        return fn

    return register


def body_signature(body, secret):
    return base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha1).digest()).decode()


def answer(sim, headers, body):
    caller = sim.caller_for_key(headers.get("x-simulator-key", ""))
    if caller is None or not caller.is_root or not hmac.compare_digest(
        headers.get("x-simulator-signature", ""), body_signature(body, caller.user["secretkey"])
    ):
        return 401, {"error": "the control surface needs the root admin's key and a valid signature"}
    try:
        request = json.loads(body)
        fn = OPS[request["op"]]
    except (ValueError, KeyError):
        return 400, {"error": f"unknown control request; known ops: {sorted(OPS)}"}
    with sim.lock:
        try:
            return 200, {"result": fn(sim, **request.get("args", {}))}
        except ApiError as exc:
            return 400, {"error": exc.errortext}
        except (TypeError, ValueError, KeyError) as exc:
            return 400, {"error": f"{request['op']}: {exc}"}
        finally:
            sim.store.flush()


@op("faults")
def set_faults(sim, **changes):
    """Set fault injection: rate, commands {name: rate}, drop_rate, slow_rate, slow_seconds,
    job_fail_rate, api_latency, job_latency. With no argument, report the current settings."""
    for key, value in changes.items():
        if key == "api_latency":
            sim.api_latency = float(value)
        elif key == "job_latency":
            sim.jobs.latency = float(value)
        elif key in sim.faults:
            sim.faults[key] = value
        else:
            raise KeyError(f"unknown fault setting {key}")
    return dict(sim.faults, api_latency=sim.api_latency, job_latency=sim.jobs.latency)


@op("fault-counts")
def fault_counts(sim, reset=False):
    """How many faults of each kind were injected since the start (or the last reset)."""
    counts = dict(sim.fault_counts)
    if reset:
        sim.fault_counts.clear()
    return counts


@op("joblog")
def joblog(sim, since=None):
    """Every async job with its command, instance, status and start/end times (epoch seconds)."""
    return [
        {"jobid": j["id"], "cmd": j["cmd"], "instancetype": j.get("jobinstancetype"),
         "instanceid": j.get("jobinstanceid"), "status": j["jobstatus"], "created": j["created"],
         "started": j.get("_started"), "ended": j.get("_ended"),
         "error": (j.get("jobresult") or {}).get("errortext") if j["jobstatus"] == 2 else None}
        for j in sim.store.all("asyncjob")
        if since is None or (j.get("_ended") or 1e18) >= since
    ]


@op("status")
def status(sim):
    """Counts of objects by kind, jobs in flight, and API calls answered by command since the start."""
    kinds = sorted(sim.store._rows)
    return {"objects": {k: len(sim.store.all(k)) for k in kinds}, "jobs_in_flight": sim.jobs.in_flight,
            "api_calls": dict(sim.call_counts)}
