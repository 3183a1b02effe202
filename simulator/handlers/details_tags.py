"""Resource details and tags: key/value pairs on the resources addResourceDetail and createTags name.

As ResourceMetaDataManagerImpl, TaggedResourceManagerImpl and QueryManagerImpl do: every check of
add/removeResourceDetail and create/deleteTags runs in the job, and each call is one transaction
(a refused key or resource leaves nothing written); listResourceDetails needs a resource id or a
key with a value, answers only displayed details unless fordisplay=false, and checks no access.
"""

from .. import errors
from ..contract import SUCCESS, Job, api
from ..errors import ApiError
from ..model.resources import (
    DETAIL_KEY_LENGTH,
    KINDS,
    OBJECT_TYPES,
    detail_value_length,
    find_resource,
    object_type,
)


def key_value_map(entries, allow_null_value=True):
    """TaggedResources.parseKeyValueMap: {key: value} from `name[i].key`/`name[i].value` entries. An entry
    without them (`details[0].dr.x=v`, as a client sends a dict) makes Collectors.toMap throw a
    NullPointerException, which fails the job with no error text; a repeated key is an IllegalStateException."""
    out = {}
    for entry in entries or []:
        key, value = entry.get("key"), entry.get("value")
        if key is None or (value is None and not allow_null_value):
            raise ApiError(errors.INTERNAL_ERROR, None, errors.CS_CLOUD_RUNTIME)
        if key in out:
            raise errors.internal(f"Duplicate key {key} (attempted merging values {out[key]} and {value})")
        out[key] = value
    return out


# -- resource details ------------------------------------------------------------------------
def _metadata_type(name):
    type_name = object_type(name)
    if not OBJECT_TYPES[type_name][1]:
        raise errors.internal(f"ResourceType {type_name} doesn't support metadata")
    return type_name


@api("addResourceDetail")
def add_resource_detail(ctx):
    """ResourceMetaDataManagerImpl.addResourceMetaData: every key written, or none."""
    entries, fordisplay = ctx.p.get("details"), ctx.p.get("fordisplay", True)

    def run():
        type_name = object_type(ctx.p["resourcetype"])
        details = key_value_map(entries)
        for key, value in details.items():
            if not value:
                raise errors.invalid(f"Value for the key {key} is either null or empty")
            _metadata_type(type_name)
            kind, obj = find_resource(ctx.store, type_name, ctx.p["resourceid"])
            if len(key) > DETAIL_KEY_LENGTH or len(value) > detail_value_length(type_name):
                column = "name" if len(key) > DETAIL_KEY_LENGTH else "value"
                raise errors.internal(f"Unable to persist on DB, due to: Data truncation: Data too long for column "
                                      f"'{column}' at row 1")
        for key, value in details.items():
            row = ctx.store.first("detail", resource_kind=kind, resource_pk=obj["_pk"], key=key)
            if row is not None:
                ctx.store.delete("detail", row)
            ctx.store.add("detail", {"resource_kind": kind, "resource_pk": obj["_pk"], "key": key, "value": value,
                                     "fordisplay": fordisplay})
        return SUCCESS

    return Job(run)


@api("removeResourceDetail")
def remove_resource_detail(ctx):
    """ResourceMetaDataManagerImpl.deleteResourceMetaData: the key, or every detail of the resource without one."""

    def run():
        type_name = _metadata_type(ctx.p["resourcetype"])
        kind, obj = find_resource(ctx.store, type_name, ctx.p["resourceid"])
        for row in ctx.store.find("detail", resource_kind=kind, resource_pk=obj["_pk"]):
            if not ctx.has("key") or row["key"] == ctx.p["key"]:
                ctx.store.delete("detail", row)
        return SUCCESS

    return Job(run)


@api("listResourceDetails")
def list_resource_details(ctx):
    """QueryManagerImpl.listResourceDetails: by resource id, or by key and value across the type; `value` and
    `fordisplay` are root-admin-only parameters; no access check and no paging."""
    type_name = object_type(ctx.p["resourcetype"])
    if not ctx.has("resourceid") and not ctx.has("value"):
        raise errors.invalid("Insufficient parameters passed for listing by resourceId OR key,value pair. "
                             "Please check your params and try again.")
    if ctx.has("value") and not ctx.has("key"):
        raise errors.invalid("Listing by (key, value) but key is null. Please check the params and try again")
    if not OBJECT_TYPES[type_name][1]:
        raise errors.internal(f"ResourceType {type_name} doesn't support metadata")
    display = ctx.p.get("fordisplay", True)
    if ctx.has("resourceid"):
        kind, obj = find_resource(ctx.store, type_name, ctx.p["resourceid"])
        if not ctx.has("value"):
            rows = ctx.store.find("detail", resource_kind=kind, resource_pk=obj["_pk"])
            rows = [r for r in rows if not ctx.has("key") or r["key"] == ctx.p["key"]]
            return [_detail_view(obj, type_name, r) for r in rows if r["fordisplay"] == display]
    kind = KINDS.get(type_name)
    rows = [r for r in ctx.store.find("detail", key=ctx.p["key"]) if r["resource_kind"] == kind
            and r["value"] == ctx.p["value"] and r["fordisplay"] == display]
    return [_detail_view(obj, type_name, r) for r in rows
            if (obj := ctx.store.by_pk(kind, r["resource_pk"])) is not None and not obj.get("removed")]


def _detail_view(obj, type_name, row):
    return {"key": row["key"], "value": row["value"], "resourceid": obj["id"], "resourcetype": type_name,
            "fordisplay": row["fordisplay"]}


# -- tags ------------------------------------------------------------------------------------
def _taggable(name):
    type_name = object_type(name)
    if not OBJECT_TYPES[type_name][0]:
        raise errors.invalid(f"The resource type {type_name} doesn't support resource tags")
    return type_name


@api("createTags")
def create_tags(ctx):
    """TaggedResourceManagerImpl.createTags: one transaction; a tag belongs to its resource's owner."""
    entries, resource_ids = ctx.p.get("tags"), ctx.p["resourceids"]

    def run():
        type_name = object_type(ctx.p["resourcetype"])
        tags = key_value_map(entries)
        _taggable(type_name)
        rows = []
        for rid in resource_ids:
            kind, obj = find_resource(ctx.store, type_name, rid)
            if not ctx.can_see(obj):
                raise errors.internal("Caller does not have permission to operate with provided resource.")
            for key, value in tags.items():
                if not value:
                    raise errors.invalid(f"Value for the key {key} is either null or empty")
                if _tag_of(ctx, kind, obj, type_name, key):
                    raise errors.internal(f"tag {key} already on {type_name} with id {obj['id']}")
                rows.append({"resource_kind": kind, "resource_type": type_name, "resource_pk": obj["_pk"],
                             "key": key, "value": value, "account": obj.get("account"),
                             "accountid": obj.get("accountid"), "domainid": obj.get("domainid"),
                             "domain": obj.get("domain"), "domainpath": obj.get("domainpath")})
        if not rows:
            raise errors.internal("Failed to create resource tag(s)")
        for row in rows:
            ctx.store.add("tag", row)
        ctx.event("CREATE_TAGS", "Successfully completed creating resource tags")
        return SUCCESS

    return Job(run)


def _tag_of(ctx, kind, obj, type_name, key):
    return next((t for t in ctx.store.find("tag", resource_kind=kind, resource_pk=obj["_pk"])
                 if t.get("resource_type", type_name) == type_name and t["key"].lower() == key.lower()), None)


@api("deleteTags")
def delete_tags(ctx):
    """TaggedResourceManagerImpl.deleteTags: unknown resources match nothing; key and value compared without
    case; no tag matched fails the job."""
    entries, resource_ids = ctx.p.get("tags"), set(ctx.p["resourceids"])

    def run():
        type_name = object_type(ctx.p["resourcetype"])
        wanted = [(e.get("key", "").lower(), e.get("value")) for e in entries or []]
        matched = []
        for tag in ctx.store.all("tag"):
            obj = ctx.store.by_pk(tag["resource_kind"], tag["resource_pk"])
            if tag.get("resource_type") != type_name or obj is None or obj["id"] not in resource_ids:
                continue
            if wanted and not any(tag["key"].lower() == k and (v is None or tag["value"].lower() == v.lower())
                                  for k, v in wanted):
                continue
            if not ctx.can_see(tag):
                raise errors.internal("Caller does not have permission to operate with provided resource.")
            matched.append(tag)
        if not matched:
            raise errors.internal("Failed to delete tags")
        for tag in matched:
            ctx.store.delete("tag", tag)
        ctx.event("DELETE_TAGS", "Successfully completed deleting resource tags")
        return SUCCESS

    return Job(run)


@api("listTags")
def list_tags(ctx):
    """QueryManagerImpl.listTags: the caller's own tags unless listall; resourcetype is a plain filter."""
    tags = ctx.mine(ctx.store.all("tag"))
    for field, param in (("resource_type", "resourcetype"), ("key", "key"), ("value", "value")):
        if ctx.has(param):
            tags = [t for t in tags if t.get(field) == ctx.p[param]]
    out = []
    for tag in tags:
        obj = ctx.store.by_pk(tag["resource_kind"], tag["resource_pk"])
        if obj is None or (ctx.has("resourceid") and obj["id"] != ctx.p["resourceid"]):
            continue
        out.append({"key": tag["key"], "value": tag["value"], "resourceid": obj["id"],
                    "resourcetype": tag.get("resource_type"), "account": tag.get("account"),
                    "domainid": tag.get("domainid"), "domain": tag.get("domain"), "domainpath": tag.get("domainpath")})
    return out
