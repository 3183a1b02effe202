"""The whole DR cycle on the engine: prepare, lose zone-a, fail over, write, recover, fail back."""

from ansible_collections.cloudstack.dr.plugins.module_utils.engine.introduce import (
    StorageIntroducer,
)
from ansible_collections.cloudstack.dr.plugins.module_utils.engine.orchestrate import move_vms
from ansible_collections.cloudstack.dr.plugins.module_utils.model.snapshot import Snapshot

from ... import drapi
from .conftest import client_for


def vm_volumes(api, vm_id):
    """A VM's volumes, displayed or hidden (a hidden VM's volumes are hidden with it)."""
    vols = api.list("listVolumes", virtualmachineid=vm_id, listall=True) + \
        api.list("listVolumes", virtualmachineid=vm_id, listall=True, displayvolume=False)
    return sorted(vols, key=lambda v: v["deviceid"])


def run(api, zones, op, mode="unplanned"):
    introduced = StorageIntroducer(api).introduce(zones["zone-a"]["id"], op)
    assert [i.error for i in introduced] == [None] * len(introduced)
    return move_vms(api, op, zone="zone-a", mode=mode)["vms"]


def test_failover_then_failback_keeps_ids_and_data(cloud):
    server, api, zones = cloud
    before = {vm["name"]: vm for vm in api.list("listVirtualMachines", listall=True, zoneid=zones["zone-a"]["id"])}
    markers = {vm["name"]: [server.ctl("read-marker", volume=v["id"])["marker"] for v in vm_volumes(api, vm["id"])]
               for vm in before.values() if vm["name"] != "acme-plain-1"}
    originals_volumes = {name: vm_volumes(api, before[name]["id"]) for name in markers}
    server.ctl("fail-zone", zone="zone-a")

    results = run(api, zones, "failover")
    assert [r["error"] for r in results] == [None] * 3, results
    for name, marks in markers.items():
        vm = api.list("listVirtualMachines", id=before[name]["id"], listall=True)[0]
        assert (vm["zoneid"], vm["state"], vm["displayvm"]) == (zones["zone-b"]["id"], "Running", True)
        vols = vm_volumes(api, vm["id"])
        assert [server.ctl("read-marker", volume=v["id"])["marker"] for v in vols] == marks
        assert vols[0]["type"] == "ROOT"
        server.ctl("write-marker", volume=vols[0]["id"], text=f"{name}:written-in-zone-b")

    for pair in Snapshot(api, network=False).pairs().values():
        original = pair["original"]  # now carries the recovery VM's former id
        assert (original["state"], original["displayvm"]) == ("Stopped", False)
        assert vm_volumes(api, original["id"]) == []
    kept = {v["path"] for v in api.list("listVolumes", listall=True, zoneid=zones["zone-a"]["id"], displayvolume=False)
            + api.list("listVolumes", listall=True, zoneid=zones["zone-a"]["id"]) if v.get("path")}
    assert all(v["path"] in kept for vols in originals_volumes.values() for v in vols), "no source volume is gone"

    acme = client_for(server, "acme")
    seen = {v["name"]: v["id"] for v in acme.list("listVirtualMachines")}
    assert seen == {n: before[n]["id"] for n in ("acme-app-1", "acme-plain-1", "acme-web-1")}  # one VM, same id
    server.ctl("recover-zone", zone="zone-a")

    results = run(api, zones, "failback", mode="planned")
    assert [r["error"] for r in results] == [None] * 3, results
    for name in markers:
        vm = api.list("listVirtualMachines", id=before[name]["id"], listall=True)[0]
        assert (vm["zoneid"], vm["state"]) == (zones["zone-a"]["id"], "Running")
        root = vm_volumes(api, vm["id"])[0]
        assert server.ctl("read-marker", volume=root["id"])["marker"] == f"{name}:written-in-zone-b"
    snap = Snapshot(api, network=False)
    for pair in snap.pairs().values():
        rec = pair["recovery"]
        assert (rec["state"], rec["displayvm"], rec["zoneid"]) == ("Stopped", False, zones["zone-b"]["id"])
        assert vm_volumes(api, rec["id"]) == []
        assert drapi.details(api, "UserVm", pair["original"]["id"])["dr.state"] == "Prepared"
