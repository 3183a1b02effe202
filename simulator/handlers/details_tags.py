"""Resource details and tags: key/value pairs on any resource that addResourceDetail and createTags name."""

from .. import errors
from ..contract import SUCCESS, Job, api
from ..model.resources import RESOURCE_TYPE_NAMES, resource_kind


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
        obj = ctx.store.by_pk(kind, row["resource_pk"])
        if obj is None or not ctx.can_see(obj) or not (ctx.caller.is_root or row["fordisplay"]):
            continue
        if not ctx.caller.is_root and kind == "vm" and not obj.get("displayvm", True):
            continue
        out.append({"key": row["key"], "value": row["value"], "resourceid": obj["id"],
                    "resourcetype": RESOURCE_TYPE_NAMES.get(kind, ctx.p["resourcetype"]),
                    "fordisplay": row["fordisplay"], "account": obj.get("account"),
                    "domainid": obj.get("domainid"), "domain": obj.get("domain")})
    return out


# -- tags ------------------------------------------------------------------------------------
def _tagging(ctx):
    """createTags/deleteTags: the resources' kind, the resources, and the tags given."""
    kind = resource_kind(ctx.p["resourcetype"])
    targets = [_resource(ctx, ctx.p["resourcetype"], rid)[1] for rid in ctx.p["resourceids"]]
    return kind, targets, ctx.details_map("tags")


@api("createTags")
def create_tags(ctx):
    kind, targets, tags = _tagging(ctx)

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
    kind, targets, only = _tagging(ctx)

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
        obj = ctx.store.by_pk(tag["resource_kind"], tag["resource_pk"])
        if obj is None or (ctx.has("resourceid") and obj["id"] != ctx.p["resourceid"]):
            continue
        out.append({"key": tag["key"], "value": tag["value"], "resourceid": obj["id"],
                    "resourcetype": RESOURCE_TYPE_NAMES.get(tag["resource_kind"]), "account": tag.get("account"),
                    "domainid": tag.get("domainid"), "domain": tag.get("domain")})
    return out

