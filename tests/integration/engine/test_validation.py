"""Validation refuses, before any change, the VMs whose move CloudStack would refuse half way.

Each case makes one VM unmovable the way an operator's cloud can be, then runs a failover of it (not a
plan: the real run) and finds it refused with the reason and the fix, and no write made to the cloud.
"""

import contextlib

import pytest
from ansible_collections.cloudstack.dr.plugins.module_utils.engine.introduce import StorageIntroducer
from ansible_collections.cloudstack.dr.plugins.module_utils.engine.orchestrate import move_vms
from ansible_collections.cloudstack.dr.plugins.module_utils.engine.prepare import prepare_vms

from ... import drapi
from .conftest import LIVE

GIB = 1024**3


def writes(server, before: dict) -> dict:
    """The calls other than reads made since `before` (a status's api_calls)."""
    return {c: n - before.get(c, 0) for c, n in server.ctl("status")["api_calls"].items()
            if not c.startswith(("list", "query")) and n != before.get(c)}


def refused(server, api, name: str) -> str:
    """The error a failover of VM `name` is refused with, checking nothing was written."""
    before = server.ctl("status")["api_calls"]
    result = move_vms(api, "failover", names=[name], confirm_zone_lost=LIVE)
    [entry] = result["vms"]
    assert entry["refused"] and entry["failed"], entry
    assert writes(server, before) == {}
    return entry["error"]


def accepted(api, name: str) -> bool:
    plan = move_vms(api, "failover", names=[name], validate_only=True, confirm_zone_lost=LIVE)["plan"]
    return [p["name"] for p in plan] == [name]


def vm_named(api, name):
    return api.list("listVirtualMachines", listall=True, name=name)[0]


@contextlib.contextmanager
def setting(api, name, value):
    old = api.list("listConfigurations", name=name)[0]["value"]
    api.call("updateConfiguration", name=name, value=value)
    try:
        yield
    finally:
        api.call("updateConfiguration", name=name, value=old)


def test_a_vm_with_vm_snapshots(fresh_cloud):
    server, api, _ = fresh_cloud
    web = vm_named(api, "acme-web-1")
    api.run([api.submit("createVMSnapshot", virtualmachineid=web["id"], snapshotmemory=True, name="before-upgrade")])
    error = refused(server, api, "acme-web-1")
    assert "has VM snapshots (before-upgrade)" in error and "deleteVMSnapshot" in error
    assert accepted(api, "acme-app-1")  # the others go on


def test_a_vm_in_a_backup_offering_unless_the_setting_allows(fresh_cloud):
    server, api, zones = fresh_cloud
    web = vm_named(api, "acme-web-1")
    with setting(api, "backup.framework.enabled", "true"):
        [job] = api.run([api.submit("importBackupOffering", name="nightly", description="nightly",
                                    externalid="policy-1", zoneid=zones["zone-a"]["id"], allowuserdrivenbackups=True)])
        offering = job.result["backupoffering"]
        api.run([api.submit("assignVirtualMachineToBackupOffering", virtualmachineid=web["id"],
                            backupofferingid=offering["id"])])
        error = refused(server, api, "acme-web-1")
        assert "backup offering nightly" in error and "removeVirtualMachineFromBackupOffering" in error
        with setting(api, "backup.enable.attach.detach.of.volumes", "true"):
            assert accepted(api, "acme-web-1")


def test_a_linked_clone_root_disk_names_the_offering_fix(fresh_cloud):
    """A KVM root disk made from a template with THIN provisioning on NFS has a backing file: its replica cannot
    be imported."""
    server, api, zones = fresh_cloud
    thin = api.call("createServiceOffering", name="dr-thin", displaytext="dr-thin", cpunumber=1, cpuspeed=1000,
                    memory=512, tags="dr", provisioningtype="thin")["serviceoffering"]
    drapi.write(api, "ServiceOffering", thin["id"], {"dr.enabled": "true", "dr.tier": "1", "dr.rto": "1h"})
    net = next(n for n in api.list("listNetworks", listall=True, keyword="acme-web") if n["name"] == "acme-web")
    template = api.list("listTemplates", templatefilter="all", zoneid=zones["zone-a"]["id"])[0]
    api.run([api.submit("deployVirtualMachine", zoneid=zones["zone-a"]["id"], serviceofferingid=thin["id"],
                        templateid=template["id"], name="acme-thin-1", networkids=net["id"], account="acme",
                        domainid=net["domainid"])])
    assert prepare_vms(api, names=["acme-thin-1"])["summary"]["failed"] == 0
    error = refused(server, api, "acme-thin-1")
    assert "linked clone of its template" in error and "provisioningtype sparse or fat" in error


def test_a_volume_outside_the_import_size_range(fresh_cloud):
    server, api, _ = fresh_cloud
    web = vm_named(api, "acme-web-1")
    root = next(v for v in api.list("listVolumes", virtualmachineid=web["id"], listall=True) if v["type"] == "ROOT")
    too_small = max(1, root["size"] // GIB - 1)
    with setting(api, "custom.diskoffering.size.max", str(too_small)):
        error = refused(server, api, "acme-web-1")
    assert f"outside what importVolume accepts for a customized disk offering (1 to {too_small} GB)" in error
    assert "custom.diskoffering.size.min/max" in error


@pytest.mark.parametrize("change, words", [
    ({"dr.replica_url": "sharedmountpoint://localhost/mnt/replica-a1"},
     "introduced as a SharedMountPoint pool of a KVM cluster"),
    ({"dr.replica_tags": "fast"}, "has the storage tags dr, which the pool its replica is introduced as will not have"),
])
def test_a_storage_map_importVolume_cannot_read(fresh_cloud, change, words):
    server, api, _ = fresh_cloud
    pool = api.list("listStoragePools", name="pool-a1")[0]
    drapi.write(api, "Storage", pool["id"], change, visible=False)
    error = refused(server, api, "acme-web-1")
    assert words in error and "storage map" in error


def test_a_replica_cluster_whose_hypervisor_cannot_import(fresh_cloud):
    server, api, zones = fresh_cloud
    pod = api.list("listPods", zoneid=zones["zone-b"]["id"])[0]
    [xen] = api.call("addCluster", zoneid=zones["zone-b"]["id"], podid=pod["id"], clustername="xen-b",
                     hypervisor="XenServer", clustertype="CloudManaged")["cluster"]
    pool = api.list("listStoragePools", name="pool-a1")[0]
    drapi.write(api, "Storage", pool["id"], {"dr.replica_cluster": xen["id"]}, visible=False)
    error = refused(server, api, "acme-web-1")
    assert "NetworkFilesystem pool of a XenServer cluster" in error


def test_an_account_over_its_volume_limit(fresh_cloud):
    """Lowered below what it has, a limit fails every import of the account, the first included."""
    server, api, _ = fresh_cloud
    acme = api.list("listAccounts", name="acme", listall=True)[0]
    api.call("updateResourceLimit", account="acme", domainid=acme["domainid"], resourcetype=2, max=1)
    error = refused(server, api, "acme-web-1")
    assert "account acme would exceed its limits of volumes" in error and "updateResourceLimit" in error


def test_an_account_at_its_volume_limit_still_fails_over(fresh_cloud):
    """The source VM is hidden before its volumes are detached, which hides them (UserVmManagerImpl
    .updateDisplayVmFlag) and frees their count: the replicas take their place, so an account with no room left
    moves all the same."""
    server, api, zones = fresh_cloud
    acme = api.list("listAccounts", name="acme", listall=True)[0]
    api.call("updateResourceLimit", account="acme", domainid=acme["domainid"], resourcetype=2,
             max=int(acme["volumetotal"]))
    assert api.list("listAccounts", name="acme", listall=True)[0]["volumeavailable"] in (0, "0")
    server.ctl("fail-zone", zone="zone-a")
    StorageIntroducer(api).introduce(zones["zone-a"]["id"], "failover")
    result = move_vms(api, "failover", account="acme", zone="zone-a", confirm_zone_lost=LIVE)
    assert sorted((r["name"], r["error"]) for r in result["vms"]) == [("acme-app-1", None), ("acme-web-1", None)]
