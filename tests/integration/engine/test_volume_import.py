"""volume_import's work (the record, import and attach steps of a move, alone) is idempotent: a second run
reports no change and asks CloudStack for no write; vm_failover then finishes the move from there."""

from ansible_collections.cloudstack.dr.plugins.module_utils.engine.introduce import StorageIntroducer
from ansible_collections.cloudstack.dr.plugins.module_utils.engine.orchestrate import import_volumes, move_vms

READS = ("list", "query", "get")


def writes_during(server, work):
    """(what `work()` returns, the write commands the simulator answered meanwhile)."""
    before = server.ctl("status")["api_calls"]
    result = work()
    after = server.ctl("status")["api_calls"]
    return result, {c: n - before.get(c, 0) for c, n in after.items() if n != before.get(c, 0)
                    and not c.startswith(READS)}


def test_a_second_import_changes_nothing_and_writes_nothing(fresh_cloud):
    server, api, zones = fresh_cloud
    server.ctl("fail-zone", zone="zone-a")
    StorageIntroducer(api).introduce(zones["zone-a"]["id"], "failover")
    first = import_volumes(api, "failover", zone="zone-a")
    assert first["changed"] and first["summary"]["failed"] == 0, first["vms"]
    again, writes = writes_during(server, lambda: import_volumes(api, "failover", zone="zone-a"))
    assert not again["changed"] and again["summary"]["failed"] == 0, again["vms"]
    assert writes == {}
    done = move_vms(api, "failover", zone="zone-a")
    assert done["summary"]["failed"] == 0, done["vms"]
