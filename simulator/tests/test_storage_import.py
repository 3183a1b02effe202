"""Conformance: importing and unmanaging volume files (a failover's replicas) as Apache CloudStack 4.20 does.

Each test's docstring names the Java class and method whose rule it checks (apache/cloudstack, read at
4.21.0.0-SNAPSHOT); simulator/rules/storage.md lists the rules. VIUM is
server/.../storage/volume/VolumeImportUnmanageManagerImpl.java, GVW the KVM agent's
LibvirtGetVolumesOnStorageCommandWrapper.
"""

import hashlib
import uuid

import pytest

from .storage_support import (
    api_error,
    create_pool,
    deploy,
    disk_offering,
    job_error,
    pool_named,
    promote_replica,
    replica_pool,
    resync,
    root_of,
    run,
    service_offering,
    unique,
    without_limits,
    zone,
)


@pytest.fixture(scope="module", autouse=True)
def _room(admin):
    """These tests make many volumes for acme, more than CloudStack's default limits allow."""
    without_limits(admin, "acme")

@pytest.fixture(scope="module")
def replica(admin):
    return replica_pool(admin, "replica-of-pool-a1")


@pytest.fixture(scope="module")
def thin_vm(admin, acme):
    """A running VM whose ROOT was made with the default (thin) provisioning on pool-a1."""
    return deploy(acme, service_offering(admin, "thin"))


@pytest.fixture(scope="module")
def sparse_vm(admin, acme):
    return deploy(acme, service_offering(admin, "sparse"))


def one(answer):
    """addCluster and addHost answer a list of one (ListResponse)."""
    return answer[0] if isinstance(answer, list) else answer


def listed(admin, pool, **params):
    return admin.listVolumesForImport(storageid=pool["id"], **params).get("volumeforimport", [])


def import_as_acme(admin, pool, path, **params):
    acme = admin.listAccounts(name="acme", listall=True)["account"][0]
    return admin.importVolume(storageid=pool["id"], path=path, account="acme", domainid=acme["domainid"], **params)


# -- linked clones --------------------------------------------------------------------------------
def test_a_thin_root_is_a_linked_clone_of_the_template_copy(admin, acme, thin_vm, replica):
    """LibvirtStorageAdaptor.createDiskFromTemplate: THIN makes `qemu-img create -b <template copy>`, so the ROOT
    file (and its replica) has a backing file, which GVW.addVolumeByVolumePath reports as BACKING_FILE; VIUM
    .checkIfVolumeHasBackingFile refuses it (530, in the job)."""
    root = root_of(admin, thin_vm)
    source = pool_named(admin, "pool-a1")
    assert root["storageid"] == source["id"] and root["provisioningtype"] == "thin"
    [entry] = listed(admin, replica, path=root["path"])
    details = entry["details"]
    assert details["BACKING_FILE"].startswith(f"/mnt/{source['id']}/") and details["BACKING_FILE_FORMAT"] == "qcow2"
    code, text = job_error(admin, admin.importVolume, storageid=replica["id"], path=root["path"])
    assert (code, text) == (530, "Volume with backing file cannot be imported or unmanaged.")


def test_a_sparse_root_is_a_full_copy_that_imports(server, admin, sparse_vm, replica):
    """createDiskFromTemplate: SPARSE (and FAT) `qemu-img convert` the template: no backing file. The imported
    volume is a Ready DATADISK at device 1 though attached to nothing (VolumeOrchestrator.importVolume)."""
    root = root_of(admin, sparse_vm)
    [entry] = listed(admin, replica, path=root["path"])
    assert "BACKING_FILE" not in entry["details"]
    promote_replica(server)
    vol = import_as_acme(admin, replica, root["path"], name=" sparse-root-dr ", fetch_result=True)["volume"]
    assert (vol["type"], vol["state"], vol["deviceid"], vol["name"]) == ("DATADISK", "Ready", 1, "sparse-root-dr")
    assert "virtualmachineid" not in vol and vol["size"] == root["size"] and vol["account"] == "acme"
    run(admin.unmanageVolume, id=vol["id"])  # its file is free to import again
    assert root["path"] in {f["path"] for f in listed(admin, replica)}


def test_the_template_copy_is_no_volume(admin, thin_vm, replica):
    """VIUM.listVolumesForImport skips a pool's template copies (template_spool_ref) and importVolume refuses one
    ("Volume is a base image of a template: <path>"); the replica of that copy on another pool is not one of that
    pool's template copies, so it is listed there."""
    root = root_of(admin, thin_vm)
    [entry] = listed(admin, replica, path=root["path"])
    copy = entry["details"]["BACKING_FILE"].rsplit("/", 1)[1]
    source = pool_named(admin, "pool-a1")
    assert copy not in {f["path"] for f in listed(admin, source)}
    code, text = job_error(admin, admin.importVolume, storageid=source["id"], path=copy)
    assert (code, text) == (530, f"Volume is a base image of a template: {copy}")
    assert copy in {f["path"] for f in listed(admin, replica)}


def test_list_for_import_answers_what_the_agent_reports(admin, sparse_vm, replica):
    """VIUM.createVolumeForImportResponse + GVW: `format` in lower case, `fullpath` under the pool's mount point;
    `details` is empty for the whole pool and holds FILE_FORMAT, CLUSTER_SIZE and IS_LOCKED for one path."""
    root = root_of(admin, sparse_vm)
    whole = {f["path"]: f for f in listed(admin, replica)}[root["path"]]
    assert whole["format"] == "qcow2" and whole["details"] == {} and whole["storagetype"] == "NetworkFilesystem"
    assert whole["fullpath"] == f"/mnt/{replica['id']}/{root['path']}"
    [one] = listed(admin, replica, path=root["path"])
    assert one["details"] == {"FILE_FORMAT": "qcow2", "CLUSTER_SIZE": "65536", "IS_LOCKED": "false"}


def test_keyword_and_path_and_no_paging(admin, sparse_vm, replica):
    """VIUM.listVolumesForImport: `keyword` is a part of the file name and is not used with `path`; the command
    reads no page (ListResponse of every file), though page/pagesize are accepted."""
    root = root_of(admin, sparse_vm)
    everything = listed(admin, replica)
    assert len(everything) > 1
    assert [f["path"] for f in listed(admin, replica, keyword=root["path"][:8])] == [root["path"]]
    assert [f["path"] for f in listed(admin, replica, path=root["path"], keyword="no-such-name")] == [root["path"]]
    assert len(listed(admin, replica, page=1, pagesize=1)) == len(everything)


def test_a_missing_file_is_an_agent_failure(admin, replica):
    """KVM's getPhysicalDisk throws for a file that is not there; the agent answers a plain Answer, so VIUM
    .listVolumesForImportInternal says "Cannot get volumes on storage pool via host <Host {...}>" (530, sync for
    listVolumesForImport)."""
    status, error = api_error(admin.listVolumesForImport, storageid=replica["id"], path="no-such-file")
    assert status == 530 and error["errortext"].startswith('Cannot get volumes on storage pool via host Host {"id":')


# -- locked and encrypted files ---------------------------------------------------------------------
def test_a_locked_file_is_refused(server, admin, sparse_vm, replica):
    """GVW.isDiskFileLocked (qemu-img info without -U fails) -> IS_LOCKED true; VIUM.checkIfVolumeIsLocked:
    "Locked volume cannot be imported or unmanaged."."""
    root = root_of(admin, sparse_vm)
    server.ctl("lock-file", array="replica-a1", path=root["path"])
    try:
        assert listed(admin, replica, path=root["path"])[0]["details"]["IS_LOCKED"] == "true"
        code, text = job_error(admin, admin.importVolume, storageid=replica["id"], path=root["path"])
        assert (code, text) == (530, "Locked volume cannot be imported or unmanaged.")
    finally:
        server.ctl("lock-file", array="replica-a1", path=root["path"], locked=False)


def test_encrypted_volumes(server, admin, acme, replica):
    """A disk offering with `encrypt` gives LUKS files (LibvirtStorageAdaptor.createPhysicalDisk with a
    passphrase): GVW reports IS_ENCRYPTED and encryptformat; VIUM.checkIfVolumeIsEncrypted refuses the file and
    checkIfVolumeCanBeUnmanaged the volume ("Volume <Volume {...}> is encrypted")."""
    offering = disk_offering(admin, encrypt=True, tags="dr")
    vol = acme.createVolume(name=unique("enc"), zoneid=zone(acme, "zone-a")["id"], diskofferingid=offering["id"],
                            fetch_result=True)["volume"]
    placed = server.ctl("materialise", volume=vol["id"])
    resync(server)
    [entry] = listed(admin, replica, path=placed["path"])
    assert entry["details"]["IS_ENCRYPTED"] == "true" and entry["encryptformat"] == "luks"
    code, text = job_error(admin, admin.importVolume, storageid=replica["id"], path=placed["path"])
    assert (code, text) == (530, "Encrypted volume cannot be imported or unmanaged.")
    code, text = job_error(admin, admin.unmanageVolume, id=vol["id"])
    assert code == 530 and text.startswith('Volume Volume {"id":') and text.endswith(" is encrypted")
    assert admin.listVolumes(id=vol["id"])["volume"][0]["encryptformat"] == "luks"


# -- offering and size checks -------------------------------------------------------------------------
@pytest.fixture
def data_file(server, admin, acme):
    """A fresh 1 GiB data volume of acme on pool-a1 with a file, and its replica's path (the replica read-only,
    resynchronised)."""
    offering = disk_offering(admin, tags="dr")
    vol = acme.createVolume(name=unique("data"), zoneid=zone(acme, "zone-a")["id"], diskofferingid=offering["id"],
                            fetch_result=True)["volume"]
    path = server.ctl("materialise", volume=vol["id"])["path"]
    resync(server)
    return path


def test_offering_checks(admin, replica, data_file):
    """VIUM.getOrCreateDiskOffering: an offering that encrypts, or is local for a shared pool, is refused; VIUM
    .importVolume: tags the pool lacks -> "Disk offering: <DiskOffering {...}.> storage tags are not compatible
    with selected storage pool: <StoragePool {...}>" (DiskOfferingVO.toString ends with a period)."""
    for params, end in (({"encrypt": True}, "should not support volume encryption"),
                        ({"storagetype": "local"}, "should use shared storage")):
        offering = disk_offering(admin, **params)
        code, text = job_error(admin, admin.importVolume, storageid=replica["id"], path=data_file,
                               diskofferingid=offering["id"])
        assert code == 530 and text == f'Disk offering DiskOffering {{"id":{text.split(":", 2)[1].split(",")[0]},' \
            f'"name":"{offering["name"]}","uuid":"{offering["id"]}"}}. {end}'
    gold = disk_offering(admin, tags="gold")
    code, text = job_error(admin, admin.importVolume, storageid=replica["id"], path=data_file,
                           diskofferingid=gold["id"])
    assert code == 530 and text.startswith("Disk offering: DiskOffering {") and \
        f'"uuid":"{gold["id"]}"}}. storage tags are not compatible with selected storage pool: StoragePool {{' in text


def test_custom_size_range(server, admin, replica, data_file):
    """VIUM.importVolume -> VolumeApiServiceImpl.validateCustomDiskOfferingSizeRange for the default (customized)
    import offering: 431 "Volume size: <GiB> GB is out of allowed range. Min: <min>. Max: <max>" from the
    settings custom.diskoffering.size.min/max."""
    admin.updateConfiguration(name="custom.diskoffering.size.min", value="2")
    try:
        code, text = job_error(admin, admin.importVolume, storageid=replica["id"], path=data_file)
        assert (code, text) == (431, "Volume size: 1 GB is out of allowed range. Min: 2. Max: 1024")
    finally:
        admin.updateConfiguration(name="custom.diskoffering.size.min", value="1")
    promote_replica(server)
    vol = run(admin.importVolume, storageid=replica["id"], path=data_file)["volume"]
    assert vol["diskofferingname"] == "Default Custom Offering for Volume Import" and vol["account"] == "admin"


def test_owner_is_resolved_before_the_job(admin, replica, data_file):
    """ImportVolumeCmd.getEntityOwnerId -> AccountManagerImpl.finalyzeAccountId (sync, 431): an account needs
    its domainid, and must exist in that domain."""
    status, error = api_error(admin.importVolume, storageid=replica["id"], path=data_file, account="acme")
    assert (status, error["errortext"]) == (431, "Account must be specified with domainId parameter")
    domain = admin.listDomains(name="ROOT")["domain"][0]
    status, error = api_error(admin.importVolume, storageid=replica["id"], path=data_file, account="acme",
                              domainid=domain["id"])
    assert (status, error["errortext"]) == (431, "Unable to find account by name acme in domain with specified id")


# -- unmanage ------------------------------------------------------------------------------------------
def test_unmanage_checks(server, admin, acme, thin_vm, replica, data_file):
    """VIUM.checkIfVolumeCanBeUnmanaged + unmanageVolume (UnmanageVolumeCmd: every failure 530 in the job): an
    attached volume is refused ("... is attached to VM (ID: <vm internal id>)"), so is a volume whose file has a
    backing file (getVolumeOnStorageAndCheck); a removed one is not found ("Volume (ID: <id>) does not exist")."""
    root = root_of(admin, thin_vm)
    code, text = job_error(admin, admin.unmanageVolume, id=root["id"])
    assert code == 530 and text.startswith("Volume Volume {") and " is attached to VM (ID: " in text
    promote_replica(server)
    vol = run(admin.importVolume, storageid=replica["id"], path=data_file)["volume"]
    assert admin.unmanageVolume(id=vol["id"], fetch_result=True)["success"] in (True, "true")
    code, text = job_error(admin, admin.unmanageVolume, id=vol["id"])
    assert code == 530 and text.startswith("Volume (ID: ") and text.endswith(") does not exist")


def test_a_linked_clone_cannot_be_unmanaged(admin, acme):
    """VIUM.unmanageVolume runs the agent checks of an import: a THIN ROOT, detached from its stopped VM, is
    refused ("Volume with backing file cannot be imported or unmanaged.")."""
    vm = deploy(acme, service_offering(admin, "thin"))
    acme.stopVirtualMachine(id=vm["id"], fetch_result=True)
    root = root_of(acme, vm)
    run(acme.detachVolume, id=root["id"])
    code, text = job_error(admin, admin.unmanageVolume, id=root["id"])
    assert (code, text) == (530, "Volume with backing file cannot be imported or unmanaged.")


# -- where the agent is asked ----------------------------------------------------------------------------
def test_a_failed_zone_has_no_host_to_ask(server, admin, replica, data_file):
    """VIUM.findHostAndLocalPathForVolumeImport: the pool of a failed zone stays Up but none of its hosts is, so
    listing, importing and unmanaging answer "No host found to perform volume import" (530)."""
    server.ctl("fail-zone", zone="zone-b")
    try:
        assert pool_named(admin, replica["name"])["state"] == "Up"
        status, error = api_error(admin.listVolumesForImport, storageid=replica["id"])
        assert (status, error["errortext"]) == (530, "No host found to perform volume import")
        code, text = job_error(admin, admin.importVolume, storageid=replica["id"], path=data_file)
        assert (code, text) == (530, "No host found to perform volume import")
    finally:
        server.ctl("recover-zone", zone="zone-b")


def test_pool_states(admin, replica):
    """VIUM.checkIfPoolAvailable: a pool in maintenance ("Storage pool <StoragePool {...}> is in maintenance"),
    or not Up ("... is not Up: Disabled"); for importVolume in the job (ApiServer.getBaseAsyncResponse: the
    submission of a command that creates nothing answers its job id only)."""
    admin.updateStoragePool(id=replica["id"], enabled=False)
    try:
        status, error = api_error(admin.listVolumesForImport, storageid=replica["id"])
        assert status == 530 and error["errortext"] == (
            f'Storage pool StoragePool {{"id":{error["errortext"].split(":", 2)[1].split(",")[0]},"name":'
            f'"{replica["name"]}","poolType":"NetworkFilesystem","uuid":"{replica["id"]}"}} is not Up: Disabled')
        code, text = job_error(admin, admin.importVolume, storageid=replica["id"], path="any")
        assert (code, text) == (530, error["errortext"])  # in the job, whose submission answers the job id only
    finally:
        admin.updateStoragePool(id=replica["id"], enabled=True)


def test_hypervisors_and_pool_types(server, admin):
    """VIUM.checkIfHostAndPoolSupported: KVM (NFS, local Filesystem, RBD) and VMware only; KVM refuses other pool
    types; VMware hosts do not know GetVolumesOnStorageCommand (the agent's unsupported-command Answer: "Cannot get
    volumes on storage pool via host ...")."""
    zone_a = zone(admin, "zone-a")
    server.ctl("add-array", name="shared-mp", zone="zone-a", url="sharedmountpoint://localhost/mnt/shared")
    shared = create_pool(admin, "zone-a", "shared-mp", "sharedmountpoint://localhost/mnt/shared")
    status, error = api_error(admin.listVolumesForImport, storageid=shared["id"])
    assert (status, error["errortext"]) == (530, ("Importing and unmanaging volume are not supported for pool type "
                                                 "SharedMountPoint on hypervisor KVM"))
    server.ctl("add-array", name="ceph-a", zone="zone-a", url="rbd://10.1.0.50/volumes")
    rbd = create_pool(admin, "zone-a", "ceph-a", "rbd://cloudstack:c2VjcmV0@10.1.0.50/volumes")
    assert (rbd["type"], rbd["path"]) == ("RBD", "volumes") and listed(admin, rbd) == []
    pod = admin.listPods(zoneid=zone_a["id"])["pod"][0]
    for hypervisor, host_ip, expected in (
            ("XenServer", "10.1.1.91", "Importing and unmanaging volume are not supported for hypervisor: XenServer"),
            ("VMware", "10.1.1.92", 'Cannot get volumes on storage pool via host Host {"id":')):
        cluster = one(admin.addCluster(zoneid=zone_a["id"], podid=pod["id"], clustername=unique(hypervisor),
                                       hypervisor=hypervisor, clustertype="CloudManaged")["cluster"])
        admin.addHost(zoneid=zone_a["id"], podid=pod["id"], clusterid=cluster["id"], hypervisor=hypervisor,
                      url=f"http://{host_ip}", username="root", password="password")
        path = f"/export/{hypervisor.lower()}"
        server.ctl("add-array", name=unique("array"), zone="zone-a", url=f"nfs://10.1.0.60{path}")
        pool = admin.createStoragePool(zoneid=zone_a["id"], podid=pod["id"], clusterid=cluster["id"],
                                       name=unique("pool"), url=f"nfs://10.1.0.60{path}")["storagepool"]
        status, error = api_error(admin.listVolumesForImport, storageid=pool["id"])
        assert status == 530 and error["errortext"].startswith(expected)


def test_local_storage(admin):
    """StorageManagerImpl.createPool/createLocalStorage: file://<host>/<path> is a host-scope Filesystem pool of
    that host (its zone must have local storage; else the null store is dereferenced: 530); VIUM lists its files
    through that host, and a local pool takes only local offerings."""
    name = unique("zone-l")
    new_zone = admin.createZone(name=name, networktype="Advanced", dns1="8.8.8.8", internaldns1="10.3.0.2",
                                localstorageenabled=True)["zone"]
    pod = admin.createPod(zoneid=new_zone["id"], name=unique("pod"), gateway="10.3.1.1", netmask="255.255.255.0",
                          startip="10.3.1.100", endip="10.3.1.199")["pod"]
    cluster = one(admin.addCluster(zoneid=new_zone["id"], podid=pod["id"], clustername=unique("c"), hypervisor="KVM",
                                   clustertype="CloudManaged")["cluster"])
    host = one(admin.addHost(zoneid=new_zone["id"], podid=pod["id"], clusterid=cluster["id"], hypervisor="KVM",
                             url="http://10.3.1.11", username="root", password="password")["host"])
    local = admin.createStoragePool(zoneid=new_zone["id"], clusterid=cluster["id"], name=unique("local"),
                                    url="file://10.3.1.11/var/lib/libvirt/images")["storagepool"]
    assert (local["type"], local["scope"], local["ipaddress"]) == ("Filesystem", "HOST", "10.3.1.11")
    assert admin.listStoragePools(scope="host", hostid=host["id"])["storagepool"][0]["id"] == local["id"]
    assert listed(admin, local) == []
    other = zone(admin, "zone-a")  # the pool is its host's: zone-a has no local storage
    status, error = api_error(admin.createStoragePool, zoneid=new_zone["id"], clusterid=cluster["id"], name="x",
                              url="file://10.1.1.11/var/lib/libvirt/images")
    assert status == 530 and 'because "store" is null' in error["errortext"]
    assert not admin.listStoragePools(zoneid=other["id"], scope="host").get("storagepool")


def test_pool_uuid_is_derived_from_host_and_path(admin):
    """CloudStackPrimaryDataStoreLifeCycleImpl.initialize: an NFS pool's uuid is UUID.nameUUIDFromBytes(host +
    path), so the same export gets the same id after a delete and a new createStoragePool."""
    expected = str(uuid.UUID(bytes=hashlib.md5(b"10.2.0.22/export/replica-a2").digest(), version=3))
    pool = replica_pool(admin, unique("replica-a2"), "pool-a2", tags=None)
    assert pool["id"] == expected
    run(admin.enableStorageMaintenance, id=pool["id"])
    admin.deleteStoragePool(id=pool["id"])
    assert replica_pool(admin, unique("replica-a2"), "pool-a2", tags=None)["id"] == expected
