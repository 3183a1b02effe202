"""What every view uses: an object's public fields, and the details and tags it carries."""

from ..model.resources import RESOURCE_TYPE_NAMES


def public(obj):
    """An object without its internal (underscore) fields."""
    return {k: v for k, v in obj.items() if not k.startswith("_")}


def details_of(sim, kind, obj, hidden_too):
    """An object's resource details as a {key: value} map: the displayed ones, and with `hidden_too` all."""
    rows = sim.store.find("detail", resource_kind=kind, resource_pk=obj["_pk"])
    return {d["key"]: d["value"] for d in rows if hidden_too or d["fordisplay"]}


def tags_of(ctx, kind, obj):
    return [
        {"key": t["key"], "value": t["value"], "resourcetype": RESOURCE_TYPE_NAMES.get(kind, kind),
         "resourceid": obj["id"], "account": t.get("account"), "domainid": t.get("domainid"),
         "domain": t.get("domain")}
        for t in ctx.store.find("tag", resource_kind=kind, resource_pk=obj["_pk"])
    ]
