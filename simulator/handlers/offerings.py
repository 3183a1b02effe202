"""Service offerings (ConfigurationManagerImpl.createServiceOffering / updateServiceOffering /
deleteServiceOffering, QueryManagerImpl.searchForServiceOfferings); disk offerings are in disk_offerings.py."""

from .. import errors
from ..contract import SUCCESS, api
from ..model.configs import int_setting
from ..model.offerings import STATES, add_details, set_scope
from ..views.offerings import service_offering_view
from . import offering_common as common

INT_MAX = 2147483647
PLANNERS = ("FirstFitPlanner", "UserDispersingPlanner", "UserConcentratedPodPlanner", "ImplicitDedicationPlanner",
            "SkipHeuresticsPlanner")  # the planners a default management server lists
SYSTEM_VM_TYPES = ("domainrouter", "consoleproxy", "secondarystoragevm", "internalloadbalancervm")
GPU_KEYS = ("pciDevice", "vgpuType")
DISK_DETAIL_KEYS = ("bandwidthLimitInMbps", "iopsLimit")


def _fail(ctx, what):
    return errors.invalid(f"Failed to create service offering {ctx.p['name']}: specify the {what}")


def _check_compute(ctx, customized, details):
    """The cpu/speed/memory rules of ConfigurationManagerImpl.createServiceOffering(cmd)."""
    cpu, speed, memory = ctx.get("cpunumber"), ctx.get("cpuspeed"), ctx.get("memory")
    if customized:
        if cpu is not None or memory is not None:
            raise errors.invalid("For creating a custom compute offering cpu and memory all should be null")
        bounds = [ctx.get(n) for n in ("maxcpunumber", "mincpunumber", "maxmemory", "minmemory")]
        if None in bounds + [speed]:
            if any(v is not None for v in bounds + [speed]):
                raise errors.invalid("For creating a custom compute offering min/max cpu and min/max memory/cpu "
                                     "speed should all be null or all specified")
            return
        max_cpu, min_cpu, max_mem, min_mem = bounds
        if speed < 0 or speed > INT_MAX:
            raise _fail(ctx, f"cpu speed value between 1 and {INT_MAX}")
        if not (0 < max_cpu <= INT_MAX and 0 < min_cpu <= INT_MAX):
            raise _fail(ctx, f"minimum or minimum cpu number value between 1 and {INT_MAX}")
        if min_mem < 32 or min_mem > INT_MAX or max_mem > INT_MAX:
            raise _fail(ctx, f"memory value between 32 and {INT_MAX} MB")
        details.update(minmemory=str(min_mem), maxmemory=str(max_mem), mincpunumber=str(min_cpu),
                       maxcpunumber=str(max_cpu))
        return
    max_cores = int_setting(ctx.sim, "vm.serviceoffering.cpu.cores.max") or INT_MAX
    max_ram = int_setting(ctx.sim, "vm.serviceoffering.ram.size.max") or INT_MAX
    if cpu is not None and (cpu <= 0 or cpu > max_cores):
        raise _fail(ctx, f"cpu number value between 1 and {max_cores}")
    if speed is None or speed < 0 or speed > INT_MAX:
        raise _fail(ctx, f"cpu speed value between 0 and {INT_MAX}")
    if memory is not None and (memory < 32 or memory > max_ram):
        raise _fail(ctx, f"memory value between 32 and {max_ram} MB")


def _check_system(ctx):
    if not ctx.p.get("issystem"):
        return None
    vmtype = ctx.get("systemvmtype", "domainrouter")
    if vmtype not in SYSTEM_VM_TYPES:
        raise errors.invalid("Invalid systemVmType. Supported types are: DomainRouter, ConsoleProxy, "
                             "SecondaryStorageVm")
    if ctx.p.get("customizediops") is not None:
        raise errors.invalid("Customized IOPS is not a valid parameter for a system VM.")
    if ctx.get("hypervisorsnapshotreserve") is not None:
        raise errors.invalid("Hypervisor snapshot reserve is not a valid parameter for a system VM.")
    return vmtype


def _check_extras(ctx, vmtype):
    rate = ctx.get("networkrate")
    if rate is not None:
        if vmtype not in (None, "domainrouter"):
            raise errors.invalid('Network rate can be specified only for non-System offering and system offerings '
                                 'having "domainrouter" systemvmtype')
        if rate < 0:
            raise _fail(ctx, "network rate value more than 0")
    planner = ctx.get("deploymentplanner")
    if planner is not None and planner not in PLANNERS:
        raise errors.invalid("Invalid name for Deployment Planner specified, please use listDeploymentPlanners to "
                             "get the valid set")
    if ctx.has("storagepolicy"):
        raise ctx.invalid_value("storagepolicy", ctx.p["storagepolicy"])  # no vSphere storage policies here
    linked = ctx.lookup("diskoffering", "diskofferingid", required=False)
    if linked is not None and linked.get("_computeonly"):
        raise errors.invalid("Please specify a valid disk offering.")
    return linked


def _check_details(details):
    if sum(k in details for k in GPU_KEYS) == 1:
        raise errors.invalid("Please specify the pciDevice and vgpuType correctly.")


def _compute_disk_offering(ctx, local, provisioning, details):
    """ConfigurationManagerImpl.createDiskOfferingInternal: the compute-only disk offering of a new service
    offering (its storage tags, root disk size, IOPS, cache mode, encryption)."""
    miniops, maxiops, custom_iops = common.iops(ctx)
    size = ctx.get("rootdisksize")
    if size is not None and size <= 0:
        raise errors.invalid(f"The Root disk size is of {size} GB but it must be greater than 0.")
    if size is not None and size > common.max_volume_gb(ctx):
        raise errors.invalid(f"The maximum size for a disk is {common.max_volume_gb(ctx)} GB.")
    cache = common.check_cache_mode(ctx)
    common.check_snapshot_reserve(ctx)
    disk = ctx.store.add("diskoffering", {
        "name": ctx.p["name"], "displaytext": ctx.get("displaytext", ctx.p["name"]), "disksize": size or 0,
        "iscustomized": False, "storagetype": "local" if local else "shared", "tags": _clean_tags(ctx.get("tags")),
        "provisioningtype": provisioning, "displayoffering": False, "cacheMode": cache,
        "encrypt": bool(ctx.p.get("encryptroot")), "iscustomizediops": custom_iops, "miniops": miniops,
        "maxiops": maxiops, "hypervisorsnapshotreserve": ctx.get("hypervisorsnapshotreserve"), "state": "Active",
        "disksizestrictness": False, "_computeonly": True, **_rates(ctx),
    })
    add_details(ctx.sim, "diskoffering", disk, {k: v for k, v in details.items() if k in DISK_DETAIL_KEYS},
                fordisplay=False)
    return disk


def _rates(ctx):
    names = {"bytesreadrate": "diskBytesReadRate", "bytesreadratemax": "diskBytesReadRateMax",
             "byteswriterate": "diskBytesWriteRate", "byteswriteratemax": "diskBytesWriteRateMax",
             "iopsreadrate": "diskIopsReadRate", "iopsreadratemax": "diskIopsReadRateMax",
             "iopswriterate": "diskIopsWriteRate", "iopswriteratemax": "diskIopsWriteRateMax"}
    return {field: ctx.p[param] for param, field in names.items() if (ctx.get(param) or 0) > 0}


def _clean_tags(tags):
    """com.cloud.utils.StringUtils.cleanupTags: trimmed, empty entries dropped."""
    cleaned = [t.strip() for t in (tags or "").split(",") if t.strip()]
    return ",".join(cleaned) or None


@api("createServiceOffering")
def create_service_offering(ctx):
    """ConfigurationManagerImpl.createServiceOffering(cmd) then createServiceOffering(...)."""
    zones, domains = common.scope(ctx, "serviceoffering")  # uuids are resolved before the command runs
    ctx.lookup("diskoffering", "diskofferingid", required=False)
    name = ctx.p["name"]
    cpu, memory = ctx.get("cpunumber"), ctx.get("memory")
    customized = ctx.p.get("customized")
    customized = (cpu is None or memory is None) if customized is None else customized
    details = ctx.details_map("serviceofferingdetails")
    _check_compute(ctx, customized, details)
    common.check_cache_mode(ctx)
    offerha = bool(ctx.p.get("offerha"))
    local = common.local_storage(ctx, offerha)
    vmtype = _check_system(ctx)
    linked = _check_extras(ctx, vmtype)
    common.check_creator(ctx, "service", domains, tagged=bool(ctx.get("tags") or ctx.get("hosttags")))
    provisioning = common.provisioning_type(ctx)
    _check_details(details)
    disk = linked or _compute_disk_offering(ctx, local, provisioning, details)
    speed = ctx.get("cpuspeed")
    offering = ctx.store.add("serviceoffering", {
        "name": name, "displaytext": ctx.get("displaytext", name), "cpunumber": cpu, "cpuspeed": speed,
        "memory": memory, "iscustomized": cpu is None or speed is None or memory is None,
        "offerha": offerha, "limitcpuuse": bool(ctx.p.get("limitcpuuse")), "isvolatile": bool(ctx.p.get("isvolatile")),
        "issystem": vmtype is not None, "systemvmtype": vmtype, "defaultuse": False,
        "hosttags": _clean_tags(ctx.get("hosttags")), "networkrate": ctx.get("networkrate"),
        "deploymentplanner": ctx.get("deploymentplanner"),
        "dynamicscalingenabled": ctx.p.get("dynamicscalingenabled", True),
        "diskofferingstrictness": bool(ctx.p.get("diskofferingstrictness")), "diskofferingid": disk["id"],
        "state": "Active", "sortkey": 0,
        # copies of the disk offering's fields, for the modules that read the service offering row
        "tags": disk.get("tags"), "storagetype": disk["storagetype"], "provisioningtype": disk["provisioningtype"],
        "encryptroot": bool(disk.get("encrypt")), "rootdisksize": disk.get("disksize") or 0,
    })
    add_details(ctx.sim, "serviceoffering", offering, {k: v for k, v in details.items() if k not in DISK_DETAIL_KEYS})
    if ctx.p.get("purgeresources"):
        add_details(ctx.sim, "serviceoffering", offering, {"purge.db.entities": "true"}, fordisplay=False)
    set_scope(ctx.sim, "serviceoffering", offering, "domainid", domains)
    set_scope(ctx.sim, "serviceoffering", offering, "zoneid", zones)
    ctx.event("SERVICE.OFFERING.CREATE", "Successfully completed creating service offering. Service offering "
              f"id={offering['_pk']}")
    return service_offering_view(ctx, offering)


def _fits(offering, field, low, high, wanted):
    """listServiceOfferings cpunumber/memory: a fixed offering with at least that much, a custom one without
    bounds, or a custom one whose bounds hold it."""
    if offering.get(field) is not None:
        return offering[field] >= wanted
    return (low is None or int(low) <= wanted) and (high is None or int(high) >= wanted)


@api("listServiceOfferings")
def list_service_offerings(ctx):
    """QueryManagerImpl.searchForServiceOfferingIdsAndCount."""
    if ctx.p.get("issystem") and not ctx.caller.is_root:
        raise errors.invalid("Only ROOT admins can access system offerings.")
    offerings = common.scoped(ctx, "serviceoffering", ctx.store.all("serviceoffering"), "service")
    offerings = [o for o in offerings if bool(o.get("issystem")) == bool(ctx.p.get("issystem"))]
    if ctx.has("systemvmtype"):
        offerings = [o for o in offerings if o.get("systemvmtype") == ctx.p["systemvmtype"]]
    if ctx.has("virtualmachineid"):
        offerings = _changeable_to(ctx, offerings)
    if ctx.p.get("encryptroot") is not None:
        offerings = [o for o in offerings if bool(o.get("encryptroot")) == ctx.p["encryptroot"]]
    if ctx.has("storagetype") and ctx.p["storagetype"].lower() in ("local", "shared"):
        offerings = [o for o in offerings if o["storagetype"] == ctx.p["storagetype"].lower()]
    for field, low, high in (("cpunumber", "mincpunumber", "maxcpunumber"), ("memory", "minmemory", "maxmemory")):
        if ctx.has(field):
            offerings = [o for o in offerings if _fits(o, field, *_bounds(ctx, o, low, high), ctx.p[field])]
    if ctx.has("cpuspeed"):
        offerings = [o for o in offerings if o.get("cpuspeed") is None or o["cpuspeed"] >= ctx.p["cpuspeed"]]
    return [service_offering_view(ctx, o) for o in common.keyword_and_name(ctx, offerings)]


def _bounds(ctx, offering, *keys):
    rows = {d["key"]: d["value"] for d in ctx.store.find("detail", resource_kind="serviceoffering",
                                                          resource_pk=offering["_pk"])}
    return [rows.get(k) for k in keys]


def _changeable_to(ctx, offerings):
    """The offerings a VM may change to: not its own (unless custom), the same disk offering strictness (and
    disk offering when strict); while it runs, at least its cpu, speed and memory and the same dynamic scaling."""
    vm = ctx.store.get("vm", ctx.p["virtualmachineid"])
    if vm is None:
        raise ctx.invalid_value("virtualmachineid", ctx.p["virtualmachineid"])
    if vm.get("removed"):
        raise errors.invalid("unable to find a virtual machine with specified id")
    ctx.check_access(vm)
    current = ctx.store.get("serviceoffering", vm["serviceofferingid"]) or {}
    strict = bool(current.get("diskofferingstrictness"))
    out = [o for o in offerings if bool(o.get("diskofferingstrictness")) == strict
           and (current.get("iscustomized") or o["id"] != current.get("id"))
           and (not strict or o.get("diskofferingid") == current.get("diskofferingid"))]
    if vm["state"] == "Running":
        out = [o for o in out if o.get("dynamicscalingenabled") == current.get("dynamicscalingenabled")
               and (o.get("cpuspeed") is None or o["cpuspeed"] >= vm["cpuspeed"])
               and _fits(o, "cpunumber", *_bounds(ctx, o, "mincpunumber", "maxcpunumber"), vm["cpunumber"])
               and _fits(o, "memory", *_bounds(ctx, o, "minmemory", "maxmemory"), vm["memory"])]
    return out


def _update_scope(ctx, offering, param, key, everything):
    """updateServiceOffering's `domainid`/`zoneid`: a comma list of uuids; `public`/`all` clears it; omitted keeps
    it. An unknown uuid: "Failed to create service offering because invalid <domain|zone> has been specified."."""
    value = (ctx.get(param) or "").strip()
    if not value:
        return None
    kind = "domain" if key == "domainid" else "zone"
    if "," not in value and value == everything:
        return []
    found = [ctx.store.get(kind, v.strip()) for v in value.split(",")]
    if None in found:
        raise errors.invalid(f"Failed to create service offering because invalid {kind} has been specified.")
    return found


@api("updateServiceOffering")
def update_service_offering(ctx):
    """ConfigurationManagerImpl.updateServiceOffering: also finds Inactive offerings; storage tags and the state
    go to a compute-only disk offering too."""
    offering = ctx.lookup("serviceoffering", "id")
    domains = _update_scope(ctx, offering, "domainid", "domainid", "public")
    zones = _update_scope(ctx, offering, "zoneid", "zoneid", "all")
    state = ctx.get("state")
    if state is not None:
        match = next((s for s in STATES if s.lower() == state.lower()), None)
        if match is None:
            raise errors.invalid(f"Invalid state value: {state}")
        state = match
    if not ctx.caller.is_root:
        common.check_update_by_domain_admin(ctx, offering, domains, zones)
    disk = ctx.store.get("diskoffering", offering.get("diskofferingid")) or {}
    for param, field in (("name", "name"), ("displaytext", "displaytext"), ("sortkey", "sortkey")):
        if ctx.p.get(param) is not None:
            offering[field] = ctx.p[param]
    if ctx.p.get("storagetags") is not None:
        offering["tags"] = disk["tags"] = _clean_tags(ctx.p["storagetags"])
    if ctx.p.get("hosttags") is not None:
        offering["hosttags"] = _clean_tags(ctx.p["hosttags"])
    if state is not None:
        offering["state"] = state
        if disk.get("_computeonly"):
            disk["state"] = state
    if disk:
        ctx.store.touch("diskoffering", disk)
    ctx.store.touch("serviceoffering", offering)
    if domains is not None:
        set_scope(ctx.sim, "serviceoffering", offering, "domainid", domains)
    if zones is not None:
        set_scope(ctx.sim, "serviceoffering", offering, "zoneid", zones)
    _update_purge(ctx, offering)
    ctx.event("SERVICE.OFFERING.EDIT", "Successfully completed updating service offering. Service offering "
              f"id={offering['_pk']}")
    return service_offering_view(ctx, offering)


def _update_purge(ctx, offering):
    """`purgeresources` omitted counts as false, which clears a true one (UpdateServiceOfferingCmd)."""
    rows = [d for d in ctx.store.find("detail", resource_kind="serviceoffering", resource_pk=offering["_pk"])
            if d["key"] == "purge.db.entities"]
    for row in rows:
        ctx.store.delete("detail", row)
    if ctx.p.get("purgeresources"):
        add_details(ctx.sim, "serviceoffering", offering, {"purge.db.entities": "true"}, fordisplay=False)


@api("deleteServiceOffering")
def delete_service_offering(ctx):
    """ConfigurationManagerImpl.deleteServiceOffering: the offering (and a compute-only disk offering) only becomes
    Inactive; the row stays, VMs keep it, updateServiceOffering state=Active brings it back."""
    offering = ctx.lookup("serviceoffering", "id")
    if offering.get("defaultuse"):
        raise errors.invalid(f"The system service offering [{offering['displaytext']}] is marked for default use "
                             "and cannot be deleted")
    if not ctx.caller.is_root:
        common.check_delete_by_domain_admin(ctx, offering)
    offering["state"] = "Inactive"
    ctx.store.touch("serviceoffering", offering)
    disk = ctx.store.get("diskoffering", offering.get("diskofferingid"))
    if disk is not None and disk.get("_computeonly"):
        disk["state"] = "Inactive"
        ctx.store.touch("diskoffering", disk)
    ctx.event("SERVICE.OFFERING.DELETE", "Successfully completed deleting service offering. Service offering "
              f"id={offering['_pk']}")
    return SUCCESS
