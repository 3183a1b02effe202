"""Service and disk offerings."""

from .. import errors
from ..contract import SUCCESS, api
from ..store import now
from ..views.common import public
from ..views.offerings import service_offering_view
from .filters import keyword_filter


def _require_positive(ctx, name, what):
    value = ctx.get(name)
    if value is not None and value <= 0:
        raise errors.invalid(f"Failed to create service offering {ctx.p['name']}: specify the {what} value "
                             f"between 1 and 2147483647")
    return value


# -- service offerings -----------------------------------------------------------------------
@api("createServiceOffering")
def create_service_offering(ctx):
    customized = bool(ctx.p.get("customized"))
    sizes = {k: _require_positive(ctx, k, w) for k, w in
             (("cpunumber", "cpu number"), ("cpuspeed", "cpu speed"), ("memory", "memory"))}
    if not customized and None in sizes.values():
        raise errors.invalid("For creating a custom compute offering cpu, cpu speed and memory all should be null")
    offering = ctx.store.add("serviceoffering", {
        "name": ctx.p["name"], "displaytext": ctx.p["displaytext"], **sizes,
        "storagetype": ctx.get("storagetype", "shared"), "tags": ctx.get("tags"), "hosttags": ctx.get("hosttags"),
        "offerha": bool(ctx.p.get("offerha")), "iscustomized": customized, "issystem": False,
        "limitcpuuse": bool(ctx.p.get("limitcpuuse")), "isvolatile": False, "defaultuse": False,
        "provisioningtype": ctx.get("provisioningtype", "thin"), "cacheMode": "none",
        "rootdisksize": ctx.get("rootdisksize", 0), "dynamicscalingenabled": True, "state": "Active",
        "encryptroot": bool(ctx.p.get("encryptroot")),  # its VMs' ROOT volumes are encrypted (storage rules)
    })
    ctx.event("SERVICE.OFFERING.CREATE", f"Service offering {offering['name']} created")
    return service_offering_view(ctx, offering)


@api("listServiceOfferings")
def list_service_offerings(ctx):
    offerings = [o for o in ctx.store.all("serviceoffering") if not o.get("removed")]
    for field in ("cpunumber", "cpuspeed", "memory", "storagetype"):
        if ctx.has(field):
            offerings = [o for o in offerings if o.get(field) == ctx.p[field]]
    if ctx.has("virtualmachineid"):
        vm = ctx.lookup("vm", "virtualmachineid")
        offerings = [o for o in offerings if o["id"] != vm["serviceofferingid"]]  # what it can change to
    return [service_offering_view(ctx, o) for o in keyword_filter(ctx, offerings)]


@api("updateServiceOffering")
def update_service_offering(ctx):
    offering = ctx.lookup("serviceoffering", "id")
    for param, field in (("name", "name"), ("displaytext", "displaytext"), ("storagetags", "tags"),
                         ("hosttags", "hosttags")):
        if param in ctx.p:
            offering[field] = ctx.p[param] or None
    ctx.store.touch("serviceoffering", offering)
    ctx.event("SERVICE.OFFERING.EDIT", f"Service offering {offering['name']} updated")
    return service_offering_view(ctx, offering)


@api("deleteServiceOffering")
def delete_service_offering(ctx):
    offering = ctx.lookup("serviceoffering", "id")
    offering.update(state="Inactive", removed=now())  # CloudStack keeps the row: VMs still name it
    ctx.store.touch("serviceoffering", offering)
    ctx.event("SERVICE.OFFERING.DELETE", f"Service offering {offering['name']} deleted")
    return SUCCESS


# -- disk offerings --------------------------------------------------------------------------
@api("createDiskOffering")
def create_disk_offering(ctx):
    customized = bool(ctx.p.get("customized"))
    size = ctx.get("disksize")
    if not customized and not size:
        raise errors.invalid("Disksize is required for a non-customized disk offering")
    if size is not None and size <= 0:
        raise errors.invalid("Please specify a disk size of at least 1 GB.")
    offering = ctx.store.add("diskoffering", {
        "name": ctx.p["name"], "displaytext": ctx.p["displaytext"], "disksize": 0 if customized else size,
        "iscustomized": customized, "storagetype": ctx.get("storagetype", "shared"), "tags": ctx.get("tags"),
        "provisioningtype": ctx.get("provisioningtype", "thin"), "displayoffering": ctx.p.get("displayoffering", True),
        "cacheMode": "none", "encrypt": bool(ctx.p.get("encrypt")), "state": "Active",
    })
    ctx.event("DISK.OFFERING.CREATE", f"Disk offering {offering['name']} created")
    return public(offering)


@api("listDiskOfferings")
def list_disk_offerings(ctx):
    offerings = [o for o in ctx.store.all("diskoffering") if not o.get("removed")]
    if not ctx.caller.is_admin:
        offerings = [o for o in offerings if o.get("displayoffering", True)]
    return [public(o) for o in keyword_filter(ctx, offerings)]
