"""Clean-up after a cycle (issue 13): what moves left behind is listed first and removed only when confirmed;
a volume that may hold the only copy of its data, or of a VM in a move, is never touched; the next cycle
runs as before."""

import pytest
from ansible_collections.cloudstack.dr.plugins.module_utils.engine.cleanup import clean_up, clone_name
from ansible_collections.cloudstack.dr.plugins.module_utils.engine.fence import zone_fence
from ansible_collections.cloudstack.dr.plugins.module_utils.engine.lock import ZoneLock
from ansible_collections.cloudstack.dr.plugins.module_utils.engine.move import STEPS
from ansible_collections.cloudstack.dr.plugins.module_utils.errors import InputError
from ansible_collections.cloudstack.dr.plugins.module_utils.model.listing import list_both

from .test_replication import markers_of, move, roots, write
from .test_resume import cut_after


def ids_and_roots(api, zones):
    """({name: VM id}, {name: root volume}) of the protected VMs that run in zone-a."""
    volumes = roots(api, zones)
    return {name: vol["virtualmachineid"] for name, vol in volumes.items()}, volumes


def cloud_objects(api):
    """Every volume (shown and hidden) and pool, with what identifies it, and the pools' DR details."""
    volumes = sorted((v["id"], v["storageid"], v.get("virtualmachineid"), v["state"])
                     for v in list_both(api, "listVolumes"))
    pools = sorted((p["id"], p["state"]) for p in api.list("listStoragePools"))
    details = sorted((p[0], d["key"], d["value"]) for p in pools
                     for d in api.list("listResourceDetails", resourcetype="Storage", resourceid=p[0],
                                       fordisplay=False))
    return volumes, pools, details


def planned_cycle(api, zones):
    for op in ("failover", "failback"):
        result = move(api, zones, op, "planned")
        assert [vm["error"] for vm in result["vms"]] == [None] * len(result["vms"]), result["vms"]


def by_kind(result, kind, action="any"):
    return sorted((i["name"], i["where"]) for i in result[kind] if action == "any" or i["action"] == action)


def test_after_a_planned_cycle_it_lists_then_removes_and_the_next_cycle_runs(fresh_cloud):
    server, api, zones = fresh_cloud
    ids, _ = ids_and_roots(api, zones)
    planned_cycle(api, zones)
    before = cloud_objects(api)

    listed = clean_up(api, "zone-a", confirm=False)
    assert cloud_objects(api) == before and not listed["changed"]
    kept_at = {where for _, where in by_kind(listed, "volumes", "unmanage")}
    assert kept_at == {"pool-a1", "pool-a1-replica"}, listed["lines"]  # the first sources; the recovery VMs'
    assert len(by_kind(listed, "volumes", "unmanage")) == 10  # 3 VMs, 5 volumes, on each side
    assert by_kind(listed, "pools", "delete") == [("pool-a1-replica", "zone-b"), ("pool-a2-failback", "zone-a"),
                                                  ("pool-a2-replica", "zone-b")]
    assert by_kind(listed, "pools", None) == [("pool-a1-failback", "zone-a")]  # the VMs run on it
    assert listed["diff"]["after"]["pools"] == ["pool-a1-failback (zone-a)"]
    assert clean_up(api, "zone-a", confirm=True, check_mode=True)["changed"] and cloud_objects(api) == before

    done = clean_up(api, "zone-a", confirm=True)
    assert done["changed"] and done["summary"]["failed"] == 0 and done["summary"]["removed"] == \
        done["summary"]["to_remove"], done["lines"]
    pool_a1 = next(p for p in api.list("listStoragePools") if p["name"] == "pool-a1")
    files = {f["path"] for f in api.list("listVolumesForImport", storageid=pool_a1["id"])}
    assert {v["path"] for v in listed["volumes"] if v["where"] == "pool-a1"} <= files  # unmanaged, not deleted
    again = clean_up(api, "zone-a", confirm=True)
    assert not again["changed"] and again["summary"]["to_remove"] == 0, again["lines"]

    write(server, ids_and_roots(api, zones)[1], "cycle 2: at home")
    server.ctl("fail-zone", zone="zone-a")
    assert not any(vm["error"] for vm in move(api, zones, "failover", "unplanned")["vms"])
    assert markers_of(server, api, ids) == dict.fromkeys(ids, "cycle 2: at home")
    server.ctl("recover-zone", zone="zone-a")
    assert not any(vm["error"] for vm in move(api, zones, "failback", "planned")["vms"])
    assert markers_of(server, api, ids) == dict.fromkeys(ids, "cycle 2: at home")


def test_the_old_sources_volumes_after_a_forced_promotion_stay_until_the_storage_makes_them_read_only(fresh_cloud):
    server, api, zones = fresh_cloud
    volumes = roots(api, zones)
    write(server, volumes, "written at home, never replicated")
    server.ctl("set-replication", array="array-a1", lag_seconds=3600)
    server.ctl("fail-zone", zone="zone-a")
    assert not any(vm["error"] for vm in move(api, zones, "failover", "unplanned", accept_data_loss=True)["vms"])
    server.ctl("recover-zone", zone="zone-a")
    result = clean_up(api, "zone-a", confirm=True)
    home = [v for v in result["volumes"] if v["where"] == "pool-a1"]
    assert home and all(v["action"] is None and "zone zone-a is fenced" in v["reason"] for v in home), home
    zone_fence(api, "zone-a", "absent")

    result = clean_up(api, "zone-a", confirm=True)
    home = [v for v in result["volumes"] if v["where"] == "pool-a1"]
    assert home and all(v["action"] is None and "device array-a1 is writable" in v["reason"] for v in home), home
    for vol in volumes.values():  # the only copy of what the replica missed is still CloudStack's
        assert server.ctl("read-marker", volume=vol["id"])["marker"].endswith("never replicated")

    server.ctl("mirror-demote", array="array-a1")  # the storage admin copied what mattered, then made it read-only
    result = clean_up(api, "zone-a", confirm=True)
    assert {v["where"] for v in result["volumes"] if v["done"]} == {"pool-a1"}, result["lines"]


def test_nothing_of_a_vm_in_a_move_is_touched_and_no_pool_goes_while_it_moves(fresh_cloud):
    server, api, zones = fresh_cloud
    planned_cycle(api, zones)
    clean_up(api, "zone-a", confirm=True)
    server.ctl("mirror-sync", array="failback-a1")
    server.ctl("mirror-promote", array="replica-a1")  # planned: failback-a1 is demoted, read-only
    cut_after(api, zones["zone-a"]["id"], "failover", STEPS[:STEPS.index("attach") + 1])

    result = clean_up(api, "zone-a", confirm=True)
    sources = [v for v in result["volumes"] if v["where"] == "pool-a1-failback"]
    assert sources and all(v["action"] is None and "is in a move" in v["reason"] for v in sources), result["lines"]
    assert all(p["action"] is None and "in a move" in p["reason"] for p in result["pools"]
               if not p["reason"].startswith("volumes stay")), result["lines"]
    assert not result["changed"]

    finished = move(api, zones, "failover", "planned")
    assert [vm["error"] for vm in finished["vms"]] == [None] * 3, finished["vms"]
    result = clean_up(api, "zone-a", confirm=True)
    assert {v["where"] for v in result["volumes"] if v["done"]} == {"pool-a1-failback"}, result["lines"]


def test_it_deletes_the_clones_dr_made_that_no_pool_uses(fresh_cloud):
    server, api, zones = fresh_cloud
    ours, used, theirs = clone_name("replica-a1", "drill-1"), clone_name("replica-a1", "drill-2"), "backup-of-a1"
    for name, host in ((ours, 91), (used, 92), (theirs, 93)):
        server.ctl("mirror-clone", array="replica-a1", name=name, url=f"nfs://10.2.0.{host}/export/{name}")
    cluster = next(c for c in api.list("listClusters") if c["zoneid"] == zones["zone-b"]["id"])
    api.call("createStoragePool", name=used, url=f"nfs://10.2.0.92/export/{used}", zoneid=zones["zone-b"]["id"],
             podid=cluster["podid"], clusterid=cluster["id"], scope="cluster", hypervisor="KVM")

    result = clean_up(api, "zone-a", confirm=True)
    assert [(c["name"], c["done"]) for c in result["clones"]] == [(ours, True), (used, False)], result["lines"]
    left = {a["array"] for a in server.ctl("mirror-list")}
    assert ours not in left and {used, theirs} <= left


def test_a_zone_without_storage_maps_is_refused_naming_the_field(fresh_cloud):
    _, api, _ = fresh_cloud
    with pytest.raises(InputError) as refused:
        clean_up(api, "zone-b", confirm=True)
    assert refused.value.field == "zone" and "storage map" in str(refused.value)
    with pytest.raises(InputError) as refused:
        clean_up(api, "zone-z", confirm=True)
    assert refused.value.field == "zone" and "zone-a" in str(refused.value)


def test_no_pool_goes_while_a_dr_run_holds_the_zones_lock(fresh_cloud):
    _, api, zones = fresh_cloud
    planned_cycle(api, zones)
    run = ZoneLock(api, zones["zone-a"]["id"], "zone-a", "failover")
    run.acquire()  # another operator's failover of zone-a is starting
    held = clean_up(api, "zone-a", confirm=False)  # the listing says why the pools stay
    assert all("holds the zone's lock (failover of zone zone-a by " in p["reason"] for p in held["pools"]
               if not p["reason"].startswith("volumes stay")), held["lines"]
    before = cloud_objects(api)
    with pytest.raises(InputError) as refused:  # confirmed, clean-up itself waits for the lock: nothing changes
        clean_up(api, "zone-a", confirm=True)
    assert cloud_objects(api) == before
    assert "is locked by another DR run: failover of zone zone-a" in refused.value.problem
    run.release()
    assert any(p["done"] for p in clean_up(api, "zone-a", confirm=True)["pools"])
