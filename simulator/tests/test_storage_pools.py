"""Conformance: primary storage pools (create, list, update, delete, maintenance) as Apache CloudStack 4.20 answers
them, and what each does for a pool of a failed zone.

Each test's docstring names the Java class and method whose rule it checks (apache/cloudstack, read at
4.21.0.0-SNAPSHOT); simulator/rules/storage.md lists the rules. SMI is server/.../storage/StorageManagerImpl.java,
LC the default provider's CloudStackPrimaryDataStoreLifeCycleImpl, SPA StoragePoolAutomationImpl.
"""

import requests

from .storage_support import (
    api_error,
    cluster_of,
    create_pool,
    deploy,
    job_error,
    pool_named,
    promote_replica,
    replica_pool,
    root_of,
    run,
    service_offering,
    unique,
    zone,
)


def pool_id_text(pool, error):
    """The StoragePool {...} an error prints for a pool (its internal id taken from the text)."""
    pk = error.split('StoragePool {"id":', 1)[1].split(",", 1)[0]
    return f'StoragePool {{"id":{pk},"name":"{pool["name"]}","poolType":"{pool["type"]}","uuid":"{pool["id"]}"}}'


# -- createStoragePool ----------------------------------------------------------------------------------
def test_every_create_error_is_530(admin):
    """CreateStoragePoolCmd.execute wraps every exception of SMI.createPool in a ServerApiException(INTERNAL_ERROR):
    scope, cluster, hypervisor and URL refusals are 530, with their own texts."""
    cluster = cluster_of(admin, "zone-a")
    zone_id = cluster["zoneid"]
    cases = (
        ({"scope": "rack"}, "invalid scope for pool rack"),
        ({"scope": "zone"}, ("Missing parameter hypervisor. Hypervisor type is required to create zone wide primary "
                            "storage.")),
        ({"scope": "zone", "hypervisor": "XenServer"}, ("Zone wide storage pool is not supported for hypervisor type "
                                                       "XenServer")),
        ({}, "cluster id can't be null, if scope is cluster"),
        ({"clusterid": cluster["id"], "url": "nfs://10.1.0.11"}, "host or path is null, should be nfs://hostname/path"),
        ({"clusterid": cluster["id"]}, "Failed to add data store: Cluster id requires pod id"),
        ({"clusterid": cluster["id"], "podid": cluster["podid"], "url": "foo://10.1.0.11/x"},
         "Failed to add data store: No enum constant com.cloud.storage.Storage.StoragePoolType.foo"),
    )
    for params, text in cases:
        params = {"zoneid": zone_id, "name": unique("p"), "url": "nfs://10.1.0.99/export/x", **params}
        status, error = api_error(admin.createStoragePool, **params)
        assert (status, error["errortext"]) == (530, text), params


def test_same_export_twice(server, admin):
    """LC.initialize: a pool with the same host and path (any zone) is refused, printing the path and the pod's
    internal id; an RBD pool is stored without the path's slash, so that check misses it and its uuid (derived
    from host and path) is the one found: "Another active pool with the same uuid already exists"."""
    status, error = api_error(create_pool, admin, "zone-b", "dup", "nfs://10.1.0.11/export/pool-a1")
    assert status == 530 and error["errortext"].startswith(
        "Failed to add data store: Storage pool /export/pool-a1 already in use by another pod (id=")
    server.ctl("add-array", name="ceph-dup", zone="zone-a", url="rbd://10.1.0.51/rbd")
    create_pool(admin, "zone-a", unique("rbd"), "rbd://10.1.0.51/rbd")
    status, error = api_error(create_pool, admin, "zone-a", unique("rbd"), "rbd://10.1.0.51/rbd")
    assert (status, error["errortext"]) == (530, ("Failed to add data store: Another active pool with the same uuid "
                                                 "already exists"))


def test_a_zone_wide_pool_needs_no_up_host(server, admin):
    """LC.attachZone connects the zone's Up hosts (none is an empty list, not an error); LC.attachCluster needs
    one ("No host up to associate a storage pool with in cluster: Cluster {...}")."""
    server.ctl("fail-zone", zone="zone-b")
    try:
        pool = admin.createStoragePool(zoneid=zone(admin, "zone-b")["id"], scope="zone", hypervisor="KVM",
                                       name=unique("zw"), url="nfs://10.2.0.22/export/replica-a2")["storagepool"]
        assert (pool["scope"], pool["state"]) == ("ZONE", "Up")
        status, error = api_error(create_pool, admin, "zone-b", unique("c"), "nfs://10.2.0.21/export/replica-a1")
        assert status == 530 and error["errortext"].startswith(
            "Failed to add data store: No host up to associate a storage pool with in cluster: Cluster {id: ")
    finally:
        server.ctl("recover-zone", zone="zone-b")
    run(admin.enableStorageMaintenance, id=pool["id"])
    admin.deleteStoragePool(id=pool["id"])


# -- listStoragePools ------------------------------------------------------------------------------------
def test_list_filters(admin):
    """QueryManagerImpl.searchForStoragePools: scope and status are checked (ScopeType/StoragePoolStatus
    .validateAndGetStatus: 431), `keyword` also matches the type, `hostid` counts only with scope=host; the answer
    has no capacitybytes."""
    status, error = api_error(admin.listStoragePools, scope="rack")
    assert (status, error["errortext"]) == (431, "Invalid scope type: rack")
    status, error = api_error(admin.listStoragePools, status="Down")
    assert (status, error["errortext"]) == (431, "Invalid status: Down")
    everything = admin.listStoragePools()["storagepool"]
    nfs = [p for p in everything if p["type"] == "NetworkFilesystem"]
    assert admin.listStoragePools(keyword="networkfile")["storagepool"] == nfs and len(nfs) < len(everything)
    host = admin.listHosts(zoneid=zone(admin, "zone-b")["id"])["host"][0]
    assert len(admin.listStoragePools(hostid=host["id"])["storagepool"]) == len(everything)
    assert all("capacitybytes" not in p for p in everything)
    assert [p["name"] for p in admin.listStoragePools(status="up")["storagepool"]] == [p["name"] for p in everything]


# -- updateStoragePool ------------------------------------------------------------------------------------
def test_enable_and_disable(admin):
    """SMI.enablePrimaryStoragePool / disablePrimaryStoragePool: "Primary storage <StoragePool {...}> cannot be
    enabled. Storage pool state : Up"; UpdateStoragePoolCmd saves a new name even when the enable is refused."""
    pool = replica_pool(admin, unique("upd"), "pool-a2", tags=None)
    status, error = api_error(admin.updateStoragePool, id=pool["id"], enabled=True, name="renamed-pool")
    text = error["errortext"]
    assert status == 431 and text == f"Primary storage {pool_id_text(dict(pool, name='renamed-pool'), text)} " \
                                      "cannot be enabled. Storage pool state : Up"
    assert pool_named(admin, "renamed-pool")["id"] == pool["id"]
    assert admin.updateStoragePool(id=pool["id"], enabled=False)["storagepool"]["state"] == "Disabled"
    events = {e["type"] for e in admin.listEvents()["event"]}
    assert {"UPDATE.PS", "DISABLE.PS"} <= events
    code, text = job_error(admin, admin.enableStorageMaintenance, id=pool["id"])
    assert code == 431 and text.endswith(" is not ready for migration, as the status is:Disabled")
    admin.updateStoragePool(id=pool["id"], enabled=True)
    run(admin.enableStorageMaintenance, id=pool["id"])
    admin.deleteStoragePool(id=pool["id"])


# -- maintenance and delete --------------------------------------------------------------------------------
class Recording(requests.Session):
    """A session that keeps every answer's JSON (the cs client sends prepared requests: no hooks run)."""

    def __init__(self):
        super().__init__()
        self.answers = []

    def send(self, request, **kwargs):
        response = super().send(request, **kwargs)
        self.answers.append(response.json())
        return response


def test_maintenance_answers(server, admin):
    """PreparePrimaryStorageForMaintenanceCmd / CancelPrimaryStorageMaintenanceCmd answer under their s_name
    (prepareprimarystorageformaintenanceresponse, cancelprimarystoragemaintenanceresponse), the job id only;
    cancelling the maintenance of an Up pool is a StorageUnavailableException (530)."""
    pool = replica_pool(admin, unique("mnt"), "pool-a2", tags=None)
    session = Recording()
    api = server.client(session=session)
    code, text = job_error(api, api.cancelStorageMaintenance, id=pool["id"])
    assert code == 530 and text.endswith(" is not ready to complete migration, as the status is:Up")
    run(api.enableStorageMaintenance, id=pool["id"])
    submitted = [(key, body) for answer in session.answers for key, body in answer.items() if "jobstatus" not in body]
    assert submitted == [("cancelprimarystoragemaintenanceresponse", {"jobid": submitted[0][1]["jobid"]}),
                         ("prepareprimarystorageformaintenanceresponse", {"jobid": submitted[1][1]["jobid"]})]
    admin.deleteStoragePool(id=pool["id"])


def test_maintenance_stops_the_vms_on_the_pool(admin, acme):
    """SPA.maintain stops the running VMs with a volume on the pool; SPA.cancelMaintain starts those that still
    have a ROOT."""
    vm = deploy(acme, service_offering(admin, "sparse"))
    pool = root_of(admin, vm)["storageid"]
    assert run(admin.enableStorageMaintenance, id=pool)["storagepool"]["state"] == "Maintenance"
    assert acme.listVirtualMachines(id=vm["id"])["virtualmachine"][0]["state"] == "Stopped"
    assert run(admin.cancelStorageMaintenance, id=pool)["storagepool"]["state"] == "Up"
    assert acme.listVirtualMachines(id=vm["id"])["virtualmachine"][0]["state"] == "Running"


def test_delete_rules(server, admin, acme):
    """SMI.deletePool: only in Maintenance ("... not in Maintenance state, pool: <StoragePool {...}>"); a volume
    row that is not removed blocks it ("Cannot delete pool <StoragePool {...}> as there are non-destroyed volumes
    associated to this pool."), an unmanaged one does not."""
    pool = replica_pool(admin, unique("del"))
    status, error = api_error(admin.deleteStoragePool, id=pool["id"])
    text = error["errortext"]
    assert (status, text) == (431, (f"Unable to delete storage due to it is not in Maintenance state, pool: "
                                   f"{pool_id_text(pool, text)}"))
    vm = deploy(acme, service_offering(admin, "sparse"))
    path = root_of(admin, vm)["path"]
    promote_replica(server)
    vol = run(admin.importVolume, storageid=pool["id"], path=path)["volume"]
    run(admin.enableStorageMaintenance, id=pool["id"])
    status, error = api_error(admin.deleteStoragePool, id=pool["id"])
    text = error["errortext"]
    assert (status, text) == (530, (f"Cannot delete pool {pool_id_text(pool, text)} as there are non-destroyed "
                                   "volumes associated to this pool."))
    run(admin.cancelStorageMaintenance, id=pool["id"])
    run(admin.unmanageVolume, id=vol["id"])
    run(admin.enableStorageMaintenance, id=pool["id"])
    assert admin.deleteStoragePool(id=pool["id"])["success"] in (True, "true")


def test_a_failed_zones_pool(server, admin):
    """What a pool of a failed zone answers: it stays Up; SPA.maintain with no Up host puts it straight into
    Maintenance; LC.deleteDataStore then finds no host to unmount it ("Failed to delete storage pool on host")."""
    pool = replica_pool(admin, unique("dead"), "pool-a2", tags=None)
    server.ctl("fail-zone", zone="zone-b")
    try:
        assert pool_named(admin, pool["name"])["state"] == "Up"
        assert run(admin.enableStorageMaintenance, id=pool["id"])["storagepool"]["state"] == "Maintenance"
        status, error = api_error(admin.deleteStoragePool, id=pool["id"])
        assert (status, error["errortext"]) == (530, "Failed to delete storage pool on host")
    finally:
        server.ctl("recover-zone", zone="zone-b")
    assert admin.deleteStoragePool(id=pool["id"])["success"] in (True, "true")
