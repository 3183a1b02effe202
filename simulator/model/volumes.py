"""Volumes: created Allocated (no file), given a file on a pool when a VM using them starts (a ROOT from a
template on file-based storage with THIN provisioning is a linked clone of the template's copy on that pool),
removed; and the files they own on the arrays. Attach and detach rules are in model/attach.py."""

import uuid

from .. import errors
from ..store import now
from .arrays import array_down, array_of, catch_up, new_file, read_only_reason, writable
from .pools import FILE_POOL_TYPES, OVERPROVISION, pool_reachable, supports_tags, up_hosts
from .texts import vm_text, volume_text
from .units import GIB

GONE_STATES = ("Destroy", "Expunging", "Expunged")
RAW_POOL_TYPES = ("RBD", "CLVM", "PowerFlex", "Linstor", "StorPool")  # KVM creates raw volumes there
NO_ENDPOINT = "No remote endpoint to send DeleteCommand, check if host or ssvm is down?"


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


def text_of(sim, vol):
    """VolumeVO.toString, with the internal id of the VM it is attached to."""
    return volume_text(vol, sim.store.get("vm", vol.get("virtualmachineid")) if vol.get("virtualmachineid") else None)


# -- create ----------------------------------------------------------------------------------
def _new_volume(ctx, account, zone, fields, event=True):
    vol = ctx.store.add("volume", ctx.owned(dict(
        {"displayvolume": True, "provisioningtype": "thin", **fields}, zoneid=zone["id"], zonename=zone["name"],
        state="Allocated", storageid=None, path=None, deleteprotection=False), account))
    if event:
        ctx.sim.event("VOLUME.CREATE", f"Successfully completed creating volume. Volume Id: {vol['id']}", account,
                      ctx.caller.user)
    return vol


def new_data_volume(ctx, owner, zone, diskoffering, size=None, name=None, vol_id=None, event=True):
    """An Allocated DATADISK (no file until a VM using it starts). size in GB, for customised offerings; the
    provisioning type and encryption are the offering's."""
    gib = size if diskoffering.get("iscustomized") else diskoffering["disksize"]
    fields = {"name": name or str(uuid.uuid4()), "type": "DATADISK", "size": int(gib * GIB),
              "diskofferingid": diskoffering["id"], "diskofferingname": diskoffering["name"],
              "diskofferingdisplaytext": diskoffering.get("displaytext"), "virtualmachineid": None, "deviceid": None,
              "provisioningtype": diskoffering.get("provisioningtype") or "thin",
              "_encrypt": bool(diskoffering.get("encrypt"))}
    if vol_id:
        fields["id"] = vol_id
    return _new_volume(ctx, owner, zone, fields, event)


def new_root_volume(ctx, vm, template, size=None):
    """The Allocated ROOT volume of a new VM; size in GB overrides the template's. Its provisioning type and
    encryption are its service offering's (`provisioningtype`, `encryptroot`)."""
    account = ctx.store.get("account", vm["accountid"])
    zone = ctx.store.get("zone", vm["zoneid"])
    offering = ctx.store.get("serviceoffering", vm.get("serviceofferingid")) or {}
    return _new_volume(ctx, account, zone, {
        "name": f"ROOT-{vm['_pk']}", "type": "ROOT", "size": int(size * GIB) if size else template["size"],
        "templateid": template["id"], "templatename": template["name"],
        "templatedisplaytext": template.get("displaytext"), "virtualmachineid": vm["id"],
        "deviceid": 0, "attached": now(), "serviceofferingid": vm.get("serviceofferingid"),
        "serviceofferingname": vm.get("serviceofferingname"),
        "serviceofferingdisplaytext": offering.get("displaytext"),
        "provisioningtype": offering.get("provisioningtype") or "thin", "_encrypt": bool(offering.get("encryptroot")),
        # VolumeOrchestrator.allocateTemplatedVolume: the volume takes the VM's display flag
        "displayvolume": vm.get("displayvm", True)})


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
        return (sim.store.get("serviceoffering", vol["serviceofferingid"]) or {}).get("tags")
    return (sim.store.get("diskoffering", vol.get("diskofferingid")) or {}).get("tags")


def pick_pool(sim, vol, hosts):
    """The least-filled Up pool one of the hosts mounts whose tags include the offering's, or None."""
    wanted = _storage_tags(sim, vol)
    allocated = allocated_by_pool(sim)
    zones = {h["zoneid"] for h in hosts}
    pools = [p for z in zones for p in sim.store.find("storagepool", zoneid=z)
             if p["state"] == "Up" and any(pool_reachable(p, h) for h in hosts) and supports_tags(p, wanted)
             and allocated.get(p["id"], 0) + vol["size"] <= p["disksizetotal"] * OVERPROVISION]
    if not pools:
        return None
    return min(pools, key=lambda p: (allocated.get(p["id"], 0) / max(p["disksizetotal"], 1), p["name"]))


def local_path(pool, name):
    """Where a host sees a file of the pool: KVM mounts an NFS pool at /mnt/<pool uuid>; a local or shared mount
    point pool is its own path; an RBD image is <pool>/<image>."""
    if pool["type"] == "NetworkFilesystem":
        return f"/mnt/{pool['id']}/{name}"
    return f"{pool['path'].rstrip('/')}/{name}"


def template_copy(sim, pool, template):
    """The template's copy on the pool (template_spool_ref), copied from secondary storage on first use."""
    copies = pool.setdefault("_templates", {})
    array = array_of(sim, pool)
    path = copies.get(template["id"])
    if path is None or path not in array["files"]:
        path = str(uuid.uuid4())
        fmt = "RAW" if pool["type"] in RAW_POOL_TYPES else template.get("format", "QCOW2")
        new_file(sim, array, path, template["size"], fmt)
        copies[template["id"]] = path
        sim.store.touch("storagepool", pool)
    return path


def place_file(sim, vol, pool):
    """Create the volume's file on the pool's array: the volume becomes Ready. A volume of a template is made
    from the template's copy on the pool (LibvirtStorageAdaptor.createDiskFromTemplate): with THIN provisioning on
    file-based storage `qemu-img create -b` makes a linked clone (a qcow2 whose backing file is that copy); SPARSE
    and FAT convert it into a full copy."""
    path, fmt = str(uuid.uuid4()), "RAW" if pool["type"] in RAW_POOL_TYPES else "QCOW2"
    array = array_of(sim, pool)
    if not writable(array):  # the agent's qemu-img create fails: CloudStack does not know the export is read-only
        raise errors.internal(f"Failed to create volume {vol['name']} on storage pool {pool['name']}: read-only file "
                              f"system ({read_only_reason(sim, array)})")
    template = sim.store.get("template", vol.get("templateid")) if vol.get("templateid") else None
    backing = None
    if template is not None:
        copy = template_copy(sim, pool, template)
        if pool["type"] in FILE_POOL_TYPES and vol.get("provisioningtype", "thin") == "thin":
            backing = local_path(pool, copy)
    new_file(sim, array, path, vol["size"], fmt, backing, bool(vol.get("_encrypt")))
    vol.update(state="Ready", storageid=pool["id"], path=path, _format=fmt,
               encryptformat="luks" if vol.get("_encrypt") else None)
    sim.store.touch("volume", vol)


def materialise(sim, volume, host):
    """Allocated -> Ready on a pool the host reaches whose tags match the offering's; idempotent."""
    if volume["state"] == "Allocated":
        pool = pick_pool(sim, volume, [host])
        if pool is None:
            vm = sim.store.get("vm", volume.get("virtualmachineid"))
            if vm:
                raise errors.capacity(f"Unable to create a deployment for {vm_text(vm)}")
            raise errors.internal(f"Unable to find suitable primary storage when creating volume {volume['name']}")
        place_file(sim, volume, pool)
    return volume


def check_disks_writable(sim, vm):
    """A VM starts only if its volumes' files can be opened read-write: the KVM agent's StartCommand fails for a
    disk on a read-only export (a mirror target not yet promoted)."""
    for vol in volumes_of(sim, vm):
        pool = sim.store.get("storagepool", vol.get("storageid") or "")
        array = array_of(sim, pool) if pool and vol.get("path") and pool.get("_array") else None
        if array is not None and not writable(array):
            raise errors.internal(f"Unable to start {vm_text(vm)}: the disk {vol['path']} is on a read-only file "
                                  f"system ({read_only_reason(sim, array)})")


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


# -- remove ----------------------------------------------------------------------------------
def drop_file(sim, vol):
    """Delete the volume's file from its pool's array (the volume row stays)."""
    pool = sim.store.get("storagepool", vol.get("storageid"))
    if pool and vol.get("path") and pool.get("_array"):
        array = array_of(sim, pool)
        array["files"].pop(vol["path"], None)
        sim.store.touch("array", array)


def expunge_file(sim, vol):
    """VolumeServiceImpl.expungeVolumeAsync: the file is deleted through a host that mounts the pool; with none
    (its zone failed) CloudStack's DeleteCommand finds no endpoint and the expunge fails."""
    pool = sim.store.get("storagepool", vol.get("storageid"))
    if pool is None or not vol.get("path"):
        return
    if not up_hosts(sim, pool):
        raise errors.internal(f"Failed to expunge the volume {text_of(sim, vol)} in Primary data store : {NO_ENDPOINT}")
    drop_file(sim, vol)


def remove_volume(sim, vol, state):
    vol.update(state=state, removed=now())
    sim.store.touch("volume", vol)
