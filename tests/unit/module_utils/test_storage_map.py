import json
import sys

import pytest
from ansible_collections.cloudstack.dr.plugins.module_utils.config.storage_map import StorageMaps
from ansible_collections.cloudstack.dr.plugins.module_utils.errors import InputError

REPLICA = {"url": "nfs://10.2.0.21/export/replica-a1"}
FAILBACK = {"url": "nfs://10.1.0.31/export/failback-a1"}
MAPPED = {
    "dr.replica_zone": "z-b", "dr.replica_url": REPLICA["url"], "dr.replica_scope": "cluster",
    "dr.replica_pod": "p-b", "dr.replica_cluster": "c-b", "dr.replica_tags": "dr",
    "dr.failback_zone": "z-a", "dr.failback_url": FAILBACK["url"], "dr.failback_scope": "cluster",
    "dr.failback_pod": "p-a", "dr.failback_cluster": "c-a", "dr.failback_tags": "dr",
}


@pytest.fixture
def linked(fake):
    """zone-a -> zone-b, zone-b -> zone-c (two pods, a cluster each); zone-c is not linked."""
    fake.details.update({("z-a", "dr.recovery_zone"): ("z-b", True), ("z-b", "dr.recovery_zone"): ("z-c", True)})
    return fake


def target(**fields):
    return {"scope": "cluster", "pod": None, "cluster": None, "tags": None, **fields}


def storage_map(client, pool="pool-a1", replica=REPLICA, failback=FAILBACK, state="present"):
    """Plan and apply like the module does (which fills omitted suboptions with None); return the outcome."""
    maps = StorageMaps(client)
    maps.check_caller()
    outcome = maps.plan(pool, replica and target(**replica), failback and target(**failback), state)
    if outcome.changed:
        maps.apply(outcome)
    return outcome


def pool_details(fake, rid="s-a1"):
    return {k: v for (r, k), v in fake.details.items() if r == rid}


def test_maps_the_pool_with_defaults_then_is_idempotent(client, linked):
    first = storage_map(client)
    assert first.changed
    assert pool_details(linked) == {k: (v, False) for k, v in MAPPED.items()}  # all hidden
    assert first.value["replica"] == {"zone": {"id": "z-b", "name": "zone-b"}, "url": REPLICA["url"],
                                      "scope": "cluster", "pod": {"id": "p-b", "name": "pod-b"},
                                      "cluster": {"id": "c-b", "name": "cluster-b"}, "tags": ["dr"], "device": None}
    assert first.value["failback"]["zone"] == {"id": "z-a", "name": "zone-a"}
    assert first.value["pool"] == {"id": "s-a1", "name": "pool-a1"} and first.value["state"] == "present"
    assert first.before == {"pool-a1": {}} and first.after == {"pool-a1": dict(sorted(MAPPED.items()))}
    writes = len(linked.writes())
    again = storage_map(client, pool="s-a1", replica={**REPLICA, "pod": "pod-b", "cluster": "c-b", "tags": ["dr"]})
    assert not again.changed and again.before == again.after and len(linked.writes()) == writes


def test_plan_alone_writes_nothing(client, linked):
    outcome = StorageMaps(client).plan("pool-a1", target(**REPLICA), None)
    assert outcome.changed and linked.writes() == [] and pool_details(linked) == {}
    assert outcome.value["failback"] is None


def test_omitted_failback_is_kept_and_engine_keys_are_never_touched(client, linked):
    storage_map(client)
    linked.details[("s-a1", "dr.replica_pool")] = ("s-intro", False)  # the engine introduced the replica
    outcome = storage_map(client, replica={**REPLICA, "tags": []}, failback=None)
    assert outcome.actions() == [{"resource": "pool pool-a1", "set": {}, "remove": ["dr.replica_tags"]}]
    assert outcome.value["failback"]["url"] == FAILBACK["url"]  # as stored
    storage_map(client, state="absent")
    assert pool_details(linked) == {"dr.replica_pool": ("s-intro", False)}
    assert not storage_map(client, state="absent").changed


def test_zone_scope_stores_no_pod_or_cluster(client, linked):
    storage_map(client, replica={**REPLICA, "scope": "zone"}, failback=None)
    assert "dr.replica_cluster" not in pool_details(linked) and pool_details(linked)["dr.replica_scope"][0] == "zone"


def test_a_pod_narrows_the_clusters(client, linked):
    """zone-c has two pods with one cluster each: the pod is enough."""
    outcome = storage_map(client, pool="pool-b1", replica={"url": "nfs://10.3.0.21/export/r-b1", "pod": "pod-c2"},
                          failback=None)
    assert outcome.value["replica"]["cluster"]["name"] == "cluster-c2"
    assert pool_details(linked, "s-b1")["dr.replica_pod"] == ("p-c2", False)
    assert "dr.replica_tags" not in pool_details(linked, "s-b1")  # pool-b1 has no tags


@pytest.mark.parametrize("kwargs, field, words", [
    ({"pool": "nope"}, "pool", "no primary storage pool has the name or id 'nope'. Use one of: pool-a1, pool-b1"),
    ({"pool": "pool-c1"}, "pool", ("pool pool-c1 is in zone zone-c, which is not linked to a recovery zone. "
                                  "Run cloudstack.dr.zone_link")),
    ({"replica": None}, "replica", "is required with state=present"),
    ({"replica": {"url": "nfs://10.1.0.11/export/pool-a1/"}}, "replica.url",
     "is the URL of pool pool-a1 itself"),
    ({"replica": {"url": "10.2.0.21:/export/replica-a1"}}, "replica.url", "is not a primary storage URL"),
    ({"replica": {"url": "http://10.2.0.21/export"}}, "replica.url", "is not a primary storage URL"),
    ({"replica": {"url": "nfs://10.2.0.21"}}, "replica.url", "Give scheme://host/path"),
    ({"replica": {"url": "nfs:///export/x"}}, "replica.url", "not a primary storage URL"),
    ({"failback": {"url": ""}}, "failback.url", "not a primary storage URL"),
    ({"replica": {**REPLICA, "scope": "host"}}, "replica.scope", "'host' is not a scope"),
    ({"replica": {**REPLICA, "cluster": "cluster-a"}}, "replica.cluster",
     "no cluster of zone zone-b has the name or id 'cluster-a'. Use one of: cluster-b"),
    ({"replica": {**REPLICA, "pod": "pod-a"}}, "replica.pod", "no pod of zone zone-b has the name or id 'pod-a'"),
    ({"failback": {**FAILBACK, "cluster": "cluster-b"}}, "failback.cluster", "no cluster of zone zone-a"),
    ({"replica": {**REPLICA, "scope": "zone", "cluster": "cluster-b"}}, "replica.cluster",
     "applies only to scope cluster"),
    ({"replica": {**REPLICA, "tags": ["dr,fast"]}}, "replica.tags[0]", "is not a storage tag"),
    ({"pool": "pool-b1", "replica": {"url": "nfs://10.3.0.21/export/r"}, "failback": None}, "replica.cluster",
     ("there are 2 clusters of zone zone-c, so the cluster to introduce the pool in is not clear. "
     "Give replica.cluster (one of: cluster-c1, cluster-c2) or use scope: zone")),
    ({"pool": "pool-b1", "replica": {"url": "nfs://10.3.0.21/export/r", "pod": "pod-c1", "cluster": "cluster-c2"},
      "failback": None}, "replica.cluster", "no cluster of pod pod-c1 has the name or id 'cluster-c2'"),
])
def test_bad_input_fails_before_any_write(client, linked, kwargs, field, words):
    with pytest.raises(InputError) as info:
        storage_map(client, **kwargs)
    assert info.value.field == field and words in str(info.value) and str(info.value).startswith(field)
    assert linked.writes() == []


def test_a_pool_name_used_in_two_zones_needs_its_id(client, linked):
    linked.pools.append({**linked.pools[1], "id": "s-a9", "zoneid": "z-a"})
    with pytest.raises(InputError, match="several primary storage pools are named 'pool-b1'. Give its id"):
        storage_map(client, pool="pool-b1")


def test_a_tenant_key_is_refused_before_anything_is_read(client, linked):
    linked.admin = False
    with pytest.raises(InputError) as info:
        storage_map(client)
    assert info.value.field == "api_key" and "primary storage pool details" in str(info.value)
    assert [c for c, _ in linked.calls] == ["listApis"]


# -- replication through an adapter --------------------------------------------------------------
def devices_adapter(tmp_path, statuses):
    """A command adapter whose discover answers `statuses` (device -> (role, peer))."""
    listing = [{"device": d, "role": role, "peer": peer, "state": "mirrored" if peer else None,
                "writable": role != "target"} for d, (role, peer) in statuses.items()]
    path = tmp_path / "adapter"
    path.write_text(f"#!{sys.executable}\nimport json\nprint(json.dumps({{'ok': True, 'result': {listing!r}}}))\n")
    path.chmod(0o755)
    return {"adapter": "command", "device": "array-a1", "options": {"executable": str(path)}}


def replicated(client, replication, replica_device="replica-a1", failback_device="failback-a1"):
    maps = StorageMaps(client)
    outcome = maps.plan("pool-a1", target(**REPLICA, device=replica_device),
                        target(**FAILBACK, device=failback_device), "present", replication)
    if outcome.changed:
        maps.apply(outcome)
    return outcome


def test_the_replication_is_stored_once_the_adapter_knows_every_device(client, linked, tmp_path):
    replication = devices_adapter(tmp_path, {"array-a1": ("source", "replica-a1"),
                                             "replica-a1": ("target", "array-a1"), "failback-a1": ("none", None)})
    first = replicated(client, replication)
    stored = pool_details(linked)
    assert stored["dr.replication_adapter"] == ("command", False)
    assert json.loads(stored["dr.replication_options"][0]) == {"executable": replication["options"]["executable"],
                                                                "timeout": 60.0}
    assert (stored["dr.replication_device"], stored["dr.replica_device"], stored["dr.failback_device"]) == \
        (("array-a1", False), ("replica-a1", False), ("failback-a1", False))
    assert first.value["replication"] == replication
    assert not replicated(client, replication).changed


@pytest.mark.parametrize("statuses, replica_device, words", [
    ({"array-a1": ("source", "replica-a1"), "failback-a1": ("none", None)}, "replica-a1",
     "replica.device: 'replica-a1' is not a device of the replication adapter"),
    ({"array-a1": ("source", "replica-a9"), "replica-a1": ("none", None), "replica-a9": ("target", "array-a1"),
      "failback-a1": ("none", None)}, "replica-a1", "device array-a1 replicates to replica-a9, which this map"),
])
def test_a_mistyped_or_wrong_device_is_refused_before_any_write(client, linked, tmp_path, statuses,
                                                                 replica_device, words):
    with pytest.raises(InputError, match=words):
        replicated(client, devices_adapter(tmp_path, statuses), replica_device)
    assert pool_details(linked) == {}


def test_replication_needs_the_replicas_device(client, linked, tmp_path):
    replication = devices_adapter(tmp_path, {"array-a1": ("none", None)})
    with pytest.raises(InputError, match="replica.device: is required with replication"):
        replicated(client, replication, replica_device=None)
