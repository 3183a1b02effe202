"""Attaching and detaching volumes, by VolumeApiServiceImpl's rules: the checks of attachVolumeToVM and
detachVolumeFromVM in their order, device ids, ROOT replacement at device 0, where an Allocated volume gets its
file, and the VM snapshot and backup guards."""

from .. import errors
from ..store import now
from .configs import setting
from .texts import vm_text
from .volumes import pick_pool, place_file, text_of, volumes_of

CDROM_DEVICE = 3
# hypervisor_capabilities.max_data_volumes_limit: KVM 32 (schema-452to460.sql), VMware's default row 13, and 6
# when a hypervisor's row sets none (VolumeApiServiceImpl.getMaxDataVolumesSupported)
MAX_DATA_VOLUMES = {"KVM": 32, "VMware": 13}
ROOT_DETACH_HYPERVISORS = ("XenServer", "VMware", "KVM", "Simulator")


def vm_hypervisor(vm):
    return vm.get("hypervisor") or "KVM"


def max_data_volumes(vm):
    return MAX_DATA_VOLUMES.get(vm_hypervisor(vm), 6)


def volume_hypervisor(sim, vol):
    """VolumeDaoImpl.getHypervisorType: the hypervisor of the volume's pool (its cluster's), None without one."""
    pool = sim.store.get("storagepool", vol.get("storageid")) if vol.get("storageid") else None
    if pool is None:
        return "None"
    cluster = sim.store.get("cluster", pool.get("clusterid")) if pool.get("clusterid") else None
    return cluster["hypervisortype"] if cluster else pool.get("hypervisor") or "None"


def vm_snapshots(sim, vm):
    """The VM's VM snapshots (VMSnapshotDao.findByVm: rows of kind vmsnapshot that name the VM by `_vm_pk`, as
    the VM rules keep them)."""
    return [s for s in sim.store.find("vmsnapshot", _vm_pk=vm["_pk"]) if not s.get("removed")]


def vm_backups(sim, vm):
    """The VM's backups (BackupDao.listByVmId)."""
    return [b for b in sim.store.find("backup", virtualmachineid=vm["id"]) if not b.get("removed")]


def check_root_change(sim, vol, vm):
    """VolumeApiServiceImpl.validateRootVolumeDetachAttach (its state test lets only Stopped through)."""
    if vm_hypervisor(vm) not in ROOT_DETACH_HYPERVISORS:
        raise errors.invalid(f"Root volume detach is not supported for hypervisor type {vm_hypervisor(vm)}")
    if vm["state"] != "Stopped":
        raise errors.invalid("Root volume detach can happen only when vm is in states: Stopped or Destroyed")
    pool = sim.store.get("storagepool", vol.get("storageid")) if vol.get("storageid") else None
    if pool is not None and pool.get("managed"):
        raise errors.invalid("Root volume detach is not supported for Managed DataStores")


# -- attach ----------------------------------------------------------------------------------
def _check_volume(vol):
    """getAndCheckVolumeInfo."""
    if vol["type"] not in ("ROOT", "DATADISK"):
        raise errors.invalid("Please specify a volume with the valid type: ROOT or DATADISK")
    if vol.get("virtualmachineid"):
        raise errors.invalid("Please specify a volume that is not attached to any VM.")
    if vol["state"] == "Destroy":
        raise errors.invalid("Please specify a volume that is not destroyed.")
    if vol["state"] not in ("Allocated", "Ready", "Uploaded"):
        raise errors.invalid("Volume state must be in Allocated, Ready or in Uploaded state")


def _check_vm(vm, vol):
    """getAndCheckUserVmVO."""
    if vm is None or vm.get("removed"):
        raise errors.invalid("Please specify a valid User VM.")
    if vm["state"] not in ("Running", "Stopped"):
        raise errors.invalid("Please specify a VM that is either running or stopped.")
    if vm["zoneid"] != vol["zoneid"]:
        raise errors.invalid("Please specify a VM that is in the same zone as the volume.")


def check_attachable(sim, vol, vm, deviceid, check_access):
    """VolumeApiServiceImpl.attachVolumeToVM's checks, in its order (all in the job)."""
    _check_volume(vol)
    _check_vm(vm, vol)
    attached = volumes_of(sim, vm)
    if deviceid == 0:
        check_root_change(sim, vol, vm)
        if any(v["deviceid"] == 0 for v in attached):
            raise errors.invalid("Vm already has root volume attached to it")
    elif sum(v["type"] == "DATADISK" for v in attached) >= max_data_volumes(vm):
        raise errors.invalid(f"The specified VM already has the maximum number of data disks "
                             f"({max_data_volumes(vm)}) attached. Please specify another VM.")
    offering = sim.store.get("diskoffering", vol.get("diskofferingid")) if vol.get("diskofferingid") else None
    zone = sim.store.get("zone", vol["zoneid"])
    if offering and offering.get("storagetype") == "local" and not zone.get("localstorageenabled"):
        raise errors.invalid(f"Zone is not configured to use local storage but volume's disk offering "
                             f"{offering['name']} uses it")
    name = f"{vm.get('instancename')}/{vm['id']}"
    if vm_snapshots(sim, vm):
        raise errors.invalid(f"Unable to attach volume to VM {name}, please specify a VM that does not have VM "
                             "snapshots")
    if vm.get("backupofferingid") and vm_backups(sim, vm):
        raise errors.invalid(f"Unable to attach volume to VM {name}, please specify a VM that does not have any "
                             "backups")
    check_access(vol)
    check_access(vm)
    pool = sim.store.get("storagepool", vol.get("storageid")) if vol.get("storageid") else None
    vol_hv = volume_hypervisor(sim, vol)
    if pool is not None and not pool.get("managed") and vol_hv != "None" and vol_hv != vm_hypervisor(vm):
        raise errors.invalid(f"Can't attach a volume created by: {vol_hv} to a {vm_hypervisor(vm)} vm")
    if vol.get("_encrypt") and vm_hypervisor(vm) != "KVM":
        raise errors.invalid("Volume's disk offering has encryption enabled, but volume encryption is not "
                             f"supported for hypervisor type {vm_hypervisor(vm)}")
    return attached


def device_for(sim, vm, attached, deviceid):
    """VolumeApiServiceImpl.getDeviceId (a RuntimeException: 530): the lowest free id but 3 (the CD-ROM)."""
    top = max_data_volumes(vm) + 1
    if deviceid is None:
        free = [d for d in range(1, top + 1) if d != CDROM_DEVICE and d not in {v["deviceid"] for v in attached}]
        if not free:
            raise errors.internal(f"All device Ids are used by vm {vm_text(vm)}")
        return free[0]
    if deviceid < 0 or deviceid > top or deviceid == CDROM_DEVICE:
        raise errors.internal(f"deviceId should be 0,1,2,4-{top}")
    for vol in attached:
        if vol["deviceid"] == deviceid:
            raise errors.internal(f"deviceId {deviceid} is used by vol {text_of(sim, vol)} on vm {vm_text(vm)}")
    return deviceid


def _existing_volume(attached):
    """getVmExistingVolumeForVolumeAttach: the VM's ROOT, else its first data disk that has a file."""
    root = next((v for v in attached if v["type"] == "ROOT"), None)
    return root or next((v for v in attached if v["state"] != "Allocated"), None)


def _hosts_for(sim, vm):
    """Where the allocator looks for a pool for a VM: its host, else its last host, else its zone's Up hosts."""
    host = sim.store.get("host", vm.get("hostid") or vm.get("_lasthostid") or "")
    if host is not None:
        return [host]
    return [h for h in sim.store.find("host", zoneid=vm["zoneid"]) if h["state"] == "Up"]


def _give_file(sim, vol, vm, existing):
    """createVolumeOnPrimaryForAttachIfNeeded: an Allocated volume is created on the pool of the VM's existing
    volume, else on one the allocator finds; it stays Allocated only when none is found and the VM is Stopped."""
    if vol["state"] != "Allocated":
        return
    pool = None
    if existing is not None and existing["state"] != "Allocated":
        pool = sim.store.get("storagepool", existing["storageid"])
    if pool is None:
        pool = pick_pool(sim, vol, _hosts_for(sim, vm))
        if pool is None:
            if vm["state"] == "Stopped":
                return
            raise errors.internal(f"Failed to find a primary storage for volume in state: {vol['state']}")
    place_file(sim, vol, pool)


def _needs_move(sim, vol, existing, vm):
    """VolumeApiServiceImpl.needMoveVolume: whether the volume's pool is out of reach of the VM's volume."""
    if existing is None or not existing.get("storageid") or not vol.get("storageid"):
        return False
    new, old = (sim.store.get("storagepool", v["storageid"]) for v in (vol, existing))
    if new["scope"] == "ZONE":
        return False
    if new["scope"] != old["scope"]:
        if new["scope"] == "CLUSTER":
            host = sim.store.get("host", old.get("_hostid") if old["scope"] == "HOST" else vm.get("hostid") or "")
            return new["clusterid"] != (host or {}).get("clusterid")
        if new["scope"] == "HOST" and new.get("_hostid") in (vm.get("hostid") or vm.get("_lasthostid"),):
            return False
        raise errors.invalid(f"Can't move volume between scope: {new['scope']} and {old['scope']}")
    field = "clusterid" if new["scope"] == "CLUSTER" else "_hostid"
    return new.get(field) != old.get(field)


def _move(sim, vol, existing, vm):
    """VolumeOrchestrator.moveVolume: the file is copied to a pool of the cluster of the VM's volume."""
    here = sim.store.get("storagepool", vol["storageid"])
    if here["scope"] == "HOST":
        raise errors.internal(f"Failed to attach local data volume {vol['name']} to VM {vm.get('displayname')} as "
                              "migration of local data volume is not allowed")
    there = sim.store.get("storagepool", existing["storageid"])
    hosts = [h for h in sim.store.find("host", zoneid=vm["zoneid"]) if h["state"] == "Up"
             and (there.get("clusterid") is None or h["clusterid"] == there["clusterid"])]
    target = pick_pool(sim, vol, hosts)
    if target is None or target["scope"] != "CLUSTER":
        raise errors.internal("move volume failed")
    source, dest = sim.store.get("array", here["_array"]), sim.store.get("array", target["_array"])
    dest["files"][vol["path"]] = dict(source["files"][vol["path"]])
    source["files"].pop(vol["path"], None)
    sim.store.touch("array", source)
    sim.store.touch("array", dest)
    vol["storageid"] = target["id"]


def attach(sim, vol, vm, deviceid, check_access=lambda obj: None):
    """Attach as CloudStack does; at device 0 the volume becomes the VM's ROOT (VolumeDaoImpl.attachVolume)."""
    attached = check_attachable(sim, vol, vm, deviceid, check_access)
    existing = _existing_volume(attached)
    _give_file(sim, vol, vm, existing)
    if _needs_move(sim, vol, existing, vm):
        _move(sim, vol, existing, vm)
    deviceid = device_for(sim, vm, attached, deviceid)
    vol.update(virtualmachineid=vm["id"], deviceid=deviceid, attached=now())
    if deviceid == 0:
        vol["type"] = "ROOT"
    sim.store.touch("volume", vol)


# -- detach ----------------------------------------------------------------------------------
def check_detachable(sim, vol, vm):
    """VolumeApiServiceImpl.detachVolumeFromVM's checks after the volume and its VM are found."""
    if vm["state"] not in ("Running", "Stopped", "Destroyed"):
        raise errors.invalid("Please specify a VM that is either running or stopped.")
    if vol["type"] not in ("ROOT", "DATADISK"):
        raise errors.invalid("Please specify volume of type DATADISK or ROOT")
    if vol["type"] == "ROOT":
        check_root_change(sim, vol, vm)
    if vm_snapshots(sim, vm):
        raise errors.invalid("Unable to detach volume, please specify a VM that does not have VM snapshots")
    if vm.get("backupofferingid") and setting(sim, "backup.enable.attach.detach.of.volumes") != "true":
        raise errors.invalid("Unable to detach volume, cannot detach volume from a VM that has backups. First remove "
                             "the VM from the backup offering or set the global configuration "
                             "'backup.enable.attach.detach.of.volumes' to true.")


def detach(sim, vol):
    """VolumeDaoImpl.detachVolume: no VM, no device, and a ROOT becomes a DATADISK."""
    vol.update(virtualmachineid=None, deviceid=None, attached=None, type="DATADISK")
    sim.store.touch("volume", vol)
