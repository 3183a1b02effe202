import pytest
from ansible_collections.cloudstack.dr.plugins.module_utils.base import check_writable
from ansible_collections.cloudstack.dr.plugins.module_utils.errors import InputError
from ansible_collections.cloudstack.dr.plugins.module_utils.move_module import fail_when_all_refused


def refused(name, vm_id):
    return {"name": name, "id": vm_id, "refused": True, "failed": True, "error": "the VM is not prepared"}


def test_a_move_whose_every_vm_was_refused_fails_naming_the_first():
    result = {"changed": False, "vms": [refused("web-1", "id-1"), refused("app-1", "id-2")],
              "summary": {"selected": 2, "done": 0, "failed": 0, "refused": 2}}
    with pytest.raises(InputError) as info:
        fail_when_all_refused(result, ["other", "id-1"], "failover")
    assert info.value.field == "vms[1]" and info.value.result is result
    assert "no selected VM may failover, so nothing was changed. web-1: the VM is not prepared" in str(info.value)


@pytest.mark.parametrize("result", [
    {"vms": [refused("web-1", "id-1"), {"name": "app-1", "id": "id-2", "failed": False}],
     "summary": {"selected": 2, "done": 1, "failed": 0, "refused": 1}},
    {"vms": [refused("web-1", "id-1")], "plan": [], "summary": {"selected": 1, "done": 0, "failed": 0, "refused": 1}},
    {"vms": [], "summary": {"selected": 0, "done": 0, "failed": 0, "refused": 0}},
], ids=["others-went-on", "a-plan", "nothing-selected"])
def test_otherwise_the_result_is_returned(result):
    assert fail_when_all_refused(result, None, "failover") is result


def test_an_unwritable_file_is_refused(tmp_path):
    check_writable("progress_log", str(tmp_path / "progress.log"))
    check_writable("progress_log", None)
    with pytest.raises(InputError, match="progress_log: cannot write .*Choose a file"):
        check_writable("progress_log", str(tmp_path / "no-such-dir" / "progress.log"))
