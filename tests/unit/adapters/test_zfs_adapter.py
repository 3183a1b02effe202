"""docs/adapters/zfs_replication.py, the worked example of a command adapter, through the collection's
CommandAdapter (real processes, JSON over stdio) against a fake `zfs` that keeps datasets in a file:
the replica lags until synced, a forced promotion loses what was not sent, a reverse brings the
recovery side's writes to the failback dataset, a planned promotion demotes the other side, and a
clone for a drill leaves replication alone."""

import json
import stat
import sys
from pathlib import Path

import pytest
from ansible_collections.cloudstack.dr.plugins.module_utils.replication.adapter import AdapterError
from ansible_collections.cloudstack.dr.plugins.module_utils.replication.command import CommandAdapter

ROOT = Path(__file__).resolve().parents[3]
SOURCE, REPLICA, FAILBACK = "tank/pool-a1", "tank/replica-a1", "tank/failback-a1"


@pytest.fixture
def zfs(tmp_path, monkeypatch):
    """The state file of the fake zfs (on PATH): a source mirrored to a read-only replica, a spare failback."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    fake = bin_dir / "zfs"
    fake.write_text(f"#!{sys.executable}\nimport sys\nsys.path.insert(0, {str(Path(__file__).parent)!r})\n"
                    "from fake_zfs import main\nmain(sys.argv[1:])\n")
    fake.chmod(fake.stat().st_mode | stat.S_IXUSR)
    state = tmp_path / "zfs.json"
    state.write_text(json.dumps({
        SOURCE: {"props": {"readonly": "off", "dr:target": REPLICA, "dr:state": "mirrored"}, "snapshots": [],
                 "data": "v1"},
        REPLICA: {"props": {"readonly": "on", "dr:source": SOURCE}, "snapshots": [], "data": ""},
        FAILBACK: {"props": {"readonly": "off"}, "snapshots": [], "data": ""}}))
    monkeypatch.setenv("PATH", f"{bin_dir}:{Path(sys.executable).parent}:/usr/bin:/bin")
    monkeypatch.setenv("FAKE_ZFS_STATE", str(state))
    return state


def data(state, name):
    return json.loads(state.read_text())[name]


def write(state, name, value):
    datasets = json.loads(state.read_text())
    assert datasets[name]["props"]["readonly"] == "off", f"{name} is read-only"
    datasets[name]["data"] = value
    state.write_text(json.dumps(datasets))


def adapter():
    return CommandAdapter(str(ROOT / "docs" / "adapters" / "zfs_replication.py"),
                          {"devices": [SOURCE, REPLICA, FAILBACK]})


def test_a_full_cycle_through_the_example_zfs_adapter(zfs):
    zfs_adapter = adapter()
    found = {s.device: s for s in zfs_adapter.discover()}
    assert (found[REPLICA].role, found[REPLICA].peer, found[REPLICA].writable, found[REPLICA].consistent_at) == \
        ("target", SOURCE, False, None)
    assert (found[SOURCE].role, found[SOURCE].state, found[FAILBACK].role) == ("source", "mirrored", "none")

    synced = zfs_adapter.sync(REPLICA, 30)
    assert data(zfs, REPLICA)["data"] == "v1" and synced.consistent_at is not None
    write(zfs, SOURCE, "v2")  # never sent: lost with the zone
    promoted = zfs_adapter.promote(REPLICA, force=True)
    assert promoted.writable and data(zfs, REPLICA)["data"] == "v1"
    assert data(zfs, SOURCE)["props"]["readonly"] == "off"  # forced: the source was not asked

    write(zfs, REPLICA, "v3")  # written in the recovery zone
    reversed_ = zfs_adapter.reverse(REPLICA, FAILBACK)
    assert (reversed_.role, reversed_.peer) == ("source", FAILBACK)
    assert data(zfs, FAILBACK)["data"] == "v3" and data(zfs, FAILBACK)["props"]["readonly"] == "on"

    home = zfs_adapter.promote(FAILBACK, force=False)  # planned: the recovery side is made read-only first
    assert home.writable and data(zfs, REPLICA)["props"]["readonly"] == "on"


def test_a_paused_mirror_refuses_a_sync_and_a_planned_promotion_needs_its_source(zfs):
    zfs_adapter = adapter()
    datasets = json.loads(zfs.read_text())
    datasets[SOURCE]["props"]["dr:state"] = "paused"
    zfs.write_text(json.dumps(datasets))
    with pytest.raises(AdapterError, match=f"the mirror {SOURCE} -> {REPLICA} is paused"):
        zfs_adapter.sync(REPLICA, 30)
    datasets[SOURCE]["props"]["dr:state"] = "mirrored"
    del datasets[SOURCE]  # the source's host is gone
    zfs.write_text(json.dumps(datasets))
    with pytest.raises(AdapterError, match=f"source {SOURCE} is unreachable: promote with force"):
        zfs_adapter.promote(REPLICA, force=False)


def test_a_drill_clone_is_writable_and_only_clones_are_destroyed(zfs):
    zfs_adapter = adapter()
    zfs_adapter.sync(REPLICA, 30)
    clone = zfs_adapter.snapshot_clone(REPLICA, "drill-1", "nfs://10.2.0.21/export/drill-1")
    assert (clone.device, clone.writable, clone.role) == ("tank/drill-1", True, "none")
    assert data(zfs, "tank/drill-1")["data"] == "v1" and data(zfs, REPLICA)["props"]["readonly"] == "on"
    with pytest.raises(AdapterError, match="is not a clone: refusing to destroy it"):
        zfs_adapter.delete_clone(SOURCE)
    zfs_adapter.delete_clone("tank/drill-1")
    assert "tank/drill-1" not in json.loads(zfs.read_text())
