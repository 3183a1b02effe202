"""Control ops about the simulator itself: fault injection, counts, the job log, status."""

from .. import control


@control.op("faults")
def set_faults(sim, **changes):
    """Set fault injection: rate, commands {name: rate}, drop_rate, slow_rate, slow_seconds,
    job_fail_rate, sync_seconds (how long a storage mirror-sync takes: an adapter's timeout), api_latency,
    job_latency. With no argument, report the current settings."""
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


@control.op("fault-counts")
def fault_counts(sim, reset=False):
    """How many faults of each kind were injected since the start (or the last reset)."""
    counts = dict(sim.fault_counts)
    if reset:
        sim.fault_counts.clear()
    return counts


@control.op("joblog")
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


@control.op("status")
def status(sim):
    """Counts of objects by kind, jobs in flight, and API calls answered by command since the start."""
    kinds = sim.store.kinds()
    return {"objects": {k: len(sim.store.all(k)) for k in kinds}, "jobs_in_flight": sim.jobs.in_flight,
            "api_calls": dict(sim.call_counts)}
