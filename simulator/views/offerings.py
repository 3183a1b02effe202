"""Service offering and template views."""

from ..model.offerings import disk_offering_of, scope_objects
from ..model.texts import db_path
from .common import details_of, public, tags_of

# The fields a service offering answers from its disk offering (service_offering_view joins disk_offering).
DISK_SIDE = ("provisioningtype", "storagetype", "iscustomizediops", "miniops", "maxiops", "hypervisorsnapshotreserve",
             "cacheMode", "diskBytesReadRate", "diskBytesReadRateMax", "diskBytesWriteRate", "diskBytesWriteRateMax",
             "diskIopsReadRate", "diskIopsReadRateMax", "diskIopsWriteRate", "diskIopsWriteRateMax")


def _scope_fields(ctx, kind, offering, domain_field):
    """`zoneid`/`zone`/`domainid`/`domain`: comma lists (GROUP_CONCAT(DISTINCT ...) of the offering view, each
    sorted on its own), absent for an offering in every zone / for every domain."""
    zones = scope_objects(ctx.sim, kind, offering, "zoneid")
    domains = scope_objects(ctx.sim, kind, offering, "domainid")
    return {"zoneid": ",".join(sorted(z["id"] for z in zones)) or None,
            "zone": ",".join(sorted(z["name"] for z in zones)) or None,
            "domainid": ",".join(sorted(d["id"] for d in domains)) or None,
            "domain": ",".join(sorted(domain_field(d) for d in domains)) or None}


def service_offering_view(ctx, offering):
    """ServiceOfferingJoinDaoImpl.newServiceOfferingResponse: the disk side (storage tags, provisioning type,
    root disk size in GB, encryption, IOPS) from its disk offering; `serviceofferingdetails` as ApiDBUtils
    .getResourceDetails answers them (every detail for an admin, the displayed ones for others)."""
    view = public(offering)
    disk = disk_offering_of(ctx.sim, offering) or {}
    view.update({k: disk.get(k) for k in DISK_SIDE})
    view.update(storagetags=disk.get("tags"), encryptroot=bool(disk.get("encrypt")),
                rootdisksize=disk.get("disksize") or 0, diskofferingid=disk.get("id"),
                diskofferingname=disk.get("name"), diskofferingdisplaytext=disk.get("displaytext"),
                hasannotations=False, **_scope_fields(ctx, "serviceoffering", offering, lambda d: d["name"]))
    for internal in ("tags", "sortkey", "mincpunumber", "maxcpunumber", "minmemory", "maxmemory"):
        view.pop(internal, None)
    details = details_of(ctx.sim, "serviceoffering", offering, hidden_too=ctx.caller.is_admin)
    view["serviceofferingdetails"] = details or None
    if details.get("purge.db.entities"):
        view["purgeresources"] = details["purge.db.entities"] == "true"
    return view


def disk_offering_view(ctx, offering):
    """DiskOfferingJoinDaoImpl.newDiskOfferingResponse: `domain` is the domains' paths; `details` as ApiDBUtils
    .getResourceDetails answers them."""
    view = public(offering)
    view.pop("sortkey", None)
    view.update(hasannotations=False, **_scope_fields(ctx, "diskoffering", offering, db_path))
    view["details"] = details_of(ctx.sim, "diskoffering", offering, hidden_too=ctx.caller.is_admin) or None
    return view


def template_views(ctx, template):
    """One answer per zone the template is in, each with the same id, as CloudStack lists them."""
    base = public(template)
    base["tags"] = tags_of(ctx, "template", template)
    if not ctx.caller.is_root and template.get("accountid") != ctx.caller.account["id"]:
        base.pop("status", None)  # TemplateJoinDaoImpl: status and url for root admins and the owner only
        base.pop("url", None)
    out = []
    for zone_id in template["_zones"]:
        if ctx.has("zoneid") and zone_id != ctx.p["zoneid"]:
            continue
        zone = ctx.store.get("zone", zone_id)
        out.append(dict(base, zoneid=zone_id, zonename=zone and zone["name"]))
    return out
