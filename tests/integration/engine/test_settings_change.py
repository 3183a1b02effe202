"""The owner's copy of the DR status is only a copy: a settings change that erases it, or an owner who writes
`dr.state` on its VM, changes nothing DR decides, and the next run rebuilds it.

updateVirtualMachine `details` replaces a VM's displayed details with the ones given (UserVmManagerImpl carries
only the hidden ones over): the UI's settings tab does this to every VM it edits."""

import pytest
from ansible_collections.cloudstack.dr.plugins.module_utils.client.api import CloudStackError
from ansible_collections.cloudstack.dr.plugins.module_utils.engine.orchestrate import move_vms
from ansible_collections.cloudstack.dr.plugins.module_utils.engine.prepare import prepare_vms
from ansible_collections.cloudstack.dr.plugins.module_utils.model.snapshot import Snapshot

from ... import drapi
from .conftest import LIVE, client_for
from .test_resume import cut_after

COPY = {"dr.state", "dr.tier", "dr.rto", "dr.rpo", "dr.recovery_zone", "dr.recovery_public_ips", "dr.alert",
        "dr.runs_in", "dr.runs_since"}


def settings_change(server, vm_id: str, values: dict) -> None:
    """What the owner's settings tab sends: the VM's displayed details, replaced by `values` (VM stopped)."""
    acme = client_for(server, "acme")
    acme.run([acme.submit("stopVirtualMachine", id=vm_id)])
    acme.call("updateVirtualMachine", id=vm_id, details=[values])


def shown(api, vm_id: str) -> dict:
    return drapi.details(api, "UserVm", vm_id, visible=True)


def test_a_settings_change_on_a_prepared_vm_is_repaired_and_changes_nothing_dr_decides(fresh_cloud):
    server, api, _ = fresh_cloud
    web = next(vm for vm in api.list("listVirtualMachines", listall=True) if vm["name"] == "acme-web-1")
    settings_change(server, web["id"], {"keyboard": "us"})
    assert COPY.isdisjoint(shown(api, web["id"])), "CloudStack erased the owner's copy"
    assert Snapshot(api, network=False).state(web) == "Prepared"  # the hidden state is untouched

    result = {r["name"]: r for r in prepare_vms(api, names=[web["id"]])["vms"]}
    assert result["acme-web-1"]["state"] == "Prepared"
    after = shown(api, web["id"])
    assert after["dr.state"] == "Prepared" and after["keyboard"] == "us"  # the owner's setting stays
    assert not prepare_vms(api, names=[web["id"]])["changed"]


def test_an_owner_writing_dr_state_changes_nothing_dr_decides(fresh_cloud):
    server, api, _ = fresh_cloud
    web = next(vm for vm in api.list("listVirtualMachines", listall=True) if vm["name"] == "acme-web-1")
    settings_change(server, web["id"], {"dr.state": "FailedOver", "dr.tier": "9"})
    snap = Snapshot(api, network=False)
    assert (snap.state(web), snap.tier(web)) == ("Prepared", 1)
    plan = move_vms(api, "failover", names=["acme-web-1"], validate_only=True, confirm_zone_lost=LIVE)["plan"]
    assert [(p["name"], p["tier"], p["action"]) for p in plan] == [("acme-web-1", 1, "failover")]
    prepare_vms(api, names=[web["id"]])
    assert (shown(api, web["id"])["dr.state"], shown(api, web["id"])["dr.tier"]) == ("Prepared", "1")


def test_user_vm_readonly_details_keeps_the_copy_from_its_owner(fresh_cloud):
    """What the README asks operators to set: the owner can neither write the DR keys nor erase them."""
    server, api, _ = fresh_cloud
    web = next(vm for vm in api.list("listVirtualMachines", listall=True) if vm["name"] == "acme-web-1")
    api.call("updateConfiguration", name="user.vm.readonly.details",
             value="dataDiskController, rootDiskController, " + ", ".join(sorted(COPY)))
    acme = client_for(server, "acme")
    acme.run([acme.submit("stopVirtualMachine", id=web["id"])])
    with pytest.raises(CloudStackError):
        acme.call("updateVirtualMachine", id=web["id"], details=[{"dr.state": "FailedOver"}])
    acme.call("updateVirtualMachine", id=web["id"], details=[{"keyboard": "us"}])
    assert shown(api, web["id"])["dr.state"] == "Prepared" and shown(api, web["id"])["keyboard"] == "us"
    assert not prepare_vms(api, names=[web["id"]])["changed"]


def test_a_settings_change_during_a_move_is_repaired_when_the_move_finishes(fresh_cloud):
    server, api, zones = fresh_cloud
    web = next(vm for vm in api.list("listVirtualMachines", listall=True) if vm["name"] == "acme-web-1")
    server.ctl("fail-zone", zone="zone-a")
    cut_after(api, zones["zone-a"]["id"], "failover", ("begin", "stop"))
    acme = client_for(server, "acme")
    acme.call("updateVirtualMachine", id=web["id"], details=[{"keyboard": "us"}])
    assert COPY.isdisjoint(shown(api, web["id"]))

    result = move_vms(api, "failover", zone="zone-a", confirm_zone_lost=LIVE)
    assert [r["error"] for r in result["vms"]] == [None] * 3, result["vms"]
    serving = next(vm for vm in api.list("listVirtualMachines", listall=True, id=web["id"]))
    assert serving["zoneid"] == zones["zone-b"]["id"]  # the owner's id, now on the recovery VM
    assert shown(api, web["id"])["dr.state"] == "FailedOver"
