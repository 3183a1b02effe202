"""Templates (one id, several zones) and the guest OS types: list and register."""

from .. import errors
from ..contract import api
from ..model.limit_checks import check_new_template
from ..model.templates import OS_TYPES, add_template, os_type, os_type_named
from ..views.offerings import template_views
from .filters import keyword_filter

TEMPLATE_FILTERS = ("featured", "self", "selfexecutable", "sharedexecutable", "executable", "community", "all")


def _template_visible(ctx, template, tfilter):
    mine = template.get("accountid") == ctx.caller.account["id"]
    if tfilter == "featured":
        return template["isfeatured"] and template["ispublic"]
    if tfilter in ("self", "selfexecutable"):
        return mine or (ctx.caller.is_admin and ctx.can_see(template) and ctx.p.get("listall"))
    if tfilter == "community":
        return template["ispublic"] and not template["isfeatured"]
    if tfilter == "sharedexecutable":
        return False  # no template permissions are modelled
    if tfilter == "executable":
        return mine or template["ispublic"]
    return ctx.can_see(template) or template["ispublic"]  # all: admins only, checked by the caller


@api("listTemplates")
def list_templates(ctx):
    tfilter = ctx.p["templatefilter"].lower()
    if tfilter not in TEMPLATE_FILTERS:
        raise ctx.invalid_value("templatefilter", ctx.p["templatefilter"])
    if tfilter == "all" and not ctx.caller.is_admin:
        raise errors.invalid("Filter all can be specified by admin only")
    templates = [t for t in ctx.store.all("template") if not t.get("removed") and _template_visible(ctx, t, tfilter)]
    if ctx.has("account") and ctx.caller.is_admin:
        templates = [t for t in templates if t.get("account") == ctx.p["account"]]
    return [view for t in keyword_filter(ctx, templates) for view in template_views(ctx, t)]


@api("registerTemplate")
def register_template(ctx):
    if ctx.p["format"].upper() not in ("QCOW2", "RAW", "VHD", "OVA", "ISO"):
        raise errors.invalid(f"Image format: {ctx.p['format']} is incorrect. Supported formats are QCOW2, RAW")
    zone_ids = [z for z in (ctx.p.get("zoneids") or [ctx.get("zoneid", "-1")]) if z != "-1"]
    cross_zones = not zone_ids  # zoneid=-1: every zone
    zones = [ctx.lookup("zone", "zoneid", value=z) for z in zone_ids] or ctx.store.all("zone")
    ostype = os_type(ctx) or os_type_named("Other Linux (64-bit)")
    check_new_template(ctx, ctx.owner())  # resource limits (model/limit_checks.py)
    template = add_template(
        ctx, ctx.owner(), ctx.p["name"], zones, ostype, displaytext=ctx.p["displaytext"],
        format=ctx.p["format"].upper(), hypervisor=ctx.p["hypervisor"], url=ctx.p["url"],
        ispublic=bool(ctx.p.get("ispublic")) and ctx.caller.is_admin,
        isfeatured=bool(ctx.p.get("isfeatured")) and ctx.caller.is_admin,
        passwordenabled=bool(ctx.p.get("passwordenabled")), sshkeyenabled=bool(ctx.p.get("sshkeyenabled")),
        crossZones=cross_zones,
    )
    ctx.event("TEMPLATE.CREATE", f"Template {template['name']} registered")
    return template_views(ctx, template)


@api("listOsTypes")
def list_os_types(ctx):
    types = OS_TYPES
    if ctx.has("oscategoryid"):
        types = [t for t in types if t["oscategoryid"] == ctx.p["oscategoryid"]]
    if ctx.has("description"):
        types = [t for t in types if t["description"] == ctx.p["description"]]
    return keyword_filter(ctx, types, "description")
