"""What the owner sees while its VM moves (issue 14): at every step boundary of a failover and of the failback, one
VM with the id it knows, its DR state, tier, RTO and RPO, where it runs and since when; never a second VM, never
none. And it cannot start the VM before the move has attached its data."""

import pytest
from ansible_collections.cloudstack.dr.plugins.module_utils.client.api import CloudStackError
from ansible_collections.cloudstack.dr.plugins.module_utils.engine.fence import zone_fence
from ansible_collections.cloudstack.dr.plugins.module_utils.engine.introduce import StorageIntroducer
from ansible_collections.cloudstack.dr.plugins.module_utils.engine.move import STEPS, MoveRun
from ansible_collections.cloudstack.dr.plugins.module_utils.engine.orchestrate import Orchestrator
from ansible_collections.cloudstack.dr.plugins.module_utils.model.snapshot import Snapshot

from .conftest import client_for

ZONE_OF = {"failover": "zone-b", "failback": "zone-a"}
DONE = {"failover": "FailedOver", "failback": "Prepared"}
MOVING = {"failover": "FailingOver", "failback": "FailingBack"}


def one_step(api, zone_id, op, step):
    """Run one step of `op` for every VM of zone-a, its storage replicated through the adapter, as a run killed
    after it would leave them."""
    mode = "unplanned" if op == "failover" else "planned"
    orch = Orchestrator(api, op, mode)
    moves, refused = orch.select(zone="zone-a")
    assert not refused
    pool_map, storage = orch.storage([zone_id])
    results = MoveRun(api, orch.snap, op, pool_map, mode, storage=storage).run(moves, steps=(step,))
    assert [r["error"] for r in results] == [None] * len(results), (op, step, results)


def owners_view(server, pairs):
    """{VM name: [the VMs its owner lists under that name]} for every DR VM, as each owner sees them."""
    seen = {}
    for account in sorted({p["original"]["account"] for p in pairs}):
        for vm in client_for(server, account).list("listVirtualMachines"):
            seen.setdefault(vm["name"], []).append(vm)
    return seen


def test_the_owner_sees_its_vm_with_its_status_at_every_step(fresh_cloud):
    server, api, zones = fresh_cloud
    pairs = list(Snapshot(api, network=False).pairs().values())
    ids = {p["original"]["name"]: p["original"]["id"] for p in pairs}
    server.ctl("fail-zone", zone="zone-a")
    zone_fence(api, "zone-a", "present")  # as the failover does before its first step; failback's storage lifts it
    for op, home in (("failover", "zone-a"), ("failback", "zone-b")):
        if op == "failback":
            server.ctl("recover-zone", zone="zone-a")
        StorageIntroducer(api).introduce(zones["zone-a"]["id"], op)
        moved_at = None
        for step in STEPS:
            one_step(api, zones["zone-a"]["id"], op, step)
            seen = owners_view(server, pairs)
            for name, user_id in ids.items():
                assert [vm["id"] for vm in seen.get(name, [])] == [user_id], (op, step, name, seen.get(name))
                [vm] = seen[name]
                copy = vm["details"]
                assert (copy["dr.tier"], copy["dr.rto"]) == ("1", "1h") and "dr.rpo" in copy, (op, step, copy)
                if step == "finish":
                    assert (copy["dr.state"], copy["dr.runs_in"], vm["zonename"]) == (DONE[op], ZONE_OF[op],
                                                                                      ZONE_OF[op]), (op, copy)
                    assert copy["dr.runs_since"] >= moved_at
                else:
                    assert copy["dr.state"] == MOVING[op], (op, step, copy)
                    assert copy["dr.runs_in"] == f"moving from {home} to {ZONE_OF[op]}", (op, step, copy)
                    moved_at = moved_at or copy["dr.runs_since"]
                    assert copy["dr.runs_since"] == moved_at  # the move's start, on the source and the target
            if step == "swap" and op == "failover":
                # Shown in the recovery zone before its data is there: its owner cannot start it.
                acme = client_for(server, "acme")
                with pytest.raises(CloudStackError) as refused:
                    acme.run([acme.submit("startVirtualMachine", id=ids["acme-web-1"])])
                assert "no usable volumes found for the VM" in refused.value.errortext, refused.value.errortext
