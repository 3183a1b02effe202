"""engine.validate on the cases the demo cloud cannot make: a VM on another hypervisor, a root disk on managed
storage, an encrypted volume (the integration tests cover the others against the simulator)."""

import pytest
from ansible_collections.cloudstack.dr.plugins.module_utils.engine.move import Move
from ansible_collections.cloudstack.dr.plugins.module_utils.engine.validate import DEFAULT_SETTINGS, Facts, MoveChecks
from ansible_collections.cloudstack.dr.plugins.module_utils.vocabulary.states import direction

GIB = 1024**3
POOL = {"id": "p1", "name": "pool-a1", "type": "NetworkFilesystem"}
MAP = {"p1": {"dr.replica_url": "nfs://10.2.0.21/export/replica-a1", "dr.replica_cluster": "c-b"}}


def checks(pools=(POOL,)) -> MoveChecks:
    found = MoveChecks.__new__(MoveChecks)
    found.direction, found.maps = direction("failover"), MAP
    found.facts = Facts(pools={p["id"]: p for p in pools}, clusters={"c-b": {"hypervisortype": "KVM"}},
                        snapshots={}, disk_offerings={}, accounts={}, settings=dict(DEFAULT_SETTINGS))
    return found


def move(hypervisor="KVM") -> Move:
    vm = {"id": "vm-1", "name": "web-1", "hypervisor": hypervisor, "account": "acme", "domainid": "d"}
    return Move(vm, {"id": "rec-1", "name": "web-1", "hypervisor": "KVM"}, direction("failover"))


def root(**extra) -> dict:
    return {"id": "v1", "name": "ROOT-1", "type": "ROOT", "storageid": "p1", "size": 5 * GIB,
            "provisioningtype": "sparse", "templateid": "t1", **extra}


@pytest.mark.parametrize("hypervisor, pool, volume, words", [
    ("Hyperv", POOL, root(), "runs on Hyperv, and CloudStack detaches and attaches root disks only on KVM"),
    ("KVM", {**POOL, "managed": True}, root(), "it is on managed storage (pool-a1)"),
    ("KVM", POOL, root(encryptformat="luks"), "it is encrypted, and CloudStack does not import an encrypted file"),
])
def test_refusals_the_demo_cannot_make(hypervisor, pool, volume, words):
    m = move(hypervisor)
    reasons = checks([pool]).refusals([m], {"vm-1": [volume]})
    assert words in reasons[id(m)]


def test_a_full_copy_root_disk_of_the_right_size_moves():
    m = move()
    assert checks().refusals([m], {"vm-1": [root()]}) == {}


def test_a_started_move_is_not_checked_again():
    """Its volumes may already be detached and imported: the journal finishes it."""
    m = move("Hyperv")
    m.done_before = True
    assert checks().refusals([m], {"vm-1": [root(encryptformat="luks")]}) == {}
