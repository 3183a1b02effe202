"""Conformance: updateVirtualMachine, changeServiceForVirtualMachine, hidden VMs and listVirtualMachines as
Apache CloudStack 4.20 answers them (simulator/rules/vm.md).

Each test's docstring names the Java class and method whose rule it checks (apache/cloudstack, read at
4.21.0.0-SNAPSHOT).
"""

import uuid

from .test_infra_storage import api_error
from .test_vm_rules import USER_ERROR, as_root, deploy, ids, network_id


def details(api, vm_id, **params):
    rows = api.listResourceDetails(resourcetype="UserVm", resourceid=vm_id, **params).get("resourcedetail", [])
    return {r["key"]: r["value"] for r in rows}


def hide_detail(admin, vm_id, key, value):
    admin.addResourceDetail(resourcetype="UserVm", resourceid=vm_id, fordisplay=False,
                            details=[{"key": key, "value": value}], fetch_result=True)


# -- updateVirtualMachine ----------------------------------------------------------------------
def test_details_replace_the_displayed_ones_and_keep_the_hidden(admin, acme):
    """UserVmManagerImpl.updateVirtualMachine(UpdateVMCmd): the given details replace the displayed ones; hidden
    details are carried over, their value too, even when a root admin names one (UpdateVMCmd.getDetails reads
    the first index only, its names literally)."""
    vm = deploy(acme, "acme-details", startvm=False, details=[{"old": "1"}])
    hide_detail(admin, vm["id"], "dr.secret", "s1")
    updated = acme.updateVirtualMachine(id=vm["id"], details=[{"new": "2"}, {"ignored": "3"}])["virtualmachine"]
    assert updated["details"] == {"new": "2"}
    admin.updateVirtualMachine(id=vm["id"], details=[{"dr.secret": "changed", "other": "x"}])
    assert details(admin, vm["id"], fordisplay=False) == {"dr.secret": "s1"}
    assert details(admin, vm["id"]) == {"other": "x"}


def test_tenants_may_not_touch_denied_read_only_or_hidden_details(admin, acme):
    """UserVmManagerImpl.updateVirtualMachine(UpdateVMCmd): a caller that is not a root admin may not name a
    user.vm.denied.details, user.vm.readonly.details or existing hidden key; the refusal is wrapped by
    UpdateVMCmd.execute in a CloudRuntimeException, answered 530 with the generic text; nothing changes."""
    vm = deploy(acme, "acme-guarded", startvm=False, details=[{"mine": "1"}])
    hide_detail(admin, vm["id"], "dr.hidden", "h")
    for key in ("rootdisksize", "rootDiskController", "dr.hidden"):
        status, error = api_error(acme.updateVirtualMachine, id=vm["id"], details=[{key: "x"}])
        assert (status, error["errortext"]) == (530, USER_ERROR)
    assert details(admin, vm["id"]) == {"mine": "1", "deployvm": "true"}
    assert details(admin, vm["id"], fordisplay=False) == {"dr.hidden": "h"}


def test_cleanupdetails_ignores_details(admin, acme):
    """UserVmManagerImpl.updateVirtualMachine(UpdateVMCmd): cleanupdetails=true removes every displayed detail
    and ignores `details`; hidden ones stay."""
    vm = deploy(acme, "acme-cleaned", startvm=False, details=[{"a": "1"}])
    hide_detail(admin, vm["id"], "dr.kept", "k")
    cleaned = acme.updateVirtualMachine(id=vm["id"], cleanupdetails=True, details=[{"b": "2"}])["virtualmachine"]
    assert cleaned["details"] == {}
    assert details(admin, vm["id"], fordisplay=False) == {"dr.kept": "k"}


def test_manager_refusals_are_wrapped_530(admin, acme):
    """UpdateVMCmd.execute wraps every CloudRuntimeException (InvalidParameterValueException included) of
    UserVmManagerImpl.updateVirtualMachine: "Failed to update VM, due to: <message>" (530; the text only for root
    admins). An Error VM is not in the right state; ha needs an offering with HA."""
    vm = deploy(acme, "acme-noha", startvm=False)
    status, error = api_error(admin.updateVirtualMachine, id=vm["id"], haenable=True)
    assert (status, error["errortext"]) == (530, ("Failed to update VM, due to: Can't enable ha for the vm as it's "
                                                 "created from the Service offering having HA disabled"))
    status, error = api_error(acme.updateVirtualMachine, id=vm["id"], haenable=True)
    assert (status, error["errortext"]) == (530, USER_ERROR)
    taken = deploy(acme, "acme-iptaker", startvm=False)["nic"][0]["ipaddress"]
    api_error(acme.deployVirtualMachine, name="acme-inerror", ipaddress=taken, startvm=False,
              networkids=network_id(acme, "acme-web"), **ids(acme))
    failed = acme.listVirtualMachines(name="acme-inerror")["virtualmachine"][0]
    status, error = api_error(admin.updateVirtualMachine, id=failed["id"], displayname="x")
    assert status == 530 and error["errortext"].startswith("Failed to update VM, due to: Vm VM instance {")
    assert error["errortext"].endswith("} is not in the right state")


def test_customid_is_checked_before_any_change(admin, acme):
    """UpdateVMCmd.checkUuid (UUIDManagerImpl.checkUuid) runs before execute: the VM's own id counts as taken
    (431) and nothing else of the call is applied."""
    vm = deploy(acme, "acme-selfid", startvm=False)
    status, error = api_error(admin.updateVirtualMachine, id=vm["id"], customid=vm["id"], displayname="renamed")
    assert (status, error["errortext"]) == (431, (f"UUID: {vm['id']} already exists so can't create/update with "
                                                 "custom id"))
    assert as_root(admin, vm["id"])["displayname"] == "acme-selfid"
    status, error = api_error(admin.updateVirtualMachine, id=vm["id"], customid="NOT-A-UUID")
    assert (status, error["errortext"]) == (431, "UUID: NOT-A-UUID doesn't follow the UUID format")
    new_id = str(uuid.uuid4())
    assert admin.updateVirtualMachine(id=vm["id"], customid=new_id)["virtualmachine"]["id"] == new_id


def test_update_name_is_checked_at_the_parameter_layer(acme):
    """ParamProcessWorker.validateNameForRFCCompliance on UpdateVMCmd's `name`: 431 before the manager."""
    vm = deploy(acme, "acme-renamed", startvm=False)
    status, error = api_error(acme.updateVirtualMachine, id=vm["id"], name="has space")
    assert status == 431 and error["errortext"].startswith(
        "Unable to execute API command updatevirtualmachine due to invalid value. Invalid value provided for API "
        "arg: name - ")


# -- hidden VMs --------------------------------------------------------------------------------
def test_a_hidden_vm_stays_operable_by_its_owner(admin, acme):
    """Only the list commands hide a VM with displayvm=false (QueryManagerImpl.searchForUserVMs); the commands
    that name it by id (UserVmManagerImpl.stopVirtualMachine, updateVirtualMachine, ...) make no display check."""
    vm = deploy(acme, "acme-shy")
    admin.updateVirtualMachine(id=vm["id"], displayvm=False)
    assert acme.listVirtualMachines(name="acme-shy") == {}
    assert acme.stopVirtualMachine(id=vm["id"], fetch_result=True)["virtualmachine"]["state"] == "Stopped"
    assert acme.updateVirtualMachine(id=vm["id"], displayname="still mine")["virtualmachine"]["displayname"] == \
        "still mine"


# -- changeServiceForVirtualMachine -----------------------------------------------------------
def test_change_of_offering_keeps_the_storage_tags(acme):
    """UserVmManagerImpl.upgradeVirtualMachine: a Stopped VM (two spaces before "in"); VirtualMachineManagerImpl
    .checkIfCanUpgrade: with match.storage.pool.tags.with.disk.offering the current offering's storage tags must
    be a subset of the new one's."""
    vm = deploy(acme, "acme-upgrade")
    small = acme.listServiceOfferings(name="small")["serviceoffering"][0]["id"]
    status, error = api_error(acme.changeServiceForVirtualMachine, id=vm["id"], serviceofferingid=small)
    assert status == 431 and error["errortext"].endswith("}  in state Running; make sure the virtual machine is "
                                                         "stopped")
    acme.stopVirtualMachine(id=vm["id"], fetch_result=True)
    status, error = api_error(acme.changeServiceForVirtualMachine, id=vm["id"], serviceofferingid=small)
    assert (status, error["errortext"]) == (
        431, ("Unable to upgrade virtual machine; the current service offering  should have tags as subset of the new "
             "service offering tags. Current service offering tags: [dr]; new service offering tags: []"))


# -- listVirtualMachines -----------------------------------------------------------------------
def test_details_parameter_is_validated_and_trims_the_answer(acme):
    """ListVMsCmd.getDetails: only the VMDetails values; UserVmJoinDaoImpl.newUserVmResponse answers each
    section's fields only when asked (min: none of them; the nic set stays, empty)."""
    status, error = api_error(acme.listVirtualMachines, name="acme-web-1", details="everything")
    assert (status, error["errortext"]) == (
        431, ("The details parameter contains a non permitted value. The allowed values are [all, group, nics, stats, "
             "secgrp, tmpl, servoff, diskoff, backoff, iso, volume, min, affgrp, vnfnics]"))
    vm = acme.listVirtualMachines(name="acme-web-1", details="min")["virtualmachine"][0]
    assert "serviceofferingname" not in vm and "templateid" not in vm and vm["nic"] == []
    assert acme.listVirtualMachines(name="acme-web-1", details="nics")["virtualmachine"][0]["nic"]


def test_an_admin_finds_any_vm_by_id(admin, acme):
    """AccountManagerImpl.buildACLSearchParameters: with `id` a root admin is not narrowed to its own account."""
    vm = acme.listVirtualMachines(name="acme-web-1")["virtualmachine"][0]
    assert admin.listVirtualMachines(id=vm["id"])["virtualmachine"][0]["name"] == "acme-web-1"
    assert admin.listVirtualMachines(name="acme-web-1") == {}  # without id, its own account only


def test_keyword_matches_addresses_and_states(acme):
    """QueryManagerImpl.searchForUserVMIdsAndCount: keyword is LIKE on display name, host name and NIC IPs and
    equal to the state."""
    vm = acme.listVirtualMachines(name="acme-web-1")["virtualmachine"][0]
    found = acme.listVirtualMachines(keyword=vm["nic"][0]["ipaddress"])["virtualmachine"]
    assert vm["id"] in [v["id"] for v in found]
    assert all(v["state"] == "Running" for v in acme.listVirtualMachines(keyword="Running")["virtualmachine"])
