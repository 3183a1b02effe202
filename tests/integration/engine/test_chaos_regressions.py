"""States `make chaos` left behind, each finished by a re-run: a moving DR state without a journal
(the journal write failed, or a kill came between it and the state), and a UUID swap whose ids
are done but whose journal was not cleared (the removal failed, or a kill came just before it)."""

from ansible_collections.cloudstack.dr.plugins.module_utils.engine import swap
from ansible_collections.cloudstack.dr.plugins.module_utils.engine.introduce import StorageIntroducer
from ansible_collections.cloudstack.dr.plugins.module_utils.engine.move import STEPS
from ansible_collections.cloudstack.dr.plugins.module_utils.engine.orchestrate import move_vms
from ansible_collections.cloudstack.dr.plugins.module_utils.model.snapshot import Snapshot

from .test_resume import cut_after


def detail(api, vm_id, key, value, fordisplay=False):
    api.run([api.submit("addResourceDetail", resourcetype="UserVm", resourceid=vm_id, fordisplay=fordisplay,
                        details={key: value})])


def all_details(api, key):
    return [r for r in api.list("listResourceDetails", resourcetype="UserVm") if r["key"] == key]


def test_a_moving_state_without_journal_is_started_again(fresh_cloud):
    server, api, zones = fresh_cloud
    pair = next(iter(Snapshot(api, network=False).pairs().values()))
    detail(api, pair["original"]["id"], "dr.state", "FailingOver", fordisplay=True)
    server.ctl("fail-zone", zone="zone-a")
    StorageIntroducer(api).introduce(zones["zone-a"]["id"], "failover")
    result = move_vms(api, "failover", zone="zone-a")
    assert result["summary"] == {"selected": 3, "done": 3, "failed": 0, "refused": 0}, [r["error"] for r in result["vms"]]


def test_a_swap_journal_left_after_the_ids_moved_is_cleared_by_a_rerun(fresh_cloud):
    server, api, zones = fresh_cloud
    server.ctl("fail-zone", zone="zone-a")
    cut_after(api, zones["zone-a"]["id"], "failover", STEPS[:STEPS.index("swap") + 1])
    # As if the run died after the three updateVirtualMachine calls, before removing the journal.
    pair = next(iter(Snapshot(api, network=False).pairs().values()))
    done = {"a": pair["recovery"]["id"], "b": pair["original"]["id"], "t": "0-temp", "first": "original"}
    detail(api, pair["original"]["id"], swap.JOURNAL_KEY, swap.encode(done))
    result = move_vms(api, "failover", zone="zone-a")
    assert result["summary"]["failed"] == 0, result["vms"]
    assert all_details(api, swap.JOURNAL_KEY) == [] and all_details(api, "dr.move") == []


def test_a_journal_outlives_a_final_state_that_could_not_be_written(fresh_cloud):
    server, api, zones = fresh_cloud
    server.ctl("fail-zone", zone="zone-a")
    cut_after(api, zones["zone-a"]["id"], "failover", STEPS[:-1])
    server.ctl("faults", commands={"addResourceDetail": 1.0})
    try:
        cut_after(api, zones["zone-a"]["id"], "failover", ("finish",))
    finally:
        server.ctl("faults", commands={})
    assert len(all_details(api, "dr.move")) == 3, "the journal stays while the state says moving"
    result = move_vms(api, "failover", zone="zone-a")
    assert result["summary"]["failed"] == 0, [r["error"] for r in result["vms"]]
    assert all_details(api, "dr.move") == []
    assert {r["value"] for r in all_details(api, "dr.state")} == {"FailedOver"}
