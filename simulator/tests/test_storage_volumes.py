"""Conformance: volumes (attach, detach, create, delete, list, update) as Apache CloudStack 4.20 answers them.

Each test's docstring names the Java class and method whose rule it checks (apache/cloudstack, read at
4.21.0.0-SNAPSHOT); simulator/rules/storage.md lists the rules. VAS is
server/.../storage/VolumeApiServiceImpl.java.
"""

import pytest

from .storage_support import (
    api_error,
    create_pool,
    deploy,
    disk_offering,
    job_error,
    root_of,
    run,
    service_offering,
    unique,
    without_limits,
    zone,
)

ADMIN_ONLY = 432



@pytest.fixture(scope="module", autouse=True)
def _room(admin):
    """These tests make many volumes for acme, more than CloudStack's default limits allow."""
    without_limits(admin, "acme")

@pytest.fixture(scope="module")
def offering(admin):
    return disk_offering(admin, tags="dr")


@pytest.fixture(scope="module")
def stopped_vm(admin, acme):
    vm = deploy(acme, service_offering(admin, "sparse"))
    acme.stopVirtualMachine(id=vm["id"], fetch_result=True)
    return vm


def new_volume(api, offering, **params):
    return api.createVolume(name=unique("vol"), zoneid=zone(api, "zone-a")["id"], diskofferingid=offering["id"],
                            fetch_result=True, **params)["volume"]


# -- attach and detach ------------------------------------------------------------------------------
def test_detach_checks_run_in_the_job(admin, acme, offering):
    """VAS.detachVolumeFromVM runs in the job: no id nor (device, VM) pair -> 431 "Please provide either a volume
    id, or a tuple(device id, instance id)"; a volume on no VM -> 431 "The specified volume is not attached to a
    VM."; a (VM, device) with nothing there -> `.get(0)` of an empty list: 530 "Index 0 out of bounds for length 0"."""
    vm = deploy(acme, service_offering(admin, "sparse"), start=False)
    assert job_error(acme, acme.detachVolume) == (431, ("Please provide either a volume id, or a tuple(device id, "
                                                       "instance id)"))
    vol = new_volume(acme, offering)
    assert job_error(acme, acme.detachVolume, id=vol["id"]) == (431, "The specified volume is not attached to a VM.")
    assert job_error(acme, acme.detachVolume, virtualmachineid=vm["id"], deviceid=5) == (
        530, "Index 0 out of bounds for length 0")


def test_root_swap_at_device_zero(admin, acme, stopped_vm, offering):
    """VAS.validateRootVolumeDetachAttach: a ROOT detaches only from a Stopped VM; VolumeDaoImpl.detachVolume turns
    it into a DATADISK and attachVolume at device 0 makes a volume the ROOT ("Vm already has root volume attached to
    it" while one is there)."""
    running = deploy(acme, service_offering(admin, "sparse"))
    code, text = job_error(acme, acme.detachVolume, id=root_of(acme, running)["id"])
    assert (code, text) == (431, "Root volume detach can happen only when vm is in states: Stopped or Destroyed")
    root = root_of(acme, stopped_vm)
    other = new_volume(acme, offering)
    assert job_error(acme, acme.attachVolume, id=other["id"], virtualmachineid=stopped_vm["id"], deviceid=0) == (
        431, "Vm already has root volume attached to it")
    detached = run(acme.detachVolume, id=root["id"])["volume"]
    assert detached["type"] == "DATADISK" and "deviceid" not in detached and "virtualmachineid" not in detached
    back = run(acme.attachVolume, id=root["id"], virtualmachineid=stopped_vm["id"], deviceid=0)["volume"]
    assert (back["type"], back["deviceid"]) == ("ROOT", 0)


def test_destroyed_vm_keeps_its_root(admin, acme):
    """VAS.validateRootVolumeDetachAttach: `!(state == Stopped) || (state == Destroyed)` lets only Stopped
    through, so a ROOT cannot be detached from a Destroyed VM (data disks can)."""
    vm = deploy(acme, service_offering(admin, "sparse"))
    acme.destroyVirtualMachine(id=vm["id"], fetch_result=True)
    code, text = job_error(admin, admin.detachVolume, id=root_of(admin, vm)["id"])
    assert (code, text) == (431, "Root volume detach can happen only when vm is in states: Stopped or Destroyed")


def test_device_ids(admin, acme, stopped_vm, offering):
    """VAS.getDeviceId (a RuntimeException: 530): KVM's 32 data disks make the ids 0,1,2,4-33 (3 is the CD-ROM);
    a used id names the volume and the VM ("deviceId <n> is used by vol <Volume {...}> on vm <VM instance {...}>")."""
    vol = new_volume(acme, offering)
    for device in (3, 34, -1):
        code, text = job_error(acme, acme.attachVolume, id=vol["id"], virtualmachineid=stopped_vm["id"],
                               deviceid=device)
        assert (code, text) == (530, "deviceId should be 0,1,2,4-33")
    first = run(acme.attachVolume, id=vol["id"], virtualmachineid=stopped_vm["id"])["volume"]
    assert first["deviceid"] == 1
    second = new_volume(acme, offering)
    code, text = job_error(acme, acme.attachVolume, id=second["id"], virtualmachineid=stopped_vm["id"], deviceid=1)
    assert code == 530 and text.startswith('deviceId 1 is used by vol Volume {"id":') and \
        f'"uuid":"{vol["id"]}","volumeType":"DATADISK"}} on vm VM instance {{' in text


def test_kvm_takes_32_data_disks(admin, acme, offering):
    """VAS.checkNumberOfAttachedVolumes with hypervisor_capabilities' KVM limit of 32 (schema-452to460.sql)."""
    vm = deploy(acme, service_offering(admin, "sparse"), start=False)
    for _ in range(32):
        run(acme.attachVolume, id=new_volume(acme, offering)["id"], virtualmachineid=vm["id"])
    code, text = job_error(acme, acme.attachVolume, id=new_volume(acme, offering)["id"], virtualmachineid=vm["id"])
    assert (code, text) == (431, ("The specified VM already has the maximum number of data disks (32) attached. "
                                 "Please specify another VM."))


def test_an_allocated_volume_gets_its_file_when_attached(admin, acme, offering):
    """VAS.createVolumeOnPrimaryForAttachIfNeeded: an Allocated volume attached to a VM is created on the pool of
    the VM's ROOT, or on one the allocator finds when the ROOT has no file yet."""
    vm = deploy(acme, service_offering(admin, "sparse"), start=False)
    vol = run(acme.attachVolume, id=new_volume(acme, offering)["id"], virtualmachineid=vm["id"])["volume"]
    assert vol["state"] == "Ready" and root_of(acme, vm)["state"] == "Allocated"


def test_attach_refuses_other_zones_and_destroyed_volumes(admin, acme, stopped_vm, offering):
    """VAS.getAndCheckVolumeInfo / getAndCheckUserVmVO, in the job: "Please specify a VM that is in the same zone
    as the volume."; a removed volume is not found ("Please specify a volume with the valid type: ROOT or
    DATADISK")."""
    vol = acme.createVolume(name=unique("b"), zoneid=zone(acme, "zone-b")["id"], diskofferingid=offering["id"],
                            fetch_result=True)["volume"]
    assert job_error(acme, acme.attachVolume, id=vol["id"], virtualmachineid=stopped_vm["id"]) == (
        431, "Please specify a VM that is in the same zone as the volume.")
    acme.deleteVolume(id=vol["id"])
    assert job_error(acme, acme.attachVolume, id=vol["id"], virtualmachineid=stopped_vm["id"]) == (
        431, "Please specify a volume with the valid type: ROOT or DATADISK")


def test_vm_snapshots_block_attach_and_detach(admin, acme, offering):
    """VAS.checkForDevicesInCopies / detachVolumeFromVM: a VM with VM snapshots takes and gives no volume."""
    vm = deploy(acme, service_offering(admin, "sparse"))
    # a running KVM VM's snapshot includes its memory (VMSnapshotManagerImpl.allocVMSnapshot)
    acme.createVMSnapshot(virtualmachineid=vm["id"], snapshotmemory=True, fetch_result=True)
    vol = new_volume(acme, offering)
    instance = admin.listVirtualMachines(id=vm["id"])["virtualmachine"][0]["instancename"]
    code, text = job_error(acme, acme.attachVolume, id=vol["id"], virtualmachineid=vm["id"])
    assert (code, text) == (431, (f"Unable to attach volume to VM {instance}/{vm['id']}, please specify a "
                                  "VM that does not have VM snapshots"))
    acme.stopVirtualMachine(id=vm["id"], fetch_result=True)
    code, text = job_error(acme, acme.detachVolume, id=root_of(acme, vm)["id"])
    assert (code, text) == (431, "Unable to detach volume, please specify a VM that does not have VM snapshots")


# -- create ---------------------------------------------------------------------------------------------
def test_create_volume_rules(admin, acme, stopped_vm, offering):
    """VAS.allocVolume (CreateVolumeCmd.create: answered before the job): "At least one of disk Offering ID or
    snapshot ID must be passed whilst creating volume"; "Disk size must be larger than 0"; the custom size range;
    a missing zone ("Unable to find zone by id null"); `virtualmachineid` is read only with a snapshot, so the new
    volume is not attached."""
    status, error = api_error(acme.createVolume, zoneid=zone(acme, "zone-a")["id"])
    assert (status, error["errortext"]) == (431, ("At least one of disk Offering ID or snapshot ID must be passed "
                                                 "whilst creating volume"))
    custom = disk_offering(admin, customized=True, disksize=None)
    for size, text in ((0, "Disk size must be larger than 0"),
                       (2000, "Volume size: 2000 GB is out of allowed range. Min: 1. Max: 1024")):
        status, error = api_error(acme.createVolume, zoneid=zone(acme, "zone-a")["id"], diskofferingid=custom["id"],
                                  size=size)
        assert (status, error["errortext"]) == (431, text)
    status, error = api_error(acme.createVolume, diskofferingid=offering["id"])
    assert (status, error["errortext"]) == (431, "Unable to find zone by id null")
    vol = new_volume(acme, offering, virtualmachineid=stopped_vm["id"])
    assert vol["state"] == "Allocated" and "virtualmachineid" not in vol


# -- delete ---------------------------------------------------------------------------------------------
def test_delete_volume(admin, acme, offering):
    """VAS.destroyVolume(expunge=true): the event is VOLUME.DESTROY; a deleted volume's uuid still names its row,
    so deleting it again is "Unable to find volume with ID: <internal id>" (431)."""
    vol = new_volume(acme, offering)
    assert acme.deleteVolume(id=vol["id"])["success"] in (True, "true")
    events = admin.listEvents(type="VOLUME.DESTROY", listall=True)["event"]
    assert any(e["description"] == f"Successfully completed destroying a volume. Volume Id: {vol['id']}"
               for e in events)
    status, error = api_error(acme.deleteVolume, id=vol["id"])
    assert status == 431 and error["errortext"].startswith("Unable to find volume with ID: ")


def test_delete_in_a_failed_zone_leaves_the_volume_destroyed(server, admin, acme, offering):
    """VAS.expungeVolumesInPrimaryOrSecondary: with no host that mounts the pool the DeleteCommand has no endpoint:
    530 "Failed to expunge the volume <Volume {...}> in Primary data store : No remote endpoint to send
    DeleteCommand, check if host or ssvm is down?", and the volume stays, in state Destroy."""
    vol = acme.createVolume(name=unique("b"), zoneid=zone(acme, "zone-b")["id"], diskofferingid=offering["id"],
                            fetch_result=True)["volume"]
    server.ctl("materialise", volume=vol["id"])
    server.ctl("fail-zone", zone="zone-b")
    try:
        status, error = api_error(acme.deleteVolume, id=vol["id"])
        assert status == 530 and error["errortext"].startswith("Failed to expunge the volume Volume {") and \
            error["errortext"].endswith(" in Primary data store : No remote endpoint to send DeleteCommand, check "
                                        "if host or ssvm is down?")
        left = acme.listVolumes(id=vol["id"])["volume"][0]
        assert left["state"] == "Destroy" and left["destroyed"] is True
    finally:
        server.ctl("recover-zone", zone="zone-b")
    assert acme.deleteVolume(id=vol["id"])["success"] in (True, "true")
    assert acme.listVolumes(id=vol["id"]) == {}


def test_delete_protection(admin, acme, offering):
    """VAS.validateDestroyVolume (4.20): "Volume [id = <uuid>, name = <name>] has delete protection enabled and
    cannot be deleted."."""
    vol = new_volume(acme, offering)
    run(admin.updateVolume, id=vol["id"], deleteprotection=True)
    status, error = api_error(acme.deleteVolume, id=vol["id"])
    assert (status, error["errortext"]) == (431, (f"Volume [id = {vol['id']}, name = {vol['name']}] has delete "
                                                 "protection enabled and cannot be deleted."))


# -- list -----------------------------------------------------------------------------------------------
def test_views_by_role(admin, acme, stopped_vm):
    """VolumeJoinDaoImpl.newVolumeResponse: the pool, its path, cluster, pod and hypervisor only in the Full view
    (root admins); `tags` always; a volume without a pool is on storage "none"."""
    mine = root_of(acme, stopped_vm)
    for field in ("path", "storageid", "storage", "hypervisor", "clusterid", "podid", "storagetype"):
        assert field not in mine
    assert mine["tags"] == [] and mine["deleteprotection"] is False
    full = admin.listVolumes(id=mine["id"])["volume"][0]  # an id lets a root admin find any volume
    assert full["path"] and full["hypervisor"] == "KVM" and full["storagetype"] == "shared"
    vm = deploy(acme, service_offering(admin, "sparse"), start=False)
    assert admin.listVolumes(id=root_of(acme, vm)["id"])["volume"][0]["storage"] == "none"


def test_list_filters(admin, acme, stopped_vm):
    """QueryManagerImpl.searchForVolumeIdsAndCount: `keyword` matches the name, the type or the state; `type` is a
    LIKE; an unknown `storageid` is refused ("Unable to find storage pool by uuid <x>"); newest first."""
    mine = acme.listVolumes(keyword="ready")["volume"]
    assert mine and all(v["state"] == "Ready" for v in mine)
    assert {v["type"] for v in acme.listVolumes(type="data")["volume"]} == {"DATADISK"}
    status, error = api_error(admin.listVolumes, storageid="no-such-pool")
    assert (status, error["errortext"]) == (431, "Unable to find storage pool by uuid no-such-pool")
    created = [v["created"] for v in acme.listVolumes()["volume"]]
    assert created == sorted(created, reverse=True)


# -- update ---------------------------------------------------------------------------------------------
def test_update_volume(admin, acme, offering):
    """UpdateVolumeCmd (async, root admins by default) -> VAS.updateVolume: a new name, a custom id (checked by
    UUIDManagerImpl.checkUuid), displayvolume=false hides it from listVolumes; an invalid state, or a pool of
    another zone, is refused."""
    assert api_error(acme.updateVolume, id=new_volume(acme, offering)["id"], name="x")[0] == ADMIN_ONLY
    vol = new_volume(acme, offering)
    status, error = api_error(admin.updateVolume)
    assert (status, error["errortext"]) == (431, "Invalid volume id was provided")
    assert job_error(admin, admin.updateVolume, id=vol["id"], state="Broken") == (431, ("Invalid volume state "
                                                                                        "specified"))
    elsewhere = admin.listStoragePools(name="pool-b1")["storagepool"][0]
    assert job_error(admin, admin.updateVolume, id=vol["id"], storageid=elsewhere["id"]) == (
        431, "Invalid storageId specified; refers to the pool outside of the volume's zone")
    new_id = "0c1e2d3f-4a5b-4c6d-8e7f-8091a2b3c4d5"
    renamed = run(admin.updateVolume, id=vol["id"], name="renamed", customid=new_id)["volume"]
    assert (renamed["id"], renamed["name"]) == (new_id, "renamed")
    run(admin.updateVolume, id=new_id, displayvolume=False)
    assert acme.listVolumes(id=new_id) == {}
    assert admin.listVolumes(id=new_id, displayvolume=False)["volume"][0]["displayvolume"] is False


def test_a_removed_volume_keeps_its_uuid(admin, acme, offering):
    """UUIDManagerImpl.checkUuid lets a removed row's uuid through and the unique key volumes.uc_volumes_uuid
    refuses it: a DR tool cannot give an imported volume the uuid of the volume it unmanaged."""
    gone = new_volume(acme, offering)
    acme.deleteVolume(id=gone["id"])
    code, text = job_error(admin, admin.updateVolume, id=new_volume(acme, offering)["id"], customid=gone["id"])
    assert code == 530 and text.startswith(f"DB Exception on: Duplicate entry '{gone['id']}'")


def test_managed_storage(server, admin, acme):
    """The default provider ignores `managed`; a managed provider's lifecycle sets it, and
    VAS.validateRootVolumeDetachAttach refuses to detach a ROOT on managed storage."""
    server.ctl("add-array", name="managed-a", zone="zone-a", url="nfs://10.1.0.70/export/managed")
    plain = create_pool(admin, "zone-a", unique("m"), "nfs://10.1.0.70/export/managed", managed=True, tags="sf")
    assert plain["managed"] is False and plain["provider"] == "DefaultPrimary"
    run(admin.enableStorageMaintenance, id=plain["id"])
    admin.deleteStoragePool(id=plain["id"])
    managed = create_pool(admin, "zone-a", unique("m"), "nfs://10.1.0.70/export/managed", provider="SolidFire",
                          tags="sf")
    assert managed["managed"] is True
    vm = deploy(acme, service_offering(admin, "sparse", tags="sf"))
    acme.stopVirtualMachine(id=vm["id"], fetch_result=True)
    code, text = job_error(acme, acme.detachVolume, id=root_of(acme, vm)["id"])
    assert (code, text) == (431, "Root volume detach is not supported for Managed DataStores")


def test_backups_block_detach_unless_the_setting_allows(admin, acme):
    """VAS.validateIfVmHasBackups: a VM in a backup offering gives no volume, unless
    backup.enable.attach.detach.of.volumes is true."""
    vm = deploy(acme, service_offering(admin, "sparse"))
    admin.updateConfiguration(name="backup.framework.enabled", value="true")  # BackupManager.BackupFrameworkEnabled
    try:
        offering = run(admin.importBackupOffering, name=unique("bk"), description="bk", externalid=unique("policy"),
                       zoneid=vm["zoneid"], allowuserdrivenbackups=True)["backupoffering"]
        run(admin.assignVirtualMachineToBackupOffering, virtualmachineid=vm["id"], backupofferingid=offering["id"])
        acme.stopVirtualMachine(id=vm["id"], fetch_result=True)
        vol = root_of(acme, vm)
        code, text = job_error(acme, acme.detachVolume, id=vol["id"])
        assert (code, text) == (431, ("Unable to detach volume, cannot detach volume from a VM that has backups. "
                                      "First remove the VM from the backup offering or set the global configuration "
                                      "'backup.enable.attach.detach.of.volumes' to true."))
        admin.updateConfiguration(name="backup.enable.attach.detach.of.volumes", value="true")
        assert run(acme.detachVolume, id=vol["id"])["volume"]["type"] == "DATADISK"
    finally:
        admin.updateConfiguration(name="backup.enable.attach.detach.of.volumes", value="false")
        admin.updateConfiguration(name="backup.framework.enabled", value="false")


def test_a_volume_of_another_cluster_moves_to_the_vms(server, admin, acme, stopped_vm):
    """VAS.needMoveVolume / VolumeOrchestrator.moveVolume: a Ready volume on a cluster-wide pool of another cluster
    than the VM's ROOT is copied to a pool of the ROOT's cluster before it is attached (its content with it)."""
    zone_a = zone(admin, "zone-a")
    pod = admin.listPods(zoneid=zone_a["id"])["pod"][0]
    cluster = admin.addCluster(zoneid=zone_a["id"], podid=pod["id"], clustername=unique("c2"), hypervisor="KVM",
                               clustertype="CloudManaged")["cluster"]
    cluster = cluster[0] if isinstance(cluster, list) else cluster
    admin.addHost(zoneid=zone_a["id"], podid=pod["id"], clusterid=cluster["id"], hypervisor="KVM",
                  url="http://10.1.1.81", username="root", password="password")
    server.ctl("add-array", name="array-c2", zone="zone-a", url="nfs://10.1.0.80/export/c2")
    far = admin.createStoragePool(zoneid=zone_a["id"], podid=pod["id"], clusterid=cluster["id"], name=unique("far"),
                                  url="nfs://10.1.0.80/export/c2")["storagepool"]
    plain = disk_offering(admin)
    vol = new_volume(acme, plain)
    assert server.ctl("materialise", volume=vol["id"], host="10.1.1.81")["storageid"] == far["id"]
    server.ctl("write-marker", volume=vol["id"], text="moved-with-its-volume")
    attached = run(acme.attachVolume, id=vol["id"], virtualmachineid=stopped_vm["id"])["volume"]
    moved = admin.listVolumes(id=attached["id"])["volume"][0]
    assert moved["storageid"] != far["id"] and moved["clusterid"] == root_of(admin, stopped_vm)["clusterid"]
    assert server.ctl("read-marker", volume=vol["id"])["marker"] == "moved-with-its-volume"
