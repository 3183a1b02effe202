"""Tier order and planned moves: tier 1 is running before tier 2 starts; a planned failover of a
healthy zone stops the originals cleanly and a planned failback brings them home."""

import pytest
from ansible_collections.cloudstack.dr.plugins.module_utils.engine.introduce import StorageIntroducer
from ansible_collections.cloudstack.dr.plugins.module_utils.engine.orchestrate import import_volumes, move_vms
from ansible_collections.cloudstack.dr.plugins.module_utils.engine.prepare import prepare_vms
from ansible_collections.cloudstack.dr.plugins.module_utils.errors import InputError
from ansible_collections.cloudstack.dr.plugins.module_utils.model.snapshot import Snapshot

from ... import drapi


def test_tier_one_runs_before_tier_two_starts_and_planned_moves_round_trip(fresh_cloud):
    server, api, zones = fresh_cloud
    snap = Snapshot(api, network=False)
    db = next(vm for vm in snap.vms.values() if vm["name"] == "globex-db-1")
    drapi.in_tier(api, db, 2)
    StorageIntroducer(api).introduce(zones["zone-a"]["id"], "failover")
    since = server.ctl("joblog")[-1]["ended"]
    result = move_vms(api, "failover", zone="zone-a", mode="planned")
    assert sorted((r["name"], r["tier"], r["error"]) for r in result["vms"]) == [
        ("acme-app-1", 1, None), ("acme-web-1", 1, None), ("globex-db-1", 2, None)]
    assert result["vms"][-1]["name"] == "globex-db-1"  # reported in the order moved
    starts = [j for j in server.ctl("joblog", since=since) if j["cmd"] == "startVirtualMachine"]
    tier2_start = min(j["started"] for j in starts if j["instanceid"] == db["id"])
    tier1_running = max(j["ended"] for j in starts if j["instanceid"] != db["id"])
    assert len(starts) == 3 and tier1_running <= tier2_start
    stops = [j for j in server.ctl("joblog", since=since) if j["cmd"] == "stopVirtualMachine"]
    assert len(stops) == 3 and all(j["status"] == 1 for j in stops)  # clean stops: the zone is up

    StorageIntroducer(api).introduce(zones["zone-a"]["id"], "failback")
    back = move_vms(api, "failback", zone="zone-a", mode="planned")
    assert back["summary"] == {"selected": 3, "done": 3, "failed": 0, "refused": 0, "held": 0}
    home = {vm["name"]: vm for vm in api.list("listVirtualMachines", listall=True, zoneid=zones["zone-a"]["id"])}
    assert all(home[n]["state"] == "Running" for n in ("acme-app-1", "acme-web-1", "globex-db-1"))


def test_filters_that_name_nothing_are_refused_before_any_change(fresh_cloud):
    server, api, _ = fresh_cloud
    before = server.ctl("status")["api_calls"]
    for kwargs, option, fix in (({"account": "acmee"}, "account", "Check the account's name"),
                                ({"domain": "custmers"}, "domain", "Use one of: ROOT"),
                                ({"tiers": [0]}, "tiers[0]", "tiers of 1 or more")):
        with pytest.raises(InputError) as info:
            move_vms(api, "failover", zone="zone-a", **kwargs)
        assert info.value.field == option and fix in info.value.fix, info.value
    with pytest.raises(InputError) as info:
        prepare_vms(api, zone="zone-a", account="acmee")
    assert info.value.field == "account"
    writes = {c: n for c, n in server.ctl("status")["api_calls"].items()
              if not c.startswith(("list", "query")) and n != before.get(c)}
    assert writes == {}
    # An account that exists but has no DR VM selects nothing, without an error.
    assert move_vms(api, "failover", zone="zone-a", account="customers-admin")["vms"] == []


def test_a_tier_waits_for_the_tiers_before_it_unless_the_gate_is_off(fresh_cloud):
    """Tier 2 (the application) does not start while a VM of tier 1 (the database) did not finish; a re-run
    finishes both; with tier_gate=false, tier 2 starts regardless."""
    server, api, zones = fresh_cloud
    snap = Snapshot(api, network=False)
    db = next(vm for vm in snap.vms.values() if vm["name"] == "globex-db-1")
    drapi.in_tier(api, db, 2)
    server.ctl("fail-zone", zone="zone-a")
    StorageIntroducer(api).introduce(zones["zone-a"]["id"], "failover")
    server.ctl("faults", commands={"startVirtualMachine": 1.0})
    try:
        held = move_vms(api, "failover", zone="zone-a", tiers=[1, 2])
    finally:
        server.ctl("faults", commands={})
    entries = {r["name"]: r for r in held["vms"]}
    assert entries["globex-db-1"]["held"] and entries["globex-db-1"]["waiting_for"] == ["acme-app-1", "acme-web-1"]
    assert held["summary"] == {"selected": 3, "done": 0, "failed": 3, "refused": 0, "held": 1}
    assert held["tier_text"] == ["tier 1: 0 of 2 VMs done, 2 failed",
                                 "tier 2 not started: acme-app-1, acme-web-1 of an earlier tier did not finish"]
    assert "dr.move" not in drapi.details(api, "UserVm", db["id"])  # never begun

    server.ctl("faults", commands={"startVirtualMachine": 1.0})
    try:
        ungated = move_vms(api, "failover", zone="zone-a", tiers=[2], tier_gate=False)
    finally:
        server.ctl("faults", commands={})
    assert [(r["name"], r["held"]) for r in ungated["vms"]] == [("globex-db-1", False)]

    done = move_vms(api, "failover", zone="zone-a")
    assert done["summary"] == {"selected": 3, "done": 3, "failed": 0, "refused": 0, "held": 0}, [
        (r["name"], r["error"]) for r in done["vms"]]


def test_a_resumed_move_whose_tier_was_lost_moves_after_the_known_tiers(fresh_cloud):
    """A move in flight is resumed whatever its tier, which may be lost since (its offering's dr.tier
    hand-edited): the known tiers move first, then it (sorting the tiers raised TypeError before any move)."""
    server, api, zones = fresh_cloud
    snap = Snapshot(api, network=False)
    db = next(vm for vm in snap.vms.values() if vm["name"] == "globex-db-1")
    drapi.in_tier(api, db, 2)
    server.ctl("fail-zone", zone="zone-a")
    StorageIntroducer(api).introduce(zones["zone-a"]["id"], "failover")
    assert import_volumes(api, "failover", names=[db["id"]])["summary"]["failed"] == 0
    offering = next(o for o in api.list("listServiceOfferings") if o["name"] == "dr-tier-2")
    drapi.write(api, "ServiceOffering", offering["id"], {"dr.tier": "two"})
    result = move_vms(api, "failover", zone="zone-a")
    assert sorted((r["name"], r["tier"], r["error"]) for r in result["vms"]) == [
        ("acme-app-1", 1, None), ("acme-web-1", 1, None), ("globex-db-1", None, None)]
    assert result["vms"][-1]["name"] == "globex-db-1"  # reported in the order moved
