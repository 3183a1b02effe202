"""Service offering and template views."""

from .common import details_of, public, tags_of


def service_offering_view(ctx, offering):
    """ServiceOfferingJoinDaoImpl.newServiceOfferingResponse: `serviceofferingdetails` as ApiDBUtils
    .getResourceDetails answers them (every detail for an admin, the displayed ones for others)."""
    view = public(offering)
    view["storagetags"] = view.pop("tags", None)  # created with `tags`, answered as `storagetags`
    view["serviceofferingdetails"] = details_of(ctx.sim, "serviceoffering", offering,
                                                hidden_too=ctx.caller.is_admin) or None
    return view


def template_views(ctx, template):
    """One answer per zone the template is in, each with the same id, as CloudStack lists them."""
    base = public(template)
    base["tags"] = tags_of(ctx, "template", template)
    out = []
    for zone_id in template["_zones"]:
        if ctx.has("zoneid") and zone_id != ctx.p["zoneid"]:
            continue
        zone = ctx.store.get("zone", zone_id)
        out.append(dict(base, zoneid=zone_id, zonename=zone and zone["name"]))
    return out
