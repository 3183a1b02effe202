"""Disk offerings (ConfigurationManagerImpl.createDiskOffering, QueryManagerImpl.searchForDiskOfferings).

A service offering's compute-only disk offering (offerings.py) is a row of the same kind that these
commands never list."""

from .. import errors
from ..contract import api
from ..model.offerings import add_details, domain_is_permissible, scope_objects, set_scope
from ..views.offerings import disk_offering_view
from . import offering_common as common

HIDDEN_DETAILS = ("bandwidthLimitInMbps", "iopsLimit")


def _details(ctx):
    """CreateDiskOfferingCmd.getDetails: every entry of every details[i] (details[0].key=k is the key "key")."""
    return {k: v for entry in ctx.p.get("details") or [] for k, v in entry.items()}


@api("createDiskOffering")
def create_disk_offering(ctx):
    """ConfigurationManagerImpl.createDiskOffering(cmd) then createDiskOffering(...)."""
    zones, domains = common.scope(ctx, "diskoffering")  # uuids are resolved before the command runs
    size, customized = ctx.get("disksize"), bool(ctx.p.get("customized"))
    if not customized and size is None:
        raise errors.invalid("Disksize is required for a non-customized disk offering")
    if customized and size is not None:
        raise errors.invalid("Disksize is not allowed for a customized disk offering")
    cache = common.check_cache_mode(ctx)
    local = common.local_storage(ctx)
    if ctx.has("storagepolicy"):
        raise ctx.invalid_value("storagepolicy", ctx.p["storagepolicy"])  # no vSphere storage policies here
    common.check_rates(ctx)
    if size is not None and size <= 0:
        raise errors.invalid("Please specify a disk size of at least 1 GB.")
    if size is not None and size > common.max_volume_gb(ctx):
        raise errors.invalid(f"The maximum size for a disk is {common.max_volume_gb(ctx)} GB.")
    provisioning = common.provisioning_type(ctx)
    miniops, maxiops, custom_iops = common.iops(ctx)
    common.check_creator(ctx, "disk", domains, tagged=bool((ctx.get("tags") or "").strip()))
    common.check_snapshot_reserve(ctx)
    name = ctx.p["name"]
    tags = ",".join(t.strip() for t in (ctx.get("tags") or "").split(",") if t.strip()) or None
    offering = ctx.store.add("diskoffering", {
        "name": name, "displaytext": ctx.get("displaytext", name), "disksize": size or 0,
        "iscustomized": customized or not size, "storagetype": "local" if local else "shared", "tags": tags,
        "provisioningtype": provisioning, "displayoffering": ctx.p.get("displayoffering", True), "cacheMode": cache,
        "encrypt": bool(ctx.p.get("encrypt")), "iscustomizediops": custom_iops, "miniops": miniops,
        "maxiops": maxiops, "hypervisorsnapshotreserve": ctx.get("hypervisorsnapshotreserve"),
        "disksizestrictness": bool(ctx.p.get("disksizestrictness")), "state": "Active", "sortkey": 0,
    })
    set_scope(ctx.sim, "diskoffering", offering, "domainid", domains)
    set_scope(ctx.sim, "diskoffering", offering, "zoneid", zones)
    details = _details(ctx)
    add_details(ctx.sim, "diskoffering", offering, {k: v for k, v in details.items() if k not in HIDDEN_DETAILS})
    add_details(ctx.sim, "diskoffering", offering, {k: v for k, v in details.items() if k in HIDDEN_DETAILS},
                fordisplay=False)
    ctx.event("DISK.OFFERING.CREATE", f"Successfully completed creating disk offering. Disk offering "
              f"id={offering['_pk']}")
    return disk_offering_view(ctx, offering)


@api("listDiskOfferings")
def list_disk_offerings(ctx):
    """QueryManagerImpl.searchForDiskOfferingsIdsAndCount: never the compute-only ones; `displayoffering` is
    not a filter in 4.20; `domainid` (without `account`) lists only the offerings of that domain, and nothing
    else is filtered then."""
    offerings = [o for o in ctx.store.all("diskoffering") if not o.get("_computeonly") and not o.get("removed")]
    if ctx.has("domainid") and not ctx.has("account"):
        return _of_domain(ctx, offerings)
    if ctx.p.get("isrecursive") and ctx.caller.account["accounttype"] == 0:
        raise errors.invalid("Only ROOT admins and Domain admins can list disk offerings with isrecursive=true")
    if ctx.has("volumeid") and ctx.has("storageid"):
        raise errors.invalid("Both volume ID and storage pool ID are not allowed at the same time")
    if ctx.p.get("encrypt") is not None:
        offerings = [o for o in offerings if bool(o.get("encrypt")) == ctx.p["encrypt"]]
    if ctx.has("storagetype") and ctx.p["storagetype"].lower() in ("local", "shared"):
        offerings = [o for o in offerings if o["storagetype"] == ctx.p["storagetype"].lower()]
    if ctx.has("volumeid"):
        volume = ctx.lookup("volume", "volumeid")
        offerings = [o for o in offerings if o["id"] != volume.get("diskofferingid")]
    offerings = common.scoped(ctx, "diskoffering", offerings, "disk")
    return [disk_offering_view(ctx, o) for o in common.keyword_and_name(ctx, offerings)]


def _of_domain(ctx, offerings):
    domain = ctx.lookup("domain", "domainid")
    caller_domain = ctx.caller.domain
    if not ctx.caller.is_root and not domain_is_permissible(ctx.sim, caller_domain, domain):
        raise errors.denied(f"The account:{ctx.caller.account['name']} does not fall in the same domain hierarchy "
                            "as the disk offering")
    # that branch returns early: no state, name, keyword or zone condition is applied
    offerings = [o for o in offerings if any(d["id"] == domain["id"] for d in
                                             scope_objects(ctx.sim, "diskoffering", o, "domainid"))]
    return [disk_offering_view(ctx, o) for o in sorted(offerings, key=lambda o: (o.get("sortkey", 0), o["_pk"]))]
