"""Helpers shared by the command handlers (private to the package)."""

from ..errors import invalid

# addResourceDetail/createTags resourcetype (case-insensitive, as ResourceObjectType) -> store kind
RESOURCE_KINDS = {
    "uservm": "vm", "zone": "zone", "serviceoffering": "serviceoffering", "storage": "storagepool",
    "volume": "volume", "network": "network", "vpc": "vpc", "publicipaddress": "publicip",
    "diskoffering": "diskoffering", "template": "template", "nic": "nic", "cluster": "cluster",
    "pod": "pod", "host": "host", "domain": "domain", "account": "account", "user": "user",
    "portforwardingrule": "rule", "firewallrule": "rule", "networkoffering": "networkoffering",
    "vpcoffering": "vpcoffering", "sshkeypair": "sshkeypair", "affinitygroup": "affinitygroup",
}
RESOURCE_TYPE_NAMES = {
    "vm": "UserVm", "zone": "Zone", "serviceoffering": "ServiceOffering", "storagepool": "Storage",
    "volume": "Volume", "network": "Network", "vpc": "Vpc", "publicip": "PublicIpAddress",
    "diskoffering": "DiskOffering", "template": "Template", "nic": "Nic", "cluster": "Cluster", "pod": "Pod",
    "host": "Host", "domain": "Domain", "account": "Account", "user": "User", "rule": "FirewallRule",
    "networkoffering": "NetworkOffering", "vpcoffering": "VpcOffering",
}


def resource_kind(resourcetype):
    kind = RESOURCE_KINDS.get((resourcetype or "").lower())
    if kind is None:
        raise invalid(f"Invalid resource type: {resourcetype}")
    return kind


def public(obj):
    """An object without its internal (underscore) fields."""
    return {k: v for k, v in obj.items() if not k.startswith("_")}


def keyword_filter(ctx, items, *fields):
    """CloudStack's name/keyword list filters."""
    if ctx.has("id"):
        items = [i for i in items if i["id"] == ctx.p["id"]]
    if ctx.has("ids"):
        wanted = set(ctx.p["ids"])
        items = [i for i in items if i["id"] in wanted]
    if ctx.has("name"):
        items = [i for i in items if i.get("name") == ctx.p["name"]]
    if ctx.has("keyword"):
        kw = ctx.p["keyword"].lower()
        items = [i for i in items if any(kw in str(i.get(f, "")).lower() for f in fields or ("name",))]
    return items


def details_of(ctx, kind, obj):
    """The resource details the caller may see, as a {key: value} map."""
    rows = ctx.store.find("detail", resource_kind=kind, resource_pk=obj["_pk"])
    return {d["key"]: d["value"] for d in rows if ctx.caller.is_root or d["fordisplay"]}


def tags_of(ctx, kind, obj):
    return [
        {"key": t["key"], "value": t["value"], "resourcetype": RESOURCE_TYPE_NAMES.get(kind, kind),
         "resourceid": obj["id"], "account": t.get("account"), "domainid": t.get("domainid"),
         "domain": t.get("domain")}
        for t in ctx.store.find("tag", resource_kind=kind, resource_pk=obj["_pk"])
    ]
