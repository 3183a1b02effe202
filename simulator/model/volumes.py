"""Volumes: created Allocated (no file), given a file on a pool when a VM using them starts, attached
and detached by CloudStack's rules, removed; and the files they own on the arrays."""

import uuid

from .. import errors
from ..store import now
from .arrays import array_down, array_of, catch_up, write_file
from .pools import OVERPROVISION, pool_reachable, split_tags
from .texts import vm_text
from .units import GIB

MAX_DATA_VOLUMES = 26  # hypervisor_capabilities.max_data_volumes_limit for KVM
CDROM_DEVICE = 3
GONE_STATES = ("Destroy", "Expunging", "Expunged")


def live_volumes(sim):
    return [v for v in sim.store.all("volume") if not v.get("removed")]


def allocated_by_pool(sim):
    """{pool id: bytes} the live volumes on each pool take."""
    out = {}
    for vol in live_volumes(sim):
        if vol.get("storageid"):
            out[vol["storageid"]] = out.get(vol["storageid"], 0) + vol["size"]
    return out


def volumes_of(sim, vm):
    """The VM's attached volumes, by device id."""
    vols = [v for v in sim.store.find("volume", virtualmachineid=vm["id"]) if not v.get("removed")]
    return sorted(vols, key=lambda v: v["deviceid"])


def volume_by_ref(sim, ref):
    vol = sim.store.get("volume", ref)
    if vol is None or vol.get("removed"):
        named = [v for v in live_volumes(sim) if v["name"] == ref]
        if len(named) != 1:
            raise errors.invalid(f"{len(named)} volumes named or with id {ref}: name one by id")
        vol = named[0]
    return vol


# -- create ----------------------------------------------------------------------------------
def _new_volume(ctx, account, zone, fields):
    vol = ctx.store.add("volume", ctx.owned(dict(
        {"displayvolume": True, **fields}, zoneid=zone["id"], zonename=zone["name"], state="Allocated", storageid=None,
        path=None, provisioningtype="thin"), account))
    ctx.sim.event("VOLUME.CREATE", f"Successfully completed creating volume. Volume Id: {vol['id']}", account,
                  ctx.caller.user)
    return vol


def new_data_volume(ctx, owner, zone, diskoffering, size=None, name=None, vol_id=None):
    """An Allocated DATADISK (no file until a VM using it starts). size in GB, for customised offerings."""
    gib = size if diskoffering.get("iscustomized") else diskoffering["disksize"]
    fields = {"name": name or str(uuid.uuid4()), "type": "DATADISK", "size": int(gib * GIB),
              "diskofferingid": diskoffering["id"], "diskofferingname": diskoffering["name"],
              "diskofferingdisplaytext": diskoffering.get("displaytext"), "virtualmachineid": None, "deviceid": None}
    if vol_id:
        fields["id"] = vol_id
    return _new_volume(ctx, owner, zone, fields)


def new_root_volume(ctx, vm, template, size=None):
    """The Allocated ROOT volume of a new VM; size in GB overrides the template's."""
    account = ctx.store.get("account", vm["accountid"])
    zone = ctx.store.get("zone", vm["zoneid"])
    vol = _new_volume(ctx, account, zone, {
        "name": f"ROOT-{vm['_pk']}", "type": "ROOT", "size": int(size * GIB) if size else template["size"],
        "templateid": template["id"], "templatename": template["name"], "virtualmachineid": vm["id"],
        "deviceid": 0, "attached": now(), "serviceofferingid": vm.get("serviceofferingid"),
        "serviceofferingname": vm.get("serviceofferingname"),
        # VolumeOrchestrator.allocateTemplatedVolume: the volume takes the VM's display flag
        "displayvolume": vm.get("displayvm", True)})
    return vol


def display_volumes(sim, vm):
    """UserVmManagerImpl.updateDisplayVmFlag (VolumeApiServiceImpl.updateDisplay): a VM's ROOT and attached data
    volumes take its display flag."""
    for vol in volumes_of(sim, vm):
        vol["displayvolume"] = vm.get("displayvm", True)
        sim.store.touch("volume", vol)


# -- files on pools --------------------------------------------------------------------------
def _storage_tags(sim, vol):
    """The storage tags a volume's offering asks for: the service offering's for ROOT, else the disk offering's."""
    if vol["type"] == "ROOT" and vol.get("serviceofferingid"):
        return split_tags((sim.store.get("serviceoffering", vol["serviceofferingid"]) or {}).get("tags"))
    return split_tags((sim.store.get("diskoffering", vol.get("diskofferingid")) or {}).get("tags"))


def _pick_pool(sim, vol, host):
    wanted = _storage_tags(sim, vol)
    allocated = allocated_by_pool(sim)
    pools = [p for p in sim.store.find("storagepool", zoneid=host["zoneid"])
             if p["state"] == "Up" and pool_reachable(p, host) and wanted <= split_tags(p.get("tags"))
             and allocated.get(p["id"], 0) + vol["size"] <= p["disksizetotal"] * OVERPROVISION]
    if not pools:
        vm = sim.store.get("vm", vol.get("virtualmachineid"))
        if vm:
            raise errors.capacity(f"Unable to create a deployment for {vm_text(vm)}")
        raise errors.internal(f"Unable to find suitable primary storage when creating volume {vol['name']}")
    return min(pools, key=lambda p: (allocated.get(p["id"], 0) / p["disksizetotal"], p["name"]))


def _place(sim, vol, pool):
    """Create the volume's file on the pool's array: the volume becomes Ready."""
    path = str(uuid.uuid4())
    write_file(sim, array_of(sim, pool), path, vol["size"])
    vol.update(state="Ready", storageid=pool["id"], path=path)
    sim.store.touch("volume", vol)


def materialise(sim, volume, host):
    """Allocated -> Ready on a pool the host reaches whose tags match the offering's; idempotent."""
    if volume["state"] == "Allocated":
        _place(sim, volume, _pick_pool(sim, volume, host))
    return volume


def file_of(sim, vol):
    """The volume's file and its array; a never-started volume has none, as in CloudStack."""
    if not vol.get("path"):
        raise errors.invalid(f"Volume {vol['name']} has no file: it is {vol['state']} (never started)")
    array = array_of(sim, sim.store.get("storagepool", vol["storageid"]))
    if array_down(sim, array):
        raise errors.unavailable(f"Storage array {array['name']} is down with its zone")
    catch_up(sim, array)
    found = array["files"].get(vol["path"])
    if found is None:
        raise errors.invalid(f"No file {vol['path']} on array {array['name']}")
    return array, found


def unmanaged_files(sim, pool):
    """The files on the pool's array that no managed volume of the pool references."""
    array = array_of(sim, pool)
    catch_up(sim, array)
    managed = {v["path"] for v in sim.store.find("volume", storageid=pool["id"]) if not v.get("removed")}
    return {path: f for path, f in array["files"].items() if path not in managed}


# -- attach, detach, remove ------------------------------------------------------------------
def check_attachable(sim, vol, vm, deviceid):
    """VolumeApiServiceImpl.attachVolumeToVM's checks, in its order."""
    if vol.get("virtualmachineid"):
        raise errors.invalid("Please specify a volume that is not attached to any VM.")
    if vol["state"] == "Destroy":
        raise errors.invalid("Please specify a volume that is not destroyed.")
    if vm["state"] not in ("Running", "Stopped"):
        raise errors.invalid("Please specify a VM that is either running or stopped.")
    if vm["zoneid"] != vol["zoneid"]:
        raise errors.invalid("Please specify a VM that is in the same zone as the volume.")
    attached = volumes_of(sim, vm)
    if deviceid == 0:
        check_root_change(vm)
        if any(v["deviceid"] == 0 for v in attached):
            raise errors.invalid("Vm already has root volume attached to it")
    elif sum(v["type"] == "DATADISK" for v in attached) >= MAX_DATA_VOLUMES:
        raise errors.invalid(f"The specified VM already has the maximum number of data disks ({MAX_DATA_VOLUMES}) "
                             "attached. Please specify another VM.")
    if vol["state"] not in ("Allocated", "Ready"):
        raise errors.invalid("Volume state must be in Allocated, Ready or in Uploaded state")
    return attached


def check_root_change(vm):
    if vm["state"] not in ("Stopped", "Destroyed"):
        raise errors.invalid("Root volume detach can happen only when vm is in states: Stopped or Destroyed")


def device_for(vm, attached, deviceid):
    """The device id the volume gets: CloudStack's getDeviceId (3 is the CD-ROM)."""
    used = {v["deviceid"] for v in attached}
    top = MAX_DATA_VOLUMES + 1
    if deviceid is None:
        return next(d for d in range(1, top + 1) if d != CDROM_DEVICE and d not in used)
    if deviceid > top or deviceid == CDROM_DEVICE:
        raise errors.internal(f"deviceId should be 1,2,4-{top}")
    if deviceid in used:
        raise errors.internal(f"deviceId {deviceid} is used by vm {vm['_pk']}")
    return deviceid


def attach(sim, vol, vm, deviceid):
    """Attach as CloudStack does; at device 0 the volume becomes the VM's ROOT (VolumeDaoImpl.attachVolume).

    An Allocated volume gets its file next to the VM's first volume that has one, as
    createVolumeOnPrimaryStorage does; if none has (a never-started VM) it stays Allocated.
    """
    attached = check_attachable(sim, vol, vm, deviceid)
    deviceid = device_for(vm, attached, deviceid)
    anchor = next((v for v in attached if v["state"] != "Allocated"), None)
    if vol["state"] == "Allocated" and anchor:
        _place(sim, vol, sim.store.get("storagepool", anchor["storageid"]))
    vol.update(virtualmachineid=vm["id"], deviceid=deviceid, attached=now())
    if deviceid == 0:
        vol["type"] = "ROOT"
    sim.store.touch("volume", vol)


def drop_file(sim, vol):
    """Delete the volume's file from its pool's array (the volume row stays)."""
    pool = sim.store.get("storagepool", vol.get("storageid"))
    if pool and vol.get("path"):
        array = array_of(sim, pool)
        array["files"].pop(vol["path"], None)
        sim.store.touch("array", array)


def remove_volume(sim, vol, state):
    vol.update(state=state, removed=now())
    sim.store.touch("volume", vol)
