"""Cross-cutting commands: async jobs, API discovery, events and alerts."""

from .. import errors
from ..contract import GATES, SUCCESS, Job, api
from ..jobs import PENDING
from ..model.alerts import send_alert
from ..views.common import public
from ..views.meta import LazyViews, api_view


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
    """QueryManagerImpl.searchForAsyncJobs: only jobs still running (AsyncJobManagerImpl.completeAsyncJob marks
    a finished job removed, and the search leaves removed rows out); the caller's own unless listall."""
    jobs = [j for j in ctx.store.all("asyncjob") if j["jobstatus"] == PENDING]
    if ctx.has("startdate"):  # the cheap test first: pollers ask for the last seconds of many thousands
        jobs = [j for j in jobs if j["created"] >= ctx.p["startdate"]]
    jobs = [j for j in jobs if ctx.can_see(j)]
    if not (ctx.caller.is_admin and ctx.p.get("listall")):
        jobs = [j for j in jobs if j["accountid"] == ctx.caller.account["id"]]
    return LazyViews(jobs, ctx.sim.jobs.view)


# -- API discovery ---------------------------------------------------------------------------
def _registered(ctx, name):
    """A command whose class is not registered (contract.GATES refuses it) is not listed either."""
    try:
        if name in GATES:
            GATES[name](ctx.sim, ctx.caller, name)
    except errors.ApiError:
        return False
    return True


@api("listApis")
def list_apis(ctx):
    commands = [c for c in (ctx.sim.spec.commands[n] for n in ctx.sim.spec.names)
                if c.allowed(ctx.caller.role) and _registered(ctx, c.name)]
    if ctx.has("name"):
        commands = [c for c in commands if c.name.lower() == ctx.p["name"].lower()]
        if not commands:
            raise errors.invalid(f"Api Name {ctx.p['name']} is not available for the caller")
    return [api_view(c) for c in commands]


# -- events and alerts -----------------------------------------------------------------------
@api("listEvents")
def list_events(ctx):
    """QueryManagerImpl.searchForEvents: callers that are not root admins see only displayed events (an event
    about a hidden object is hidden)."""
    events = ctx.mine(ctx.store.all("event"))
    if not ctx.caller.is_root:
        events = [e for e in events if e.get("_display", True)]
    for param, field in (("type", "type"), ("level", "level")):
        if ctx.has(param):
            events = [e for e in events if e[field] == ctx.p[param]]
    if ctx.has("startdate"):
        events = [e for e in events if e["created"] >= ctx.p["startdate"]]
    if ctx.has("keyword"):
        events = [e for e in events if ctx.p["keyword"].lower() in e["description"].lower()]
    return [public(e) for e in reversed(events)]  # newest first, as CloudStack lists them


# AlertService.AlertType's built-in types (number -> names), as 4.20 declares them.
BUILT_IN_ALERTS = {
    0: {"ALERT.MEMORY"}, 1: {"ALERT.CPU"}, 2: {"ALERT.STORAGE"}, 3: {"ALERT.STORAGE.ALLOCATED"},
    4: {"ALERT.NETWORK.PUBLICIP"}, 5: {"ALERT.NETWORK.PRIVATEIP"}, 6: {"ALERT.STORAGE.SECONDARY"},
    7: {"ALERT.COMPUTE.HOST"}, 8: {"ALERT.USERVM"}, 9: {"ALERT.SERVICE.DOMAINROUTER"},
    10: {"ALERT.SERVICE.CONSOLEPROXY", "ALERT.NETWORK.IPV6SUBNET"}, 11: {"ALERT.NETWORK.ROUTING"},
    12: {"ALERT.STORAGE.MISC"}, 13: {"ALERT.USAGE"}, 14: {"ALERT.MANAGEMENT"},
    15: {"ALERT.NETWORK.DOMAINROUTERMIGRATE"}, 16: {"ALERT.SERVICE.CONSOLEPROXYMIGRATE"},
    17: {"ALERT.USERVM.MIGRATE"}, 18: {"ALERT.NETWORK.VLAN"}, 19: {"ALERT.SERVICE.SSVM"},
    20: {"ALERT.USAGE.RESULT"}, 21: {"ALERT.STORAGE.DELETE"}, 22: {"ALERT.RESOURCE.COUNT"},
    23: {"ALERT.USAGE.SANITY"}, 24: {"ALERT.NETWORK.DIRECTPUBLICIP"}, 25: {"ALERT.STORAGE.LOCAL"},
    26: {"ALERT.RESOURCE.EXCEED"}, 27: {"ALERT.TYPE.SYNC"}, 28: {"ALERT.UPLOAD.FAILED"},
    29: {"ALERT.OOBM.AUTHERROR"}, 30: {"ALERT.HA.ACTION"}, 31: {"ALERT.CA.CERT"},
    32: {"ALERT.VM.SNAPSHOT", "ALERT.VR.PUBLIC.IFACE.MTU", "ALERT.VR.PRIVATE.IFACE.MTU"},
}
SHORT = range(-32768, 32768)


@api("generateAlert")
def generate_alert(ctx):
    """GenerateAlertCmd (type is a short) and AlertManagerImpl.generateAlert/sendAlert."""
    try:
        alert_type = int(ctx.p["type"])
    except ValueError:
        alert_type = None
    if alert_type not in SHORT:
        raise errors.invalid(f"Unable to execute API command generatealert due to invalid value {ctx.p['type']} for "
                             "parameter type")
    zone = ctx.lookup("zone", "zoneid", required=False)
    pod = ctx.lookup("pod", "podid", required=False)

    def run():
        names = BUILT_IN_ALERTS.get(alert_type, set())
        if names and ctx.p["name"].upper() not in names:  # AlertType.generateAlert
            raise errors.invalid(f"There is a default alert having type {alert_type} and name {min(names)}")
        if zone is None:  # sendAlert finds no zone 0: nothing recorded, and the job still succeeds
            return SUCCESS
        # AlertDaoImpl.getLastAlert: one unarchived alert per custom type, zone (and pod)
        send_alert(ctx.store, alert_type, ctx.p["name"], ctx.p["description"], zone["id"], pod and pod["id"])
        return SUCCESS

    return Job(run)


@api("listAlerts")
def list_alerts(ctx):
    """ManagementServerImpl.searchForAlerts: unarchived alerts, the last sent first."""
    alerts = [a for a in ctx.store.all("alert") if not a.get("archived")]
    if ctx.has("type"):
        alerts = [a for a in alerts if str(a["type"]) == str(ctx.p["type"])]
    if ctx.has("name"):
        alerts = [a for a in alerts if a["name"] == ctx.p["name"]]
    if ctx.has("keyword"):
        alerts = [a for a in alerts if ctx.p["keyword"].lower() in a["description"].lower()]
    return [public(a) for a in sorted(alerts, key=lambda a: (a["sent"], a["_pk"]), reverse=True)]


@api("archiveAlerts")
def archive_alerts(ctx):
    """ManagementServerImpl.archiveAlerts: by ids, type, or an end date; an archived alert lets the next
    alert of its type and zone be recorded."""
    if not (ctx.has("ids") or ctx.has("type") or ctx.has("enddate")):
        raise errors.invalid("either ids, type, startdate or enddate must be specified")
    matched = [a for a in ctx.store.all("alert") if not a.get("archived")
               and (not ctx.has("ids") or a["id"] in ctx.p["ids"])
               and (not ctx.has("type") or str(a["type"]) == str(ctx.p["type"]))
               and (not ctx.has("enddate") or a["sent"] <= ctx.p["enddate"])]
    for alert in matched:
        alert["archived"] = True
        ctx.store.touch("alert", alert)
    return SUCCESS
