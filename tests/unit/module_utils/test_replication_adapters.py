"""The replication adapter boundary: status answers checked field by field, the command adapter's
JSON-over-stdio protocol (with real processes), and the adapter options refused before any write."""

import json
import stat
import sys
import textwrap

import pytest
from ansible_collections.cloudstack.dr.plugins.module_utils.errors import InputError
from ansible_collections.cloudstack.dr.plugins.module_utils.replication import registry
from ansible_collections.cloudstack.dr.plugins.module_utils.replication.adapter import (
    AdapterError,
    epoch,
    parse_status,
)
from ansible_collections.cloudstack.dr.plugins.module_utils.replication.command import CommandAdapter
from ansible_collections.cloudstack.dr.plugins.module_utils.replication.simulator import control_url

STATUS = {"device": "replica-a1", "role": "target", "peer": "array-a1", "state": "mirrored", "writable": False,
          "consistent_at": 1000.0, "asked_at": 1300.0, "reachable": True, "peer_reachable": False}


def script(tmp_path, body):
    """An executable Python adapter whose main body is `body` (request: the parsed stdin)."""
    path = tmp_path / "adapter.py"
    path.write_text(f"#!{sys.executable}\nimport json, sys, time\nrequest = json.load(sys.stdin)\n"
                    + textwrap.dedent(body))
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return str(path)


def test_a_status_answer_gives_the_lag_from_its_consistent_point():
    status = parse_status("command", "status", STATUS)
    assert (status.device, status.role, status.peer, status.writable, status.peer_reachable) == \
        ("replica-a1", "target", "array-a1", False, False)
    assert status.lag_seconds == 300.0
    assert status.as_dict()["lag_seconds"] == 300.0


def test_a_replica_never_transferred_has_no_lag_figure():
    assert parse_status("command", "status", {**STATUS, "consistent_at": None}).lag_seconds is None


@pytest.mark.parametrize("answer, words", [
    ({**STATUS, "role": "primary"}, "role 'primary'"),
    ({**STATUS, "state": "syncing"}, "state 'syncing'"),
    ({"role": "target"}, "not a status with a device"),
    ([STATUS], "not a status with a device"),
    ({**STATUS, "consistent_at": "yesterday"}, "not ISO 8601"),
])
def test_a_status_answer_outside_the_protocol_is_refused(answer, words):
    with pytest.raises(AdapterError, match=words):
        parse_status("command", "status", answer)


def test_times_are_epoch_seconds_or_iso_8601_utc_by_default():
    assert epoch("1970-01-01T00:16:40Z") == 1000.0
    assert epoch("1970-01-01T00:16:40") == 1000.0
    assert epoch("1970-01-01T01:16:40+01:00") == 1000.0
    assert epoch(1000) == 1000.0
    assert epoch(None) is None


def test_the_command_adapter_sends_the_operation_on_stdin_and_reads_the_answer(tmp_path):
    path = script(tmp_path, f"""
        status = {STATUS!r}
        print(json.dumps({{"ok": True, "result": dict(status, device=request["device"], peer=json.dumps(
            [sys.argv[1], request["protocol"], request["op"], request["args"], request["options"]]))}}))
    """)
    adapter = CommandAdapter(path, {"remote": "zfs-b"})
    status = adapter.promote("replica-a1", force=True)
    assert status.device == "replica-a1"
    assert json.loads(status.peer) == ["promote", 1, "promote", {"force": True}, {"remote": "zfs-b"}]
    assert json.loads(adapter.sync("replica-a1", 30).peer)[3] == {"timeout": 30}


def test_the_command_adapters_refusal_carries_the_storages_words(tmp_path):
    path = script(tmp_path, 'print(json.dumps({"ok": False, "error": "snapmirror: relationship is quiesced"}))')
    with pytest.raises(AdapterError, match="sync of replica-a1 failed: snapmirror: relationship is quiesced"):
        CommandAdapter(path).sync("replica-a1", 5)


@pytest.mark.parametrize("body, words", [
    ('sys.stderr.write("zfs: dataset does not exist"); sys.exit(3)', "exited with 3: zfs: dataset does not exist"),
    ('print("promoted")', "printed no JSON answer"),
    ('print(json.dumps({"result": {}}))', "without ok"),
    ("time.sleep(5)", "did not answer within 1 s"),
])
def test_a_command_that_fails_or_hangs_is_an_adapter_error(tmp_path, body, words):
    with pytest.raises(AdapterError, match=words):
        CommandAdapter(script(tmp_path, body), timeout=1).status("replica-a1")


def test_discover_wants_a_list_of_statuses(tmp_path):
    listing = script(tmp_path, f'print(json.dumps({{"ok": True, "result": [{STATUS!r}]}}))')
    assert [s.device for s in CommandAdapter(listing).discover()] == ["replica-a1"]
    single = script(tmp_path, f'print(json.dumps({{"ok": True, "result": {STATUS!r}}}))')
    with pytest.raises(AdapterError, match="not a list of statuses"):
        CommandAdapter(single).discover()


def test_adapter_options_are_checked_before_anything_is_written(tmp_path):
    with pytest.raises(InputError, match="replication.adapter: 'netapp' is not a replication adapter"):
        registry.check("replication", "netapp", {})
    with pytest.raises(InputError, match="replication.options.executable: 'zfs.py' is not an absolute path"):
        registry.check("replication", "command", {"executable": "zfs.py"})
    with pytest.raises(InputError, match="does not exist on the controller"):
        registry.check("replication", "command", {"executable": str(tmp_path / "missing")})
    plain = tmp_path / "plain"
    plain.write_text("")
    with pytest.raises(InputError, match="is not executable"):
        registry.check("replication", "command", {"executable": str(plain)})
    path = script(tmp_path, "")
    with pytest.raises(InputError, match="replication.options.timeout: 'soon' is not a number of seconds"):
        registry.check("replication", "command", {"executable": path, "timeout": "soon"})
    with pytest.raises(InputError, match="the simulator adapter has no option executable"):
        registry.check("replication", "simulator", {"executable": path})
    assert registry.check("replication", "command", {"executable": path, "remote": "b"}) == \
        {"executable": path, "remote": "b", "timeout": 60.0}


def test_the_simulator_adapter_speaks_to_the_control_surface_beside_the_api():
    assert control_url("http://127.0.0.1:8096/client/api") == "http://127.0.0.1:8096/simulator/control"
