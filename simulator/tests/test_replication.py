"""Storage replication as the simulator models it: the storage arrays' mirrors, not CloudStack.

CloudStack knows nothing of replication: a DR tool drives the storage (NetApp SnapMirror, Ceph RBD mirroring, ZFS
send/receive) and introduces the replica as a primary pool. These tests follow what such storage does, not a Java
method: each docstring names the storage behaviour it follows (simulator/rules/storage.md, "Replication (the
storage, not CloudStack)"). Mirrors made for a test are new arrays (add-array + set-replication) so the tests do
not depend on each other; `advance-clock` moves the storage clock for lags of minutes and hours.
"""

import cs
import pytest

from .storage_support import (
    create_pool,
    job_error,
    run,
    service_offering,
    unique,
    zone,
)

_octets = iter(range(100, 250))


def mirror(server, lag=0, mode="continuous"):
    """A new source array in zone-a mirroring to a new target array in zone-b: (source, target) names."""
    n = next(_octets)
    source = server.ctl("add-array", name=unique("src"), zone="zone-a", url=f"nfs://10.1.0.{n}/export/src")["name"]
    target = server.ctl("add-array", name=unique("dst"), zone="zone-b", url=f"nfs://10.2.0.{n}/export/dst")["name"]
    server.ctl("set-replication", array=source, target=target, mode=mode, lag_seconds=lag)
    return source, target


def marker(server, array, path="disk"):
    """The marker of the file on the array, or None when the array has no such file."""
    try:
        return server.ctl("read-file", array=array, path=path)["marker"]
    except SystemExit as exc:
        assert "No file" in str(exc)
        return None


def refused(server, op, **args):
    """The text of a control op's refusal."""
    with pytest.raises(SystemExit) as info:
        server.ctl(op, **args)
    return str(info.value).split(": ", 1)[1]


def zone_b_network(admin):
    """An isolated network of the admin in zone-b (a recovery VM's)."""
    offering = admin.listNetworkOfferings(name="DefaultIsolatedNetworkOfferingWithSourceNatService")
    return admin.createNetwork(name=unique("net-b"), displaytext="net-b", zoneid=zone(admin, "zone-b")["id"],
                               networkofferingid=offering["networkoffering"][0]["id"])["network"]["id"]


def failed_job(call, **params):
    """(errorcode, errortext) of an async call whose job fails."""
    with pytest.raises(cs.CloudStackApiException) as info:
        call(fetch_result=True, **params)
    return info.value.error["errorcode"], info.value.error["errortext"]


def same(status, other):
    """Two answers for one array, but for the moment of asking, the lag then and a continuous mirror's consistent
    point (the clock moves between them)."""
    moving = ("lag_seconds", "asked_at", "consistent_at")
    return {k: v for k, v in status.items() if k not in moving} == {k: v for k, v in other.items() if k not in moving}


def test_the_demo_mirrors_one_way(server):
    """SnapMirror / RBD mirroring: a relationship has one direction, its destination is read-only (a DP volume, a
    non-primary image); the demo's failback arrays are plain writable exports until a failback mirrors into them."""
    status = {s["array"]: s for s in server.ctl("mirror-list")}
    for letter in "ab":
        for i in (1, 2):
            source, replica = status[f"array-{letter}{i}"], status[f"replica-{letter}{i}"]
            assert (source["role"], source["peer"], source["state"], source["writable"]) == (
                "source", f"replica-{letter}{i}", "mirrored", True)
            assert (replica["role"], replica["peer"], replica["state"], replica["writable"]) == (
                "target", f"array-{letter}{i}", "mirrored", False)
            assert replica["mode"] == "continuous" and replica["configured_lag"] == 0
            assert replica["lag_seconds"] is not None and replica["lag_seconds"] < 5  # lag 0: synchronous
            failback = status[f"failback-{letter}{i}"]
            assert (failback["role"], failback["peer"], failback["state"], failback["writable"]) == (
                "none", None, None, True)
    assert set(status["replica-a1"]) == {"array", "id", "zone", "url", "role", "peer", "state", "writable", "mode",
                                         "configured_lag", "consistent_at", "lag_seconds", "asked_at",
                                         "reachable", "peer_reachable"}
    assert status["replica-a1"]["lag_seconds"] == pytest.approx(
        status["replica-a1"]["asked_at"] - status["replica-a1"]["consistent_at"], abs=0.01)


@pytest.mark.parametrize("lag", [30, 15 * 60, 6 * 3600])
def test_a_write_reaches_the_target_once_older_than_the_lag(server, lag):
    """Asynchronous replication on a schedule (SnapMirror async, snapshot-based RBD mirroring every N minutes, ZFS
    send every hour): the destination is the source as it was `lag` seconds ago."""
    source, target = mirror(server, lag)
    server.ctl("write-file", array=source, path="disk", text="v1")
    assert marker(server, target) is None
    server.ctl("advance-clock", seconds=lag / 2)
    assert marker(server, target) is None
    server.ctl("advance-clock", seconds=lag / 2 + 1)
    assert marker(server, target) == "v1"
    assert server.ctl("mirror-status", array=target)["lag_seconds"] == pytest.approx(lag, abs=5)


def test_a_file_written_twice_within_the_lag_ships_the_older_version(server):
    """Point-in-time transfers (SnapMirror Snapshot copies, RBD mirror snapshots): the destination holds the source
    as of one instant, so a write that was the content at that instant arrives even if a newer one followed it
    within the lag."""
    source, target = mirror(server, lag=3600)
    server.ctl("write-file", array=source, path="disk", text="v1")
    server.ctl("advance-clock", seconds=1800)
    server.ctl("write-file", array=source, path="disk", text="v2")
    server.ctl("advance-clock", seconds=2400)  # v1 was written 4200 s ago, v2 2400 s ago
    assert marker(server, target) == "v1"
    server.ctl("advance-clock", seconds=1300)
    assert marker(server, target) == "v2"


def test_sync_ships_everything_and_the_status_tells_the_lag(server):
    """`snapmirror update` / `rbd mirror image snapshot`: an on-demand transfer of everything written so far; the
    relationship's lag is the age of the destination's newest consistent point (SnapMirror's lag-time)."""
    source, target = mirror(server, lag=600)
    server.ctl("write-file", array=source, path="disk", text="now")
    before = server.ctl("mirror-status", array=source)
    assert (before["role"], before["configured_lag"]) == ("source", 600)
    assert before["lag_seconds"] == pytest.approx(600, abs=5) and marker(server, target) is None
    synced = server.ctl("mirror-sync", array=target, timeout=30)
    assert synced["lag_seconds"] == pytest.approx(0, abs=5) and marker(server, target) == "now"
    server.ctl("advance-clock", seconds=100)  # the lag rule never takes the target back before the sync
    assert server.ctl("mirror-status", array=target)["lag_seconds"] == pytest.approx(100, abs=5)
    server.ctl("advance-clock", seconds=600)
    assert server.ctl("mirror-status", array=target)["lag_seconds"] == pytest.approx(600, abs=5)
    manual_source, manual_target = mirror(server, mode="manual")
    server.ctl("write-file", array=manual_source, path="disk", text="m1")
    status = server.ctl("mirror-status", array=manual_target)
    assert (status["mode"], status["consistent_at"], status["lag_seconds"]) == ("manual", None, None)
    assert marker(server, manual_target) is None
    assert server.ctl("mirror-sync", array=manual_source)["consistent_at"] is not None
    assert marker(server, manual_target) == "m1"
    assert refused(server, "mirror-sync", array="failback-b2") == "array failback-b2 is in no mirror"


def test_a_read_only_target_refuses_writes_imports_and_vm_starts(server, admin):
    """A SnapMirror destination is read-only (DP) until `snapmirror break`, a non-primary RBD image until
    `rbd mirror image promote`: CloudStack can introduce it as a pool (a read-only NFS export mounts) and list its
    files, but the KVM agent cannot open them read-write: importVolume, a VM start and a new volume fail."""
    web = admin.listVirtualMachines(name="acme-web-1", listall=True)["virtualmachine"][0]
    root = admin.listVolumes(virtualmachineid=web["id"], type="ROOT", listall=True)["volume"][0]
    pool = create_pool(admin, "zone-b", unique("ro"), "nfs://10.2.0.21/export/replica-a1", tags="dr")
    listed = admin.listVolumesForImport(storageid=pool["id"], path=root["path"])["volumeforimport"]
    assert [f["path"] for f in listed] == [root["path"]]
    code, text = job_error(admin, admin.importVolume, storageid=pool["id"], path=root["path"])
    assert code == 530 and text == (f"Failed to import volume {root['path']}: the file is on a read-only file "
                                    "system (storage array replica-a1 is a replication target)")
    assert refused(server, "write-file", array="replica-a1", path=root["path"], text="x") == (
        "array replica-a1 is a read-only mirror target of array-a1: promote it first")
    server.ctl("mirror-promote", array="replica-a1", force=True)  # array-a1 stays writable: a drill's split brain
    imported = run(admin.importVolume, storageid=pool["id"], path=root["path"], name=unique("web-root"))["volume"]
    server.ctl("mirror-resume", array="array-a1")  # resync: replica-a1 is read-only again
    assert server.ctl("mirror-status", array="replica-a1")["writable"] is False
    assert refused(server, "write-marker", volume=imported["id"], text="x") == (
        "array replica-a1 is a read-only mirror target of array-a1: promote it first")
    zone_b = zone(admin, "zone-b")
    offering = admin.listServiceOfferings(name="dr-small")["serviceoffering"][0]
    vm = admin.deployVirtualMachine(
        zoneid=zone_b["id"], serviceofferingid=offering["id"], startvm=False,
        templateid=admin.listTemplates(templatefilter="executable", zoneid=zone_b["id"])["template"][0]["id"],
        networkids=zone_b_network(admin),
        fetch_result=True)["virtualmachine"]
    placeholder = admin.listVolumes(virtualmachineid=vm["id"], type="ROOT", listall=True)["volume"][0]
    run(admin.detachVolume, id=placeholder["id"])
    run(admin.attachVolume, id=imported["id"], virtualmachineid=vm["id"], deviceid=0)
    code, text = failed_job(admin.startVirtualMachine, id=vm["id"])
    assert code == 530 and text.startswith("Unable to start VM instance {") and text.endswith(
        f": the disk {root['path']} is on a read-only file system (storage array replica-a1 is a replication "
        "target)")
    server.ctl("mirror-promote", array="replica-a1", force=True)
    assert run(admin.startVirtualMachine, id=vm["id"])["virtualmachine"]["state"] == "Running"
    run(admin.stopVirtualMachine, id=vm["id"], forced=True)
    server.ctl("mirror-resume", array="array-a1")


def test_a_new_volume_cannot_be_created_on_a_read_only_target(server, admin):
    """The KVM agent's `qemu-img create` on a read-only export fails (CloudStack's allocator does not know the
    export is read-only): the deploy fails."""
    create_pool(admin, "zone-b", unique("ro"), "nfs://10.2.0.22/export/replica-a2", tags="ro-only")
    zone_b = zone(admin, "zone-b")
    code, text = failed_job(
        admin.deployVirtualMachine, zoneid=zone_b["id"],
        serviceofferingid=service_offering(admin, "sparse", tags="ro-only")["id"],
        templateid=admin.listTemplates(templatefilter="executable", zoneid=zone_b["id"])["template"][0]["id"],
        networkids=zone_b_network(admin))
    assert code == 530 and text.startswith("Failed to create volume ROOT-") and text.endswith(
        ": read-only file system (storage array replica-a2 is a replication target)")


def test_a_planned_promote_demotes_the_source_and_loses_nothing(server):
    """SnapMirror planned failover: quiesce, a last `snapmirror update`, `snapmirror break` (the destination
    becomes read-write) and the old source made read-only; Ceph: `rbd mirror image demote` on the primary, then
    `promote` on the secondary. Promoting it again changes nothing."""
    source, target = mirror(server, lag=3600)
    server.ctl("write-file", array=source, path="disk", text="old")
    server.ctl("advance-clock", seconds=4000)
    server.ctl("write-file", array=source, path="disk", text="recent")
    assert marker(server, target) == "old"
    promoted = server.ctl("mirror-promote", array=target)
    assert (promoted["writable"], promoted["state"], promoted["role"], promoted["peer"]) == (
        True, "broken", "target", source)
    assert marker(server, target) == "recent"
    assert server.ctl("mirror-status", array=source)["writable"] is False
    assert refused(server, "write-file", array=source, path="disk", text="x") == (
        f"array {source} is read-only (demoted): promote it first")
    server.ctl("write-file", array=target, path="disk", text="on-the-promoted-side")
    assert same(server.ctl("mirror-promote", array=target), server.ctl("mirror-status", array=target))
    assert marker(server, target) == "on-the-promoted-side"
    assert server.ctl("mirror-promote", array="failback-a2")["writable"] is True  # no mirror target: nothing to do
    assert server.ctl("mirror-demote", array=target)["writable"] is False
    assert server.ctl("mirror-demote", array=target)["writable"] is False


def test_a_forced_promote_when_the_source_zone_failed(server):
    """Ceph RBD mirroring: `rbd mirror image promote --force` when the primary is unreachable; what the mirror had
    not shipped when the site failed (writes younger than the lag) is not on the secondary, and the old primary
    keeps its primary flag (a split brain until it is demoted or resynchronised)."""
    source, target = mirror(server, lag=60)
    server.ctl("write-file", array=source, path="disk", text="shipped")
    server.ctl("advance-clock", seconds=120)
    server.ctl("write-file", array=source, path="disk", text="lost-with-the-zone")
    server.ctl("fail-zone", zone="zone-a")
    try:
        status = server.ctl("mirror-status", array=target)
        assert (status["reachable"], status["peer_reachable"], status["state"]) == (True, False, "mirrored")
        assert refused(server, "mirror-promote", array=target) == f"source {source} is unreachable: promote with force"
        assert refused(server, "mirror-sync", array=target) == f"source {source} is unreachable: its zone is down"
        promoted = server.ctl("mirror-promote", array=target, force=True)
        assert (promoted["writable"], promoted["state"]) == (True, "broken")
        assert marker(server, target) == "shipped"
        assert server.ctl("mirror-status", array=source)["writable"] is True  # split brain, as on real storage
    finally:
        server.ctl("recover-zone", zone="zone-a")


def test_reverse_then_the_promoted_side_replicates_back(server):
    """`snapmirror resync` from the promoted side (a reverse resync) / Ceph: the demoted old primary resyncs from
    the new primary: the old source becomes the read-only target and gets what was written on the promoted side,
    its own writes since the break discarded; the mirror keeps the former relationship's lag."""
    source, target = mirror(server, lag=0)
    server.ctl("write-file", array=source, path="disk", text="before")
    server.ctl("mirror-promote", array=target, force=True)
    server.ctl("write-file", array=target, path="disk", text="after-failover")
    server.ctl("write-file", array=source, path="disk", text="split-brain")
    reversed_ = server.ctl("mirror-reverse", array=target)
    assert (reversed_["role"], reversed_["peer"], reversed_["state"], reversed_["writable"]) == (
        "source", source, "mirrored", True)
    assert (reversed_["mode"], reversed_["configured_lag"]) == ("continuous", 0)
    old = server.ctl("mirror-status", array=source)
    assert (old["role"], old["peer"], old["writable"]) == ("target", target, False)
    assert marker(server, source) == "after-failover"
    server.ctl("write-file", array=target, path="new-disk", text="later")
    assert marker(server, source, "new-disk") == "later"
    assert same(server.ctl("mirror-reverse", array=target, target=source), server.ctl("mirror-status", array=target))
    assert refused(server, "mirror-reverse", array=source, target=target) == (
        f"array {source} is read-only: promote it before reversing its mirror")
    # a writable array in use as the source of another mirror is no target
    busy_source, busy_target = mirror(server)
    assert refused(server, "mirror-reverse", array=target, target=busy_source) == (
        f"target {busy_source} is writable and the source of a mirror to {busy_target}: demote it or end that "
        "mirror first")


def test_reverse_into_a_failback_array(server):
    """A failback (SnapMirror cascade-free reverse to another volume, Ceph mirroring to a third pool): the promoted
    replica mirrors to a writable array that replicates nowhere, which becomes read-only and gets a full baseline
    under the lag rule; the mirror it was promoted from ends."""
    source, target = mirror(server, lag=300)
    server.ctl("write-file", array=source, path="disk", text="v1")
    server.ctl("mirror-sync", array=source)
    server.ctl("mirror-promote", array=target)
    home = server.ctl("add-array", name=unique("home"), zone="zone-a", url=f"nfs://10.1.0.{next(_octets)}/x")["name"]
    reversed_ = server.ctl("mirror-reverse", array=target, target=home)
    assert (reversed_["peer"], reversed_["configured_lag"]) == (home, 300)
    assert server.ctl("mirror-status", array=source)["role"] == "none"
    assert server.ctl("mirror-status", array=home)["writable"] is False
    assert marker(server, home) is None  # written less than 300 s ago
    server.ctl("advance-clock", seconds=301)
    assert marker(server, home) == "v1"


def test_pause_resume_and_break(server):
    """SnapMirror `quiesce`/`resume`, `break` and `resync`; RBD mirroring disabled and re-enabled: a paused or
    broken mirror ships nothing and refuses an update; a broken one's target stays read-only until promoted, and
    resuming it resynchronises (the target read-only, the source's content shipped)."""
    source, target = mirror(server)
    server.ctl("write-file", array=source, path="disk", text="v1")
    assert marker(server, target) == "v1"
    assert server.ctl("mirror-pause", array=source)["state"] == "paused"
    assert server.ctl("mirror-pause", array=source)["state"] == "paused"
    server.ctl("write-file", array=source, path="disk", text="v2")
    assert marker(server, target) == "v1"
    assert refused(server, "mirror-sync", array=source) == (
        f"the mirror from {source} to {target} is paused: resume it first")
    assert server.ctl("replicate", array=source) == {source: 0}
    assert server.ctl("mirror-resume", array=source)["state"] == "mirrored"
    assert marker(server, target) == "v2"
    assert server.ctl("mirror-break", array=target)["state"] == "broken"  # named by its target
    server.ctl("write-file", array=source, path="disk", text="v3")
    assert marker(server, target) == "v2"
    assert refused(server, "mirror-sync", array=source) == (
        f"the mirror from {source} to {target} is broken: resume it to resynchronise first")
    assert server.ctl("mirror-status", array=target)["writable"] is False
    resumed = server.ctl("mirror-resume", array=source)
    assert (resumed["state"], resumed["writable"]) == ("mirrored", True)
    assert marker(server, target) == "v3"


def test_sync_is_refused_when_the_target_is_down(server):
    """A transfer needs both ends (SnapMirror: "transfer failed: destination unreachable"): with the target's
    zone down the update is refused and the lag grows."""
    source, target = mirror(server, lag=0)
    server.ctl("fail-zone", zone="zone-b")
    try:
        assert refused(server, "mirror-sync", array=source) == f"target {target} is unreachable: its zone is down"
        status = server.ctl("mirror-status", array=source)
        assert (status["reachable"], status["peer_reachable"]) == (True, False)
    finally:
        server.ctl("recover-zone", zone="zone-b")


def test_clone_a_target_for_a_drill(server, admin):
    """NetApp FlexClone of a SnapMirror destination / Ceph `rbd clone` of a mirror snapshot: a writable copy of
    the destination as of its consistent point, for a DR test that leaves the mirror running; the clone is deleted
    afterwards, not while CloudStack still uses it as a pool."""
    source, target = mirror(server, lag=3600)
    server.ctl("write-file", array=source, path="disk", text="consistent")
    server.ctl("advance-clock", seconds=3700)
    server.ctl("write-file", array=source, path="disk", text="too-recent")
    n = next(_octets)
    url = f"nfs://10.2.0.{n}/export/drill"
    drill = unique("drill")
    clone = server.ctl("mirror-clone", array=target, name=drill, url=url)
    assert (clone["array"], clone["zone"], clone["writable"], clone["role"]) == (drill, "zone-b", True, "none")
    assert same(server.ctl("mirror-clone", array=target, name=drill, url=url), clone)
    assert marker(server, drill) == "consistent"
    server.ctl("write-file", array=drill, path="disk", text="drill-write")
    assert marker(server, target) == "consistent"
    assert server.ctl("mirror-status", array=target)["state"] == "mirrored"
    pool = create_pool(admin, "zone-b", unique("drill"), url)
    assert refused(server, "mirror-clone-delete", name=drill) == (
        f"array {drill} backs storage pool {pool['name']}: delete the pool first")
    run(admin.enableStorageMaintenance, id=pool["id"])
    admin.deleteStoragePool(id=pool["id"])
    assert server.ctl("mirror-clone-delete", name=drill) == {"array": drill, "deleted": True}
    assert server.ctl("mirror-clone-delete", name=drill) == {"array": drill, "deleted": False}
    assert refused(server, "mirror-clone-delete", name=target) == (
        f"array {target} is not a clone: only arrays made by mirror-clone can be deleted")
