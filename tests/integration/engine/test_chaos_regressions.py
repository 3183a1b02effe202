"""States `make chaos` left behind, each finished by a re-run: a moving DR state without a journal
(the journal write failed, or a kill came between it and the state), and a UUID swap whose ids
are done but whose journal was not cleared (the removal failed, or a kill came just before it)."""

from ansible_collections.cloudstack.dr.plugins.module_utils.engine.introduce import StorageIntroducer
from ansible_collections.cloudstack.dr.plugins.module_utils.engine.move import STEPS
from ansible_collections.cloudstack.dr.plugins.module_utils.engine.orchestrate import move_vms
from ansible_collections.cloudstack.dr.plugins.module_utils.model.snapshot import Snapshot
from ansible_collections.cloudstack.dr.plugins.module_utils.vocabulary.journal import SwapJournal

from ... import drapi
from .test_resume import cut_after


def detail(api, vm_id, key, value, fordisplay=False):
    drapi.write(api, "UserVm", vm_id, {key: value}, visible=fordisplay)


def journals(api):
    """The VMs with a move journal in flight, and those with a swap journal."""
    ids = [vm["id"] for vm in drapi.all_vms(api)]
    return ([i for i in ids if drapi.journal(api, i) is not None],
            [i for i in ids if drapi.swap_journal(api, i) is not None])


def states(api):
    """{vm id: hidden DR state} of the originals."""
    return {vm_id: found["dr.status"] for vm_id, found in drapi.all_vm_details(api).items() if "dr.status" in found}


def test_a_moving_state_without_journal_is_started_again(fresh_cloud):
    server, api, zones = fresh_cloud
    pair = next(iter(Snapshot(api, network=False).pairs().values()))
    detail(api, pair["original"]["id"], "dr.status", "FailingOver")
    server.ctl("fail-zone", zone="zone-a")
    StorageIntroducer(api).introduce(zones["zone-a"]["id"], "failover")
    result = move_vms(api, "failover", zone="zone-a")
    assert result["summary"] == {"selected": 3, "done": 3, "failed": 0, "refused": 0, "held": 0}, [
        r["error"] for r in result["vms"]]


def test_a_swap_journal_left_after_the_ids_moved_is_cleared_by_a_rerun(fresh_cloud):
    server, api, zones = fresh_cloud
    server.ctl("fail-zone", zone="zone-a")
    cut_after(api, zones["zone-a"]["id"], "failover", STEPS[:STEPS.index("swap") + 1])
    # As if the run died after the three updateVirtualMachine calls, before removing the journal.
    pair = next(iter(Snapshot(api, network=False).pairs().values()))
    done = SwapJournal(pair["recovery"]["id"], pair["original"]["id"], "0-temp", "original")
    drapi.write(api, "UserVm", pair["original"]["id"], done.details(), visible=False)
    result = move_vms(api, "failover", zone="zone-a")
    assert result["summary"]["failed"] == 0, result["vms"]
    assert journals(api) == ([], [])


def test_a_journal_outlives_a_final_state_that_could_not_be_written(fresh_cloud):
    server, api, zones = fresh_cloud
    server.ctl("fail-zone", zone="zone-a")
    cut_after(api, zones["zone-a"]["id"], "failover", STEPS[:-1])
    server.ctl("faults", commands={"addResourceDetail": 1.0})
    try:
        cut_after(api, zones["zone-a"]["id"], "failover", ("finish",))
    finally:
        server.ctl("faults", commands={})
    assert len(journals(api)[0]) == 3, "the journal stays while the state says moving"
    result = move_vms(api, "failover", zone="zone-a")
    assert result["summary"]["failed"] == 0, [r["error"] for r in result["vms"]]
    assert journals(api)[0] == []
    assert set(states(api).values()) == {"FailedOver"}
