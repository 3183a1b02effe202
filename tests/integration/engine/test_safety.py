"""Safe at 3 a.m. (issue 14), in the engine: a disaster failover needs CloudStack's evidence that the zone is
lost (or the operator naming it), and one DR run per zone holds the zone's lock at a time, across controllers."""

import threading
import time

import pytest
from ansible_collections.cloudstack.dr.plugins.module_utils.engine.introduce import StorageIntroducer
from ansible_collections.cloudstack.dr.plugins.module_utils.engine.lock import PREFIX, ZoneLock
from ansible_collections.cloudstack.dr.plugins.module_utils.engine.orchestrate import Orchestrator, move_vms
from ansible_collections.cloudstack.dr.plugins.module_utils.engine.zone_loss import evidence
from ansible_collections.cloudstack.dr.plugins.module_utils.errors import InputError

from .conftest import client_for
from .test_replication import move


def locks(api):
    return [g for g in api.list("listAffinityGroups", listall=True) if g["name"].startswith(PREFIX)]


def states(api, zones):
    """{name: (zone, state)} of every VM the owner sees (displayed), in both zones."""
    return {vm["name"]: (vm["zonename"], vm["state"]) for vm in api.list("listVirtualMachines", listall=True)}


def test_a_zone_with_a_host_up_is_not_lost_until_the_operator_says_so(fresh_cloud):
    server, api, zones = fresh_cloud
    zone_a = zones["zone-a"]["id"]
    assert evidence(api, zone_a).lost is False
    hosts = api.list("listHosts", zoneid=zone_a, type="Routing")
    server.ctl("fail-zone", zone="zone-a")
    health = evidence(api, zone_a)
    assert health.lost and health.text().startswith(f"0 of {len(hosts)} hypervisor hosts up")
    server.ctl("recover-zone", zone="zone-a")
    before = states(api, zones)
    with pytest.raises(InputError) as refused:
        move(api, zones, "failover", "unplanned")
    assert refused.value.field == "confirm_zone_lost" and "mode planned" in refused.value.fix
    assert states(api, zones) == before and not locks(api)
    result = move(api, zones, "failover", "unplanned", confirm_zone_lost=[zone_a])  # by id, as by name
    assert [vm["error"] for vm in result["vms"]] == [None] * 3, result["vms"]


def test_a_planned_failover_of_a_zone_that_is_up_needs_no_confirmation(fresh_cloud):
    _, api, zones = fresh_cloud
    result = move(api, zones, "failover", "planned")
    assert [vm["error"] for vm in result["vms"]] == [None] * 3, result["vms"]


def introduce(api, zones, op):
    assert not any(i.error for i in StorageIntroducer(api).introduce(zones["zone-a"]["id"], op))


def test_two_failovers_at_once_one_runs_the_other_is_refused_naming_it(fresh_cloud):
    server, api, zones = fresh_cloud
    server.ctl("fail-zone", zone="zone-a")
    introduce(api, zones, "failover")
    server.ctl("faults", job_latency=0.5)  # long enough for the two runs to overlap
    outcomes = {}

    def run(name):
        try:
            outcomes[name] = move_vms(client_for(server), "failover", zone="zone-a")
        except InputError as error:
            outcomes[name] = error

    threads = [threading.Thread(target=run, args=(name,)) for name in ("first", "second")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    refused = [o for o in outcomes.values() if isinstance(o, InputError)]
    ran = [o for o in outcomes.values() if not isinstance(o, InputError)]
    assert len(refused) == 1 and len(ran) == 1, outcomes
    assert "zone zone-a is locked by another DR run: failover of zone zone-a by " in refused[0].problem
    assert "break_lock" in refused[0].fix and " pid " in refused[0].problem
    assert [vm["error"] for vm in ran[0]["vms"]] == [None] * 3, ran[0]["vms"]
    assert not locks(api)  # given back
    running = [vm for vm in api.list("listVirtualMachines", listall=True) if vm["state"] == "Running"]
    assert len({vm["name"] for vm in running}) == len(running)  # no VM runs twice


def test_a_killed_runs_lock_refuses_the_next_run_until_broken_or_expired(fresh_cloud):
    server, api, zones = fresh_cloud
    server.ctl("fail-zone", zone="zone-a")
    introduce(api, zones, "failover")
    killed = ZoneLock(api, zones["zone-a"]["id"], "zone-a", "failover", lease=3600)
    killed.acquire()  # and never released: its process was killed
    before = states(api, zones)
    for validate_only in (True, False):  # the plan refuses it, and so does the run
        with pytest.raises(InputError) as refused:
            move_vms(api, "failover", zone="zone-a", validate_only=validate_only)
        assert killed.held.id in refused.value.fix and "failover of zone zone-a by " in refused.value.problem
    assert states(api, zones) == before
    result = move_vms(api, "failover", zone="zone-a", break_lock=killed.held.id)
    assert [vm["error"] for vm in result["vms"]] == [None] * 3, result["vms"]
    assert not locks(api)

    short = ZoneLock(api, zones["zone-a"]["id"], "zone-a", "failback", lease=0.5)
    short.acquire()
    time.sleep(1)  # its lease ran out: the next run takes it over
    server.ctl("recover-zone", zone="zone-a")
    introduce(api, zones, "failback")
    result = move_vms(api, "failback", zone="zone-a", mode="planned")
    assert [vm["error"] for vm in result["vms"]] == [None] * 3, result["vms"]
    assert not locks(api)


def test_a_run_that_read_the_cloud_before_another_run_moved_its_vms_changes_nothing(fresh_cloud):
    """Two operators, one after the other: the second read the cloud while the first ran; once it holds the lock,
    it finds the DR states it planned from are gone and stops before any change, asking for a re-run."""
    server, api, zones = fresh_cloud
    server.ctl("fail-zone", zone="zone-a")
    introduce(api, zones, "failover")
    second = Orchestrator(api, "failover", "unplanned")  # reads the cloud now
    moves, _ = second.select(zone="zone-a")
    assert [vm["error"] for vm in move_vms(api, "failover", zone="zone-a")["vms"]] == [None] * 3  # the first run
    with pytest.raises(InputError) as stale:
        second.check_unchanged(moves)
    assert "another DR run changed" in stale.value.problem and "afresh" in stale.value.fix
    second.check_unchanged([])  # nothing planned, nothing stale


def test_a_lock_group_someone_else_made_holds_until_broken(fresh_cloud):
    """An affinity group of the lock's name without our description (made by hand) holds the zone with no known
    lease: the refusal says so, and breaking it by its id works."""
    _, api, zones = fresh_cloud
    lock = ZoneLock(api, zones["zone-a"]["id"], "zone-a", "failover")
    [job] = api.run([api.submit("createAffinityGroup", name=lock.name, type="host anti-affinity", **lock.account)])
    group = job.result["affinitygroup"]["id"]
    with pytest.raises(InputError) as refused:
        lock.acquire()
    assert "an unknown run by unknown, since unknown, lease until unknown" in refused.value.problem
    assert f"break_lock: {group}" in refused.value.fix
    lock.acquire(break_id=group)
    assert [g["id"] for g in locks(api)] == [lock.held.id] != [group]
    lock.release()
    assert not locks(api)
