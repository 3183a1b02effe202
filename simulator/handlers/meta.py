"""Cross-cutting commands: async jobs, API discovery, events and alerts."""

from .. import errors
from ..contract import SUCCESS, Job, api
from ..store import now
from ..views.common import public
from ..views.meta import LazyViews, api_view

ALERT_TYPES_MAX = 65535

# -- async jobs ------------------------------------------------------------------------------
def _job_for(ctx, jobid):
    rec = ctx.store.get("asyncjob", jobid)
    if rec is None or not (ctx.caller.is_root or rec["accountid"] == ctx.caller.account["id"]):
        raise ctx.invalid_value("jobid", jobid)
    return rec


@api("queryAsyncJobResult")
def query_async_job_result(ctx):
    return ctx.sim.jobs.view(_job_for(ctx, ctx.p["jobid"]))


@api("listAsyncJobs")
def list_async_jobs(ctx):
    jobs = ctx.store.all("asyncjob")
    if ctx.has("startdate"):  # the cheap test first: pollers ask for the last seconds of many thousands
        jobs = [j for j in jobs if j["created"] >= ctx.p["startdate"]]
    jobs = [j for j in jobs if ctx.can_see(j)]
    if not (ctx.caller.is_admin and ctx.p.get("listall")):
        jobs = [j for j in jobs if j["accountid"] == ctx.caller.account["id"]]
    return LazyViews(jobs, ctx.sim.jobs.view)


# -- API discovery ---------------------------------------------------------------------------
@api("listApis")
def list_apis(ctx):
    commands = [c for c in (ctx.sim.spec.commands[n] for n in ctx.sim.spec.names) if c.allowed(ctx.caller.role)]
    if ctx.has("name"):
        commands = [c for c in commands if c.name.lower() == ctx.p["name"].lower()]
        if not commands:
            raise errors.invalid(f"Api Name {ctx.p['name']} is not available for the caller")
    return [api_view(c) for c in commands]


# -- events and alerts -----------------------------------------------------------------------
@api("listEvents")
def list_events(ctx):
    events = ctx.mine(ctx.store.all("event"))
    for param, field in (("type", "type"), ("level", "level")):
        if ctx.has(param):
            events = [e for e in events if e[field] == ctx.p[param]]
    if ctx.has("startdate"):
        events = [e for e in events if e["created"] >= ctx.p["startdate"]]
    if ctx.has("keyword"):
        events = [e for e in events if ctx.p["keyword"].lower() in e["description"].lower()]
    return [public(e) for e in reversed(events)]  # newest first, as CloudStack lists them


@api("generateAlert")
def generate_alert(ctx):
    try:
        alert_type = int(ctx.p["type"])
    except ValueError:
        raise ctx.invalid_value("type", ctx.p["type"]) from None
    if not 0 <= alert_type <= ALERT_TYPES_MAX:
        raise errors.invalid(f"Type {alert_type} is not in the range of supported alert types")
    zone = ctx.lookup("zone", "zoneid", required=False)

    def run():
        ctx.store.add("alert", {"type": alert_type, "name": ctx.p["name"], "description": ctx.p["description"],
                                "sent": now(), "_zoneid": zone and zone["id"]})
        return SUCCESS

    return Job(run)


@api("listAlerts")
def list_alerts(ctx):
    alerts = ctx.store.all("alert")
    if ctx.has("type"):
        alerts = [a for a in alerts if str(a["type"]) == str(ctx.p["type"])]
    if ctx.has("name"):
        alerts = [a for a in alerts if a["name"] == ctx.p["name"]]
    if ctx.has("keyword"):
        alerts = [a for a in alerts if ctx.p["keyword"].lower() in a["description"].lower()]
    return [public(a) for a in reversed(alerts)]
