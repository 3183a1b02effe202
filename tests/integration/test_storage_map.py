"""storage_map through Ansible against the simulator: the lifecycle, the engine reading it, bad input."""

import pytest

from .conftest import DEMO_CONFIG, ROOT, absent, module, playbook, resource_details, run_target, untouched

POOL_A1 = {"pool": "pool-a1", "replica": {"url": "nfs://10.2.0.21/export/replica-a1", "tags": ["dr"]},
           "failback": {"url": "nfs://10.1.0.31/export/failback-a1"}}


def pool_details(sim) -> dict:
    return resource_details(sim, "Storage", "listStoragePools")


def unchanged(sim) -> bool:
    return untouched(sim, "Storage", "listStoragePools")


@pytest.fixture(autouse=True)
def _clean(env):
    """Every test ends with no storage map and no zone link."""
    yield
    absent(env(), "storage_map", "pool", ("pool-a1", "pool-a2", "pool-b1", "pool-b2"))
    absent(env(), "zone_link", "active_zone", ("zone-a", "zone-b"))


def test_target_playbook(sim, env):
    """The target: check mode -> apply -> idempotence -> diff -> errors -> absent, cleanup in always."""
    run_target("storage_map", env())
    assert unchanged(sim)


def test_check_apply_idempotence_absent(sim, env, linked):
    rc, check, _ = module("storage_map", env(), POOL_A1, check=True)
    assert rc == 0 and check["changed"] and unchanged(sim)
    rc, first, _ = module("storage_map", env(), POOL_A1)
    assert rc == 0 and first["changed"] and first["actions"] == check["actions"]
    replica, failback = first["storage_map"]["replica"], first["storage_map"]["failback"]
    assert pool_details(sim)["pool-a1"] == {
        "dr.replica_zone": replica["zone"]["id"], "dr.replica_url": "nfs://10.2.0.21/export/replica-a1",
        "dr.replica_scope": "cluster", "dr.replica_pod": replica["pod"]["id"],
        "dr.replica_cluster": replica["cluster"]["id"], "dr.replica_tags": "dr",
        "dr.failback_zone": failback["zone"]["id"], "dr.failback_url": "nfs://10.1.0.31/export/failback-a1",
        "dr.failback_scope": "cluster", "dr.failback_pod": failback["pod"]["id"],
        "dr.failback_cluster": failback["cluster"]["id"], "dr.failback_tags": "dr",
    }
    rc, second, _ = module("storage_map", env(), POOL_A1)
    assert rc == 0 and not second["changed"]
    rc, gone, _ = module("storage_map", env(), {"pool": "pool-a1", "state": "absent"})
    assert rc == 0 and gone["changed"] and unchanged(sim)


def test_the_engine_finds_the_map(sim, env, linked):
    """storage_introduce (check mode) reads the keys storage_map wrote."""
    assert module("storage_map", env(), POOL_A1)[0] == 0
    rc, result, _ = module("storage_introduce", env(), {"zone": "zone-a"}, check=True)
    assert rc == 0, result.get("msg")
    assert [p["source"]["name"] for p in result["pools"]] == ["pool-a1"]


@pytest.mark.parametrize("options, field, words", [
    ({**POOL_A1, "pool": "nope"}, "pool", "no primary storage pool has the name or id 'nope'"),
    ({**POOL_A1, "pool": "pool-b1"}, "pool", "which is not linked to a recovery zone. Run cloudstack.dr.zone_link"),
    ({**POOL_A1, "replica": {"url": "nfs://10.1.0.11/export/pool-a1"}}, "replica.url", "is the URL of pool pool-a1"),
    ({**POOL_A1, "replica": {"url": "/export/replica-a1"}}, "replica.url", "is not a primary storage URL"),
    ({**POOL_A1, "replica": {"url": POOL_A1["replica"]["url"], "cluster": "zone-a-cluster1"}}, "replica.cluster",
     "no cluster of zone zone-b has the name or id 'zone-a-cluster1'. Use one of: zone-b-cluster1"),
    ({**POOL_A1, "failback": {"url": POOL_A1["failback"]["url"], "pod": "zone-b-pod1"}}, "failback.pod",
     "no pod of zone zone-a has the name or id 'zone-b-pod1'"),
])
def test_bad_input_fails_before_any_change(sim, env, linked, options, field, words):
    rc, result, _ = module("storage_map", env(), options)
    assert rc != 0 and result["failure"] == {"field": field} and words in result["msg"], result.get("msg")
    assert unchanged(sim)


def test_a_tenant_key_gets_a_clear_error(sim, env, linked):
    rc, result, _ = module("storage_map", env(CLOUDSTACK_REGION="acme"), POOL_A1)
    assert rc != 0 and result["failure"] == {"field": "api_key"} and "root admin" in result["msg"]
    assert unchanged(sim)


def test_configure_playbook_applies_the_demo_file(sim, env):
    """playbooks/configure.yml with the demo's file: links, dr-small and the four pools; a rerun changes nothing."""
    try:
        first = playbook(ROOT / "playbooks/configure.yml", env(), "-e", f"dr_config={DEMO_CONFIG}")
        assert first.returncode == 0, first.stdout + first.stderr
        pools = pool_details(sim)
        assert {name: d["dr.replica_url"] for name, d in pools.items()} == {
            "pool-a1": "nfs://10.2.0.21/export/replica-a1", "pool-a2": "nfs://10.2.0.22/export/replica-a2",
            "pool-b1": "nfs://10.1.0.21/export/replica-b1", "pool-b2": "nfs://10.1.0.22/export/replica-b2"}
        assert pools["pool-b2"]["dr.failback_url"] == "nfs://10.2.0.32/export/failback-b2"
        assert {k: pools["pool-a1"][k] for k in ("dr.replication_adapter", "dr.replication_device",
                                                 "dr.replica_device", "dr.failback_device")} == {
            "dr.replication_adapter": "simulator", "dr.replication_device": "array-a1",
            "dr.replica_device": "replica-a1", "dr.failback_device": "failback-a1"}
        offering = resource_details(sim, "ServiceOffering", "listServiceOfferings")["dr-small"]
        assert offering == {"dr.enabled": "true", "dr.tier": "1", "dr.rto": "1h", "dr.rpo": "15m",
                            "dr.storage_tags": "dr"}
        again = playbook(ROOT / "playbooks/configure.yml", env(), "-e", f"dr_config={DEMO_CONFIG}")
        assert again.returncode == 0 and "changed=0" in again.stdout, again.stdout
    finally:
        absent(env(), "dr_offering", "offering", ["dr-small"])
