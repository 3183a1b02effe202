"""Interruptions: a failover or failback cut at any step boundary, or inside the UUID swap, is
finished by running it again, with nothing lost and no duplicate id."""

import pytest
from ansible_collections.cloudstack.dr.plugins.module_utils.engine import swap
from ansible_collections.cloudstack.dr.plugins.module_utils.engine.introduce import StorageIntroducer
from ansible_collections.cloudstack.dr.plugins.module_utils.engine.move import STEPS, MoveRun
from ansible_collections.cloudstack.dr.plugins.module_utils.engine.orchestrate import Orchestrator, move_vms
from ansible_collections.cloudstack.dr.plugins.module_utils.model.snapshot import Snapshot

from ... import drapi


def cut_after(api, zone_id, op, steps):
    """Run `op` for every VM of zone-a but stop after `steps`, as a killed run would."""
    intro = StorageIntroducer(api)
    pool_map = intro.pool_map(intro.introduce(zone_id, op), op)
    orch = Orchestrator(api, op, "unplanned")
    moves, refused = orch.select(zone="zone-a")
    assert not refused
    MoveRun(api, orch.snap, op, pool_map).run(moves, steps=steps)


def invariants(server, api, zones, expect_zone, markers):
    """Every protected VM: one visible Running VM with its original id in `expect_zone`, its data there."""
    vms = api.list("listVirtualMachines", listall=True)
    ids = [vm["id"] for vm in vms]
    assert len(ids) == len(set(ids)), "two VMs share an id"
    for vm_id, marks in markers.items():
        [vm] = [v for v in vms if v["id"] == vm_id]
        assert (vm["zoneid"], vm["state"], vm["displayvm"]) == (zones[expect_zone]["id"], "Running", True)
        vols = sorted(api.list("listVolumes", virtualmachineid=vm_id, listall=True), key=lambda v: v["deviceid"])
        assert [server.ctl("read-marker", volume=v["id"])["marker"] for v in vols] == marks


def data_markers(server, api, zones):
    out = {}
    for vm in api.list("listVirtualMachines", listall=True, zoneid=zones["zone-a"]["id"]):
        if vm["name"] != "acme-plain-1":
            vols = sorted(api.list("listVolumes", virtualmachineid=vm["id"], listall=True),
                          key=lambda v: v["deviceid"])
            out[vm["id"]] = [server.ctl("read-marker", volume=v["id"])["marker"] for v in vols]
    return out


@pytest.mark.parametrize("cut", range(1, len(STEPS)), ids=lambda k: f"after-{STEPS[k - 1]}")
def test_failover_cut_at_a_step_boundary_is_finished_by_a_rerun(fresh_cloud, cut):
    server, api, zones = fresh_cloud
    markers = data_markers(server, api, zones)
    server.ctl("fail-zone", zone="zone-a")
    cut_after(api, zones["zone-a"]["id"], "failover", STEPS[:cut])
    result = move_vms(api, "failover", zone="zone-a")
    assert [r["error"] for r in result["vms"]] == [None] * 3, result["vms"]
    invariants(server, api, zones, "zone-b", markers)
    again = move_vms(api, "failover", zone="zone-a")
    assert not again["changed"] and again["summary"]["failed"] == 0


@pytest.mark.parametrize("cut", [3, 6, 8], ids=lambda k: f"after-{STEPS[k - 1]}")
def test_failback_cut_at_a_step_boundary_is_finished_by_a_rerun(fresh_cloud, cut):
    server, api, zones = fresh_cloud
    markers = data_markers(server, api, zones)
    server.ctl("fail-zone", zone="zone-a")
    StorageIntroducer(api).introduce(zones["zone-a"]["id"], "failover")
    assert move_vms(api, "failover", zone="zone-a")["summary"]["failed"] == 0
    server.ctl("recover-zone", zone="zone-a")
    cut_after(api, zones["zone-a"]["id"], "failback", STEPS[:cut])
    result = move_vms(api, "failback", zone="zone-a", mode="planned")
    assert [r["error"] for r in result["vms"]] == [None] * 3, result["vms"]
    invariants(server, api, zones, "zone-a", markers)


@pytest.mark.parametrize("calls_done", [1, 2, 3])
def test_swap_cut_between_its_calls_is_finished_by_a_rerun(fresh_cloud, calls_done):
    _, api, _ = fresh_cloud
    snap = Snapshot(api, network=False)
    pair = next(iter(snap.pairs().values()))
    original, recovery = pair["original"], pair["recovery"]
    user_id, recovery_id = original["id"], recovery["id"]
    journal = swap.new_journal(user_id, recovery_id, "original")
    drapi.write(api, "UserVm", user_id, journal.details(), visible=False)
    for current, new in swap.remaining_calls(journal, "none")[:calls_done]:
        api.call("updateVirtualMachine", id=current, customid=new)
    snap = Snapshot(api, network=False)
    pair = next(p for p in snap.pairs().values() if p["original"]["name"] == original["name"])
    swap.run(api, snap, pair, "original")
    assert (pair["original"]["id"], pair["recovery"]["id"]) == (recovery_id, user_id)
    ids = [vm["id"] for vm in drapi.all_vms(api)]
    assert len(ids) == len(set(ids)) and user_id in ids and recovery_id in ids
    assert drapi.swap_journal(api, recovery_id) is None
