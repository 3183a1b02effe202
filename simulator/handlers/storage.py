"""Primary storage and volumes, over a physical layer of storage arrays that hold volume files and replicate.

An array (kind "array", not a CloudStack object) is an NFS export: {path: file} where a file has a size,
a content marker and the time it was last written. A primary pool is CloudStack's view of one array.
Replication copies files to a target array, per file the latest write once it is older than the lag;
continuous replication is evaluated lazily, whenever the target's content is looked at.
"""

import math
import time
import uuid
from urllib.parse import urlsplit

from .. import control, errors
from ..contract import SUCCESS, Job, api
from ..store import now
from ._common import keyword_filter, public
from .infra import GIB, vm_text

TIB = 1024 * GIB
ARRAY_CAPACITY = 500 * TIB
OVERPROVISION = 2.0  # storage.overprovisioning.factor for NFS
MAX_DATA_VOLUMES = 26  # hypervisor_capabilities.max_data_volumes_limit for KVM
CDROM_DEVICE = 3
GONE_STATES = ("Destroy", "Expunging", "Expunged")
IMPORT_OFFERING = "Volume-Import"  # unique name of CloudStack's default offering for imported volumes


# -- the physical layer ----------------------------------------------------------------------
def add_array(sim, name, zone, url, capacity=ARRAY_CAPACITY):
    return sim.store.add("array", {"name": name, "zoneid": zone["id"], "url": url, "capacity": capacity,
                                   "files": {}, "replicates_to": None, "lag_seconds": 0, "mode": "manual",
                                   "last_sync": None})


def url_key(url):
    parts = urlsplit(url)
    return parts.scheme.lower(), parts.hostname, (parts.path or "/").rstrip("/") or "/"


def array_down(sim, array):
    return sim.zone_down(array["zoneid"])


def write_file(sim, array, path, size, marker=""):
    array["files"][path] = {"size": size, "marker": marker, "format": "QCOW2", "written": time.time()}
    sim.store.touch("array", array)


def sync(sim, source, cutoff=None):
    """Copy the source's files to its target: per file, the latest write if it is older than the cutoff."""
    target = sim.store.get("array", source["replicates_to"])
    if target is None or array_down(sim, source) or array_down(sim, target):
        return 0
    cutoff = time.time() - source["lag_seconds"] if cutoff is None else cutoff
    copied = 0
    for path, f in source["files"].items():
        if f["written"] <= cutoff and f["written"] > target["files"].get(path, {}).get("written", -1):
            target["files"][path] = dict(f)
            copied += 1
    source["last_sync"] = now()
    if copied:  # an array is written out whole at the next flush: thousands of files, so only when changed
        sim.store.touch("array", source)
        sim.store.touch("array", target)
    return copied


def catch_up(sim, target):
    """Continuous replication into `target`, up to this moment (run before anyone reads the target)."""
    for source in sim.store.find("array", replicates_to=target["id"], mode="continuous"):
        sync(sim, source)


def before_zone_fails(sim, zone):
    """What continuous replication shipped until the failure; writes younger than the lag are lost."""
    for array in sim.store.find("array", mode="continuous"):
        target = sim.store.get("array", array["replicates_to"]) or {}
        if zone["id"] in (array["zoneid"], target.get("zoneid")):
            sync(sim, array)


def array_by_ref(sim, ref):
    array = sim.store.get("array", ref) or sim.store.first("array", name=ref)
    if array is None:
        raise errors.invalid(f"No storage array named or with id {ref}")
    return array


# -- pools -----------------------------------------------------------------------------------
def pool_text(pool):
    """How CloudStack's exceptions print a pool (StoragePoolVO.toString)."""
    return (f'StoragePool {{"id":{pool["_pk"]},"name":"{pool["name"]}","poolType":"{pool["type"]}",'
            f'"uuid":"{pool["id"]}"}}')


def live_volumes(sim):
    return [v for v in sim.store.all("volume") if not v.get("removed")]


def allocated_by_pool(sim):
    out = {}
    for vol in live_volumes(sim):
        if vol.get("storageid"):
            out[vol["storageid"]] = out.get(vol["storageid"], 0) + vol["size"]
    return out


def pool_view(pool, allocated):
    view = public(pool)
    view.update(disksizeallocated=allocated, disksizeused=allocated)
    return view


def pool_reachable(pool, host):
    """True when the host mounts the pool: same cluster for cluster scope, same zone for zone scope."""
    if pool["scope"] == "ZONE":
        return pool["zoneid"] == host["zoneid"]
    return pool["clusterid"] == host["clusterid"]


def split_tags(text):
    return {t.strip() for t in (text or "").split(",") if t.strip()}


def add_data_store_error(text):
    return errors.internal(f"Failed to add data store: {text}")


def _pool_scope(ctx):
    scope = ctx.get("scope", "CLUSTER").upper()
    if scope not in ("CLUSTER", "ZONE"):
        raise errors.invalid(f"invalid scope for pool {ctx.p['scope']}")
    if scope == "CLUSTER" and not ctx.has("clusterid"):
        raise errors.invalid("cluster id can't be null, if scope is cluster")
    if scope == "ZONE" and not ctx.has("hypervisor"):
        raise errors.invalid("Missing parameter hypervisor. Hypervisor type is required to create zone wide "
                             "primary storage.")
    return scope


def _pool_array(ctx, zone, scope, cluster):
    """The array the URL names, mounted by the zone's hosts: CloudStack's initialize + attach checks."""
    scheme, host, path = url_key(ctx.p["url"])
    if scheme != "nfs" or not host:
        raise add_data_store_error(f"Unable to figure out the scheme for URI: {ctx.p['url']}")
    for pool in ctx.store.all("storagepool"):
        if (pool["ipaddress"], pool["path"]) == (host, path):
            pod = ctx.store.get("pod", pool.get("podid")) or {}
            raise add_data_store_error(f"Storage pool {ctx.p['url']} already in use by another pod "
                                       f"(id={pod.get('_pk')})")
    arrays = [a for a in ctx.store.find("array", zoneid=zone["id"]) if url_key(a["url"]) == (scheme, host, path)]
    if not arrays or ctx.sim.zone_down(zone["id"]):
        if scope == "ZONE":
            raise add_data_store_error("Failed to create storage pool as it is not accessible to hosts.")
        raise add_data_store_error(f"Failed to create storage pool in the cluster: {cluster['_pk']} as it is "
                                   "not accessible to hosts")
    return arrays[0], host, path


@api("createStoragePool")
def create_storage_pool(ctx):
    scope = _pool_scope(ctx)
    zone = ctx.lookup("zone", "zoneid")
    cluster = ctx.lookup("cluster", "clusterid") if scope == "CLUSTER" else None
    pod = ctx.lookup("pod", "podid", required=False) if scope == "CLUSTER" else None
    if cluster and pod is None:
        raise add_data_store_error("Cluster id requires pod id")
    if cluster and (cluster["podid"] != pod["id"] or cluster["zoneid"] != zone["id"]):
        raise add_data_store_error(f"Cluster {cluster['id']} is not in pod {pod['id']} of zone {zone['id']}")
    array, host, path = _pool_array(ctx, zone, scope, cluster)
    capacity = ctx.get("capacitybytes", array["capacity"])
    pool = ctx.store.add("storagepool", {
        "name": ctx.p["name"], "zoneid": zone["id"], "zonename": zone["name"],
        "podid": pod and pod["id"], "podname": pod and pod["name"],
        "clusterid": cluster and cluster["id"], "clustername": cluster and cluster["name"],
        "scope": scope, "type": "NetworkFilesystem", "url": ctx.p["url"], "ipaddress": host, "path": path,
        "state": "Up", "tags": ctx.get("tags"), "disksizetotal": capacity, "capacitybytes": capacity,
        "provider": ctx.get("provider", "DefaultPrimary"),
        "hypervisor": cluster["hypervisortype"] if cluster else ctx.p["hypervisor"], "managed": False,
        "overprovisionfactor": str(OVERPROVISION), "istagarule": False, "_array": array["id"],
    })
    return pool_view(pool, 0)


@api("listStoragePools")
def list_storage_pools(ctx):
    pools = keyword_filter(ctx, ctx.store.all("storagepool"))
    for param, field in (("zoneid", "zoneid"), ("podid", "podid"), ("clusterid", "clusterid"), ("status", "state"),
                         ("ipaddress", "ipaddress"), ("path", "path")):
        if ctx.has(param):
            pools = [p for p in pools if p.get(field) == ctx.p[param]]
    if ctx.has("scope"):
        pools = [p for p in pools if p["scope"] == ctx.p["scope"].upper()]
    if ctx.has("hostid"):
        host = ctx.lookup("host", "hostid")
        pools = [p for p in pools if pool_reachable(p, host)]
    allocated = allocated_by_pool(ctx.sim)
    return [pool_view(p, allocated.get(p["id"], 0)) for p in pools]


def _set_pool_enabled(pool, enabled):
    wanted_from, to, verb = ("Disabled", "Up", "enabled") if enabled else ("Up", "Disabled", "disabled")
    if pool["state"] != wanted_from:
        raise errors.invalid(f"Primary storage with id {pool['_pk']} cannot be {verb}. Storage pool state : "
                             f"{pool['state']}")
    pool["state"] = to


@api("updateStoragePool")
def update_storage_pool(ctx):
    pool = ctx.lookup("storagepool", "id")
    if ctx.has("name"):
        pool["name"] = ctx.p["name"]
    if "tags" in ctx.p:
        pool["tags"] = ",".join(ctx.p["tags"] or []) or None
    if ctx.has("capacitybytes"):
        pool["disksizetotal"] = pool["capacitybytes"] = ctx.p["capacitybytes"]
    if "enabled" in ctx.p:
        _set_pool_enabled(pool, ctx.p["enabled"])
        ctx.event("ENABLE.PS" if ctx.p["enabled"] else "DISABLE.PS", f"Storage pool {pool['name']}")
    ctx.store.touch("storagepool", pool)
    return pool_view(pool, allocated_by_pool(ctx.sim).get(pool["id"], 0))


@api("deleteStoragePool")
def delete_storage_pool(ctx):
    pool = ctx.lookup("storagepool", "id")
    if pool["state"] != "Maintenance":
        raise errors.invalid(f"Unable to delete storage due to it is not in Maintenance state, id: {pool['_pk']}")
    rows = [v for v in ctx.store.find("volume", storageid=pool["id"]) if v["state"] != "Expunged"]
    if ctx.p.get("forced") and any(v["state"] not in GONE_STATES for v in rows):
        raise errors.internal(f"Cannot delete pool {pool['name']} as there are associated non-destroyed vols "
                              "for this pool")
    if not ctx.p.get("forced") and rows:
        raise errors.internal(f"Cannot delete pool {pool['name']} as there are associated volumes for this pool")
    ctx.store.delete("storagepool", pool)  # the array and its files stay: only CloudStack forgets the pool
    return SUCCESS


def _maintenance_job(ctx, allowed, to, event, verb):
    pool = ctx.lookup("storagepool", "id")

    def run():
        if pool["state"] not in allowed:
            raise errors.invalid(f"Primary storage with id {pool['_pk']} is not ready {verb}, as the status is:"
                                 f"{pool['state']}")
        pool["state"] = to
        ctx.store.touch("storagepool", pool)
        ctx.event(event, f"Primary storage {pool['name']}")
        return pool_view(pool, allocated_by_pool(ctx.sim).get(pool["id"], 0))

    return Job(run, "StoragePool", pool["id"], hypervisor_zone=pool["zoneid"])


@api("enableStorageMaintenance")
def enable_storage_maintenance(ctx):
    return _maintenance_job(ctx, ("Up", "Disabled", "ErrorInMaintenance"), "Maintenance", "MAINT.PREPARE.PS",
                            "for migration")


@api("cancelStorageMaintenance")
def cancel_storage_maintenance(ctx):
    return _maintenance_job(ctx, ("Maintenance", "PrepareForMaintenance", "ErrorInMaintenance"), "Up",
                            "MAINT.CANCEL.PS", "to complete migration")


def check_pool_available(pool):
    """VolumeImportUnmanageManagerImpl.checkIfPoolAvailable."""
    if pool["state"] in ("Maintenance", "PrepareForMaintenance"):
        raise errors.internal(f"Storage pool {pool_text(pool)} is in maintenance")
    if pool["state"] != "Up":
        raise errors.internal(f"Storage pool {pool_text(pool)} is not Up: {pool['state']}")


def array_of(sim, pool):
    return sim.store.get("array", pool["_array"])


# -- volumes ---------------------------------------------------------------------------------
def volume_text(vol):
    return (f'Volume {{"id":{vol["_pk"]},"name":"{vol["name"]}","uuid":"{vol["id"]}",'
            f'"volumeType":"{vol["type"]}"}}')


def volume_view(sim, vol):
    view = public(vol)
    vm = sim.store.get("vm", vol.get("virtualmachineid"))
    if vm:
        view.update(vmname=vm["name"], vmdisplayname=vm.get("displayname") or vm["name"], vmstate=vm["state"],
                    vmtype="User")
    pool = sim.store.get("storagepool", vol.get("storageid"))
    if pool:
        view.update(storage=pool["name"], clusterid=pool.get("clusterid"), clustername=pool.get("clustername"),
                    podid=pool.get("podid"), podname=pool.get("podname"))
    view.update(destroyed=vol["state"] in GONE_STATES, storagetype="shared", hypervisor="KVM",
                virtualsize=vol["size"], isextractable=True, quiescevm=False)
    view.pop("removed", None)
    return view


def volumes_of(sim, vm):
    """The VM's attached volumes, by device id."""
    vols = [v for v in sim.store.find("volume", virtualmachineid=vm["id"]) if not v.get("removed")]
    return sorted(vols, key=lambda v: v["deviceid"])


def _new_volume(ctx, account, zone, fields):
    vol = ctx.store.add("volume", ctx.owned(dict(
        fields, zoneid=zone["id"], zonename=zone["name"], state="Allocated", storageid=None, path=None,
        provisioningtype="thin", displayvolume=True), account))
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
        "serviceofferingname": vm.get("serviceofferingname")})
    return vol


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


def _disk_offering_for_create(ctx):
    if not ctx.has("diskofferingid"):
        if ctx.has("snapshotid"):
            ctx.lookup("snapshot", "snapshotid")  # the simulator keeps no snapshots: 431 as for a bad id
        raise errors.invalid("Either disk Offering Id or snapshot Id must be passed whilst creating volume")
    offering = ctx.lookup("diskoffering", "diskofferingid")
    if offering.get("iscustomized") and not ctx.has("size"):
        raise errors.invalid("This disk offering requires a custom size specified")
    if not offering.get("iscustomized") and ctx.has("size"):
        raise errors.invalid("This disk offering does not allow custom size")
    return offering


@api("createVolume")
def create_volume(ctx):
    offering = _disk_offering_for_create(ctx)
    vm = ctx.lookup("vm", "virtualmachineid", required=False)
    zone = ctx.store.get("zone", vm["zoneid"]) if vm else ctx.lookup("zone", "zoneid", required=False)
    if zone is None:
        raise errors.invalid("Please specify a valid zone.")
    vol = new_data_volume(ctx, ctx.owner(), zone, offering, ctx.get("size"), ctx.get("name"))

    def run():
        if vm:
            attach(ctx.sim, vol, vm, None)
        return volume_view(ctx.sim, vol)

    return Job(run, "Volume", vol["id"], queue_key=vm and f"vm:{vm['id']}")


@api("listVolumes")
def list_volumes(ctx):
    vols = keyword_filter(ctx, ctx.mine(live_volumes(ctx.sim)))
    for param in ("virtualmachineid", "zoneid", "storageid", "diskofferingid", "state"):
        if ctx.has(param):
            vols = [v for v in vols if v.get(param) == ctx.p[param]]
    if ctx.has("type"):
        vols = [v for v in vols if v["type"] == ctx.p["type"].upper()]
    if not ctx.caller.is_admin:
        vols = [v for v in vols if v.get("displayvolume", True)]
    return [volume_view(ctx.sim, v) for v in vols]


# -- attach and detach -----------------------------------------------------------------------
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


def _account_of(sim, obj):
    return sim.store.get("account", obj["accountid"])


def _vm_job(ctx, vol, vm, run):
    """Volume work on a VM runs in that VM's work queue, and needs its hypervisor while it runs."""
    return Job(run, "Volume", vol["id"], queue_key=f"vm:{vm['id']}",
               hypervisor_zone=vm["zoneid"] if vm["state"] == "Running" else None)


@api("attachVolume")
def attach_volume(ctx):
    vol, vm = ctx.lookup("volume", "id"), ctx.lookup("vm", "virtualmachineid")

    def run():
        attach(ctx.sim, vol, vm, ctx.p.get("deviceid"))
        ctx.sim.event("VOLUME.ATTACH", f"Successfully completed attaching volume. Volume Id: {vol['id']} VmId: "
                      f"{vm['id']}", _account_of(ctx.sim, vol), ctx.caller.user)
        return volume_view(ctx.sim, vol)

    return _vm_job(ctx, vol, vm, run)


def _volume_to_detach(ctx):
    by_id, by_device = ctx.has("id"), ctx.has("deviceid") and ctx.has("virtualmachineid")
    if by_id == (ctx.has("deviceid") or ctx.has("virtualmachineid")) or not (by_id or by_device):
        raise errors.invalid("Please provide either a volume id, or a tuple(device id, instance id)")
    if by_id:
        return ctx.lookup("volume", "id")
    vm = ctx.lookup("vm", "virtualmachineid")
    vol = next((v for v in volumes_of(ctx.sim, vm) if v["deviceid"] == ctx.p["deviceid"]), None)
    if vol is None:
        raise errors.invalid("Unable to find volume with ID: null")
    return vol


@api("detachVolume")
def detach_volume(ctx):
    vol = _volume_to_detach(ctx)
    vm = ctx.store.get("vm", vol.get("virtualmachineid"))
    if vm is None:
        raise errors.invalid("The specified volume is not attached to a VM.")

    def run():
        if vm["state"] not in ("Running", "Stopped", "Destroyed"):
            raise errors.invalid("Please specify a VM that is either running or stopped.")
        if vol["type"] == "ROOT":
            check_root_change(vm)
        # VolumeDaoImpl.detachVolume: a detached ROOT becomes a DATADISK
        vol.update(virtualmachineid=None, deviceid=None, attached=None, type="DATADISK")
        ctx.store.touch("volume", vol)
        ctx.sim.event("VOLUME.DETACH", f"Successfully completed detaching volume. Volume Id: {vol['id']}",
                      _account_of(ctx.sim, vol), ctx.caller.user)
        return volume_view(ctx.sim, vol)

    return _vm_job(ctx, vol, vm, run)


def remove_volume(sim, vol, state):
    vol.update(state=state, removed=now())
    sim.store.touch("volume", vol)


@api("deleteVolume")
def delete_volume(ctx):
    vol = ctx.lookup("volume", "id")
    if vol.get("virtualmachineid"):
        raise errors.invalid("Please specify a volume that is not attached to any VM.")
    pool = ctx.store.get("storagepool", vol.get("storageid"))
    if pool and vol.get("path"):
        array_of(ctx.sim, pool)["files"].pop(vol["path"], None)
        ctx.store.touch("array", array_of(ctx.sim, pool))
    remove_volume(ctx.sim, vol, "Expunged")
    ctx.sim.event("VOLUME.DELETE", f"Successfully completed deleting volume. Volume Id: {vol['id']}",
                  _account_of(ctx.sim, vol), ctx.caller.user)
    return SUCCESS


# -- import and unmanage ---------------------------------------------------------------------
def unmanaged_files(sim, pool):
    """The files on the pool's array that no managed volume of the pool references."""
    array = array_of(sim, pool)
    catch_up(sim, array)
    managed = {v["path"] for v in sim.store.find("volume", storageid=pool["id"]) if not v.get("removed")}
    return {path: f for path, f in array["files"].items() if path not in managed}


def file_view(pool, path, f):
    return {"name": path, "path": path, "fullpath": f"/mnt/{pool['id']}/{path}", "format": f["format"],
            "size": f["size"], "virtualsize": f["size"], "storageid": pool["id"], "storage": pool["name"],
            "storagetype": pool["type"], "details": {}}


@api("listVolumesForImport")
def list_volumes_for_import(ctx):
    pool = ctx.lookup("storagepool", "storageid")
    check_pool_available(pool)
    files = unmanaged_files(ctx.sim, pool)
    if ctx.has("path"):
        files = {p: f for p, f in files.items() if p == ctx.p["path"]}
    if ctx.has("keyword"):
        files = {p: f for p, f in files.items() if ctx.p["keyword"].strip() in p}
    return [file_view(pool, p, f) for p, f in sorted(files.items())]


def _import_offering(ctx):
    """CloudStack's "Default Custom Offering for Volume Import", created on first use."""
    offering = ctx.store.first("diskoffering", uniquename=IMPORT_OFFERING)
    if offering is None:
        name = "Default Custom Offering for Volume Import"
        offering = ctx.store.add("diskoffering", {
            "name": name, "displaytext": name, "uniquename": IMPORT_OFFERING, "disksize": 0, "iscustomized": True,
            "storagetype": "shared", "provisioningtype": "thin", "tags": None, "state": "Active"})
    return offering


def _check_import(sim, pool, path, offering):
    check_pool_available(pool)
    if sim.store.first("volume", storageid=pool["id"], path=path, removed=None):
        raise errors.internal(f"Volume is already managed by CloudStack: {path}")
    found = unmanaged_files(sim, pool).get(path)
    if found is None:
        raise errors.internal(f"Cannot find volume on storage pool: {path}")
    if offering and not split_tags(offering.get("tags")) <= split_tags(pool.get("tags")):
        raise errors.internal(
            f'Disk offering: DiskOffering {{"id":{offering["_pk"]},"name":"{offering["name"]}","uuid":'
            f'"{offering["id"]}"}} storage tags are not compatible with selected storage pool: {pool_text(pool)}')
    return found


@api("importVolume")
def import_volume(ctx):
    pool = ctx.lookup("storagepool", "storageid")
    offering = ctx.lookup("diskoffering", "diskofferingid", required=False)
    owner, path, vol_id = ctx.owner(), ctx.p["path"], str(uuid.uuid4())

    def run():
        found = _check_import(ctx.sim, pool, path, offering)
        chosen = offering or _import_offering(ctx)
        zone = ctx.store.get("zone", pool["zoneid"])
        vol = new_data_volume(ctx, owner, zone, chosen, math.ceil(found["size"] / GIB), ctx.get("name", path),
                              vol_id)
        vol.update(state="Ready", storageid=pool["id"], path=path, size=found["size"])
        ctx.store.touch("volume", vol)
        ctx.sim.event("VOLUME.IMPORT", f"Successfully imported volume {vol['id']}", owner, ctx.caller.user)
        return volume_view(ctx.sim, vol)

    return Job(run, "Volume", vol_id)


@api("unmanageVolume")
def unmanage_volume(ctx):
    vol = ctx.lookup("volume", "id")

    def run():
        if vol["state"] != "Ready":
            raise errors.internal(f"Volume {volume_text(vol)} is not ready")
        if vol.get("virtualmachineid"):
            vm = ctx.store.get("vm", vol["virtualmachineid"]) or {}
            raise errors.internal(f"Volume {volume_text(vol)} is attached to VM (ID: {vm.get('_pk')})")
        pool = ctx.store.get("storagepool", vol["storageid"])
        check_pool_available(pool)
        remove_volume(ctx.sim, vol, "Destroy")  # the file stays on the array, now unmanaged
        ctx.sim.event("VOLUME.UNMANAGE", f"Successfully unmanaged volume {vol['id']}", _account_of(ctx.sim, vol),
                      ctx.caller.user)
        return SUCCESS

    return Job(run, "Volume", vol["id"])


# -- control ops -----------------------------------------------------------------------------
def volume_by_ref(sim, ref):
    vol = sim.store.get("volume", ref)
    if vol is None or vol.get("removed"):
        named = [v for v in live_volumes(sim) if v["name"] == ref]
        if len(named) != 1:
            raise errors.invalid(f"{len(named)} volumes named or with id {ref}: name one by id")
        vol = named[0]
    return vol


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


@control.op("write-marker")
def op_write_marker(sim, volume, text):
    """Write a content marker into a volume's file (as a guest writing to its disk would)."""
    vol = volume_by_ref(sim, volume)
    array, found = file_of(sim, vol)
    write_file(sim, array, vol["path"], found["size"], str(text))
    return {"volume": vol["id"], "array": array["name"], "path": vol["path"], "marker": str(text)}


@control.op("read-marker")
def op_read_marker(sim, volume):
    """Read the content marker of a volume's file (after any replication due)."""
    vol = volume_by_ref(sim, volume)
    array, found = file_of(sim, vol)
    return {"volume": vol["id"], "array": array["name"], "path": vol["path"], "marker": found["marker"]}


@control.op("materialise")
def op_materialise(sim, volume, host=None):
    """Give an Allocated volume its file as the start of a VM using it would (host: name or id; default any Up
    host of its zone); for tests and demos that need a volume with content but no VM."""
    vol = volume_by_ref(sim, volume)
    hosts = [h for h in sim.store.find("host", zoneid=vol["zoneid"]) if h["state"] == "Up"
             and (host is None or host in (h["id"], h["name"]))]
    if not hosts:
        raise errors.invalid(f"No Up host {host or ''} in the zone of volume {vol['name']}")
    materialise(sim, vol, hosts[0])
    return {"volume": vol["id"], "state": vol["state"], "storageid": vol["storageid"], "path": vol["path"]}


@control.op("replicate")
def op_replicate(sim, array=None):
    """Replicate now, ignoring the lag: one source array (name or id) or every replicating one."""
    sources = [array_by_ref(sim, array)] if array else [a for a in sim.store.all("array") if a["replicates_to"]]
    return {a["name"]: sync(sim, a, cutoff=math.inf) for a in sources}


@control.op("set-replication")
def op_set_replication(sim, array, mode=None, lag_seconds=None, target=None):
    """Change an array's replication: mode continuous|manual, lag_seconds, target array (name or id)."""
    source = array_by_ref(sim, array)
    if mode is not None:
        if mode not in ("continuous", "manual"):
            raise errors.invalid(f"mode must be continuous or manual, not {mode}")
        source["mode"] = mode
    if lag_seconds is not None:
        source["lag_seconds"] = float(lag_seconds)
    if target is not None:
        source["replicates_to"] = array_by_ref(sim, target)["id"] if target else None
    sim.store.touch("array", source)
    return array_summary(sim, source)


def array_summary(sim, array):
    target = sim.store.get("array", array["replicates_to"]) or {}
    return {"name": array["name"], "id": array["id"], "url": array["url"],
            "zone": sim.store.get("zone", array["zoneid"])["name"], "files": len(array["files"]),
            "replicates_to": target.get("name"), "mode": array["mode"], "lag_seconds": array["lag_seconds"],
            "last_sync": array["last_sync"], "down": array_down(sim, array)}


@control.op("arrays")
def op_arrays(sim):
    """The storage arrays, their replication settings and file counts."""
    return [array_summary(sim, a) for a in sim.store.all("array")]


# -- demo -----------------------------------------------------------------------------------
# (zone, letter, its storage network, the other zone, its storage network)
DEMO_STORAGE = (("zone-a", "a", "10.1", "zone-b", "10.2"), ("zone-b", "b", "10.2", "zone-a", "10.1"))
DEMO_DR_TAG = "dr"


def seed_demo(sim, ctx):
    """Two pools per zone on arrays that replicate continuously to replica arrays in the other zone;
    the replicas are not pools until a failover introduces them with createStoragePool. Each replica
    also replicates to a failback array in the original zone, introduced by a failback."""
    for zone_name, letter, net, other_name, other_net in DEMO_STORAGE:
        zone, other = (sim.store.first("zone", name=n) for n in (zone_name, other_name))
        cluster = sim.store.first("cluster", zoneid=zone["id"])
        for i in (1, 2):
            source = add_array(sim, f"array-{letter}{i}", zone, f"nfs://{net}.0.1{i}/export/pool-{letter}{i}")
            replica = add_array(sim, f"replica-{letter}{i}", other,
                                f"nfs://{other_net}.0.2{i}/export/replica-{letter}{i}")
            # Where the replica's data comes home for failback: a second array in the original zone,
            # replicating both ways with the replica (newer write wins), as a reversed SnapMirror would.
            failback = add_array(sim, f"failback-{letter}{i}", zone,
                                 f"nfs://{net}.0.3{i}/export/failback-{letter}{i}")
            source.update(replicates_to=replica["id"], mode="continuous", lag_seconds=0)
            replica.update(replicates_to=failback["id"], mode="continuous", lag_seconds=0)
            failback.update(replicates_to=replica["id"], mode="continuous", lag_seconds=0)
            sim.run_now(ctx.caller, "createStoragePool", {
                "zoneid": zone["id"], "podid": cluster["podid"], "clusterid": cluster["id"], "scope": "cluster",
                "name": f"pool-{letter}{i}", "url": source["url"], "tags": DEMO_DR_TAG if i == 1 else None})

