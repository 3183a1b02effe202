"""Cross-cutting commands: async jobs, API discovery, events, alerts, resource details, tags."""

from collections.abc import Sequence

from .. import errors
from ..contract import SUCCESS, Job, api
from ..store import now
from ._common import RESOURCE_TYPE_NAMES, public, resource_kind

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


class _Views(Sequence):
    """Job views made only for the page answered: a poller pages through thousands of jobs."""

    def __init__(self, recs, view):
        self.recs, self.view = recs, view

    def __len__(self):
        return len(self.recs)

    def __getitem__(self, index):
        if isinstance(index, slice):
            return [self.view(r) for r in self.recs[index]]
        return self.view(self.recs[index])


@api("listAsyncJobs")
def list_async_jobs(ctx):
    jobs = ctx.store.all("asyncjob")
    if ctx.has("startdate"):  # the cheap test first: pollers ask for the last seconds of many thousands
        jobs = [j for j in jobs if j["created"] >= ctx.p["startdate"]]
    jobs = [j for j in jobs if ctx.can_see(j)]
    if not (ctx.caller.is_admin and ctx.p.get("listall")):
        jobs = [j for j in jobs if j["accountid"] == ctx.caller.account["id"]]
    return _Views(jobs, ctx.sim.jobs.view)


# -- API discovery ---------------------------------------------------------------------------
def _api_view(command):
    return {
        "name": command.name, "description": command.raw.get("description", ""),
        "isasync": command.is_async, "since": "", "related": "", "type": "",
        "params": [
            {"name": n, "description": "", "type": m["type"], "required": bool(m.get("required")),
             "length": 255, "since": "", "related": ""}
            for n, m in command.params.items()
        ],
        "response": [{"name": f, "description": "", "type": m.get("type", "string")}
                     for f, m in command.response["fields"].items()],
    }


@api("listApis")
def list_apis(ctx):
    commands = [c for c in (ctx.sim.spec.commands[n] for n in ctx.sim.spec.names) if c.allowed(ctx.caller.role)]
    if ctx.has("name"):
        commands = [c for c in commands if c.name.lower() == ctx.p["name"].lower()]
        if not commands:
            raise errors.invalid(f"Api Name {ctx.p['name']} is not available for the caller")
    return [_api_view(c) for c in commands]


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


# -- resource details ------------------------------------------------------------------------
def _resource(ctx, resourcetype, resourceid):
    kind = resource_kind(resourcetype)
    obj = ctx.store.get(kind, resourceid)
    if obj is None or obj.get("removed"):
        raise errors.invalid(f"Unable to find resource by id {resourceid} and type {resourcetype}")
    ctx.check_access(obj)
    return kind, obj


@api("addResourceDetail")
def add_resource_detail(ctx):
    kind, obj = _resource(ctx, ctx.p["resourcetype"], ctx.p["resourceid"])
    details = ctx.details_map()
    fordisplay = ctx.p.get("fordisplay", True)

    def run():
        for key, value in details.items():
            row = ctx.store.first("detail", resource_kind=kind, resource_pk=obj["_pk"], key=key)
            if row is None:
                ctx.store.add("detail", {"resource_kind": kind, "resource_pk": obj["_pk"], "key": key,
                                         "value": value, "fordisplay": fordisplay})
            else:
                row.update(value=value, fordisplay=fordisplay)
                ctx.store.touch("detail", row)
        return SUCCESS

    return Job(run, instance_type=RESOURCE_TYPE_NAMES.get(kind), instance_id=None)


@api("removeResourceDetail")
def remove_resource_detail(ctx):
    kind, obj = _resource(ctx, ctx.p["resourcetype"], ctx.p["resourceid"])
    key = ctx.get("key")

    def run():
        for row in ctx.store.find("detail", resource_kind=kind, resource_pk=obj["_pk"]):
            if key is None or row["key"] == key:
                ctx.store.delete("detail", row)
        return SUCCESS

    return Job(run, instance_type=RESOURCE_TYPE_NAMES.get(kind))


@api("listResourceDetails")
def list_resource_details(ctx):
    kind = resource_kind(ctx.p["resourcetype"])
    rows = ctx.store.find("detail", resource_kind=kind)
    if ctx.has("resourceid"):
        obj = ctx.store.get(kind, ctx.p["resourceid"])
        rows = [r for r in rows if obj is not None and r["resource_pk"] == obj["_pk"]]
    if ctx.has("key"):
        rows = [r for r in rows if r["key"] == ctx.p["key"]]
    if "fordisplay" in ctx.p:
        rows = [r for r in rows if r["fordisplay"] == ctx.p["fordisplay"]]
    out = []
    for row in rows:
        obj = _by_pk(ctx, kind, row["resource_pk"])
        if obj is None or not ctx.can_see(obj) or not (ctx.caller.is_root or row["fordisplay"]):
            continue
        if not ctx.caller.is_root and kind == "vm" and not obj.get("displayvm", True):
            continue
        out.append({"key": row["key"], "value": row["value"], "resourceid": obj["id"],
                    "resourcetype": RESOURCE_TYPE_NAMES.get(kind, ctx.p["resourcetype"]),
                    "fordisplay": row["fordisplay"], "account": obj.get("account"),
                    "domainid": obj.get("domainid"), "domain": obj.get("domain")})
    return out


def _by_pk(ctx, kind, pk):
    return ctx.store._rows.get(kind, {}).get(pk)


# -- tags ------------------------------------------------------------------------------------
@api("createTags")
def create_tags(ctx):
    kind = resource_kind(ctx.p["resourcetype"])
    targets = [_resource(ctx, ctx.p["resourcetype"], rid)[1] for rid in ctx.p["resourceids"]]
    tags = ctx.details_map("tags")

    def run():
        for obj in targets:
            for key, value in tags.items():
                if ctx.store.first("tag", resource_kind=kind, resource_pk=obj["_pk"], key=key):
                    raise errors.invalid(f"tag {key} already on {obj['id']}")
                ctx.store.add("tag", {"resource_kind": kind, "resource_pk": obj["_pk"], "key": key, "value": value,
                                      "account": obj.get("account"), "domainid": obj.get("domainid"),
                                      "domain": obj.get("domain"), "accountid": obj.get("accountid")})
        ctx.event("CREATE_TAGS", f"Created tags on {len(targets)} {ctx.p['resourcetype']}")
        return SUCCESS

    return Job(run)


@api("deleteTags")
def delete_tags(ctx):
    kind = resource_kind(ctx.p["resourcetype"])
    targets = [_resource(ctx, ctx.p["resourcetype"], rid)[1] for rid in ctx.p["resourceids"]]
    only = ctx.details_map("tags")

    def run():
        for obj in targets:
            for tag in ctx.store.find("tag", resource_kind=kind, resource_pk=obj["_pk"]):
                if not only or (tag["key"] in only and only[tag["key"]] in ("", tag["value"])):
                    ctx.store.delete("tag", tag)
        ctx.event("DELETE_TAGS", f"Deleted tags on {len(targets)} {ctx.p['resourcetype']}")
        return SUCCESS

    return Job(run)


@api("listTags")
def list_tags(ctx):
    tags = [t for t in ctx.store.all("tag") if ctx.can_see(t)]
    if ctx.has("resourcetype"):
        kind = resource_kind(ctx.p["resourcetype"])
        tags = [t for t in tags if t["resource_kind"] == kind]
    for field in ("key", "value"):
        if ctx.has(field):
            tags = [t for t in tags if t[field] == ctx.p[field]]
    out = []
    for tag in tags:
        obj = _by_pk(ctx, tag["resource_kind"], tag["resource_pk"])
        if obj is None or (ctx.has("resourceid") and obj["id"] != ctx.p["resourceid"]):
            continue
        out.append({"key": tag["key"], "value": tag["value"], "resourceid": obj["id"],
                    "resourcetype": RESOURCE_TYPE_NAMES.get(tag["resource_kind"]), "account": tag.get("account"),
                    "domainid": tag.get("domainid"), "domain": tag.get("domain")})
    return out

