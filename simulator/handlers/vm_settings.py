"""Changing a VM: update (names, OS type, user data, details, uuid), service offering, SSH keys;
and reading its user data."""

from .. import errors
from ..contract import api
from ..model.accounts import owner_of
from ..model.limit_checks import check_change_service
from ..model.nics import nics_of
from ..model.templates import os_type
from ..model.texts import vm_text
from ..model.vms import change_vm_id, vm_event
from ..model.volumes import display_volumes
from ..views.vm import vm_view
from .vm_common import check_hostname, keypairs_param, userdata_param, vm_job, vm_param


def _set_details(ctx, vm, details, cleanup):
    """The user-visible details are replaced by `details`; cleanupdetails drops them all."""
    if not (details or cleanup):
        return
    for row in ctx.store.find("detail", resource_kind="vm", resource_pk=vm["_pk"]):
        if row["fordisplay"]:
            ctx.store.delete("detail", row)
    for key, value in details.items():
        ctx.store.add("detail", {"resource_kind": "vm", "resource_pk": vm["_pk"], "key": key, "value": value,
                                 "fordisplay": True})


@api("updateVirtualMachine")
def update_virtual_machine(ctx):
    vm = vm_param(ctx)
    if ctx.has("name") and ctx.p["name"] != vm["name"]:
        nets = [ctx.store.get("network", n["networkid"]) for n in nics_of(ctx.sim, vm)]
        check_hostname(ctx, ctx.p["name"], nets, vm)
        vm["name"] = ctx.p["name"]
    if ctx.has("ostypeid"):
        ostype = os_type(ctx)
        vm.update(guestosid=ostype["id"], ostypeid=ostype["id"], osdisplayname=ostype["description"])
    if ctx.has("userdata"):
        vm["userdata"] = userdata_param(ctx)
    for field in ("displayname", "group", "haenable", "userdataid"):
        if field in ctx.p:
            vm[field] = ctx.p[field]
    if "displayvm" in ctx.p and ctx.p["displayvm"] != vm.get("displayvm", True):
        vm["displayvm"] = ctx.p["displayvm"]
        display_volumes(ctx.sim, vm)
    _set_details(ctx, vm, ctx.details_map(), ctx.p.get("cleanupdetails"))
    if ctx.has("customid"):  # UpdateVMCmd: checked before anything changes (its own id counts as taken)
        change_vm_id(ctx, vm, ctx.p["customid"])
    ctx.store.touch("vm", vm)
    vm_event(ctx, "VM.UPDATE", "updating", vm)
    return vm_view(ctx, vm)


@api("changeServiceForVirtualMachine")
def change_service_for_virtual_machine(ctx):
    vm = vm_param(ctx)
    offering = ctx.lookup("serviceoffering", "serviceofferingid")
    if vm["state"] != "Stopped":
        raise errors.invalid(f"Unable to upgrade virtual machine {vm_text(vm)} in state {vm['state']}; make "
                             "sure the virtual machine is stopped")
    check_change_service(ctx, vm, offering)  # resource limits (model/limit_checks.py)
    if offering["id"] == vm["serviceofferingid"]:
        raise errors.invalid(f"Not upgrading vm {vm_text(vm)} since it already has the requested service "
                             f"offering ({offering['name']})")
    vm.update(serviceofferingid=offering["id"], serviceofferingname=offering["name"],
              cpunumber=offering["cpunumber"], cpuspeed=offering["cpuspeed"], memory=offering["memory"])
    ctx.store.touch("vm", vm)
    vm_event(ctx, "VM.UPGRADE", "upgrading", vm)
    return vm_view(ctx, vm)


@api("getVirtualMachineUserData")
def get_virtual_machine_user_data(ctx):
    vm = vm_param(ctx, "virtualmachineid")
    return {"virtualmachineid": vm["id"], "userdata": vm.get("userdata")}


@api("resetSSHKeyForVirtualMachine")
def reset_ssh_key_for_virtual_machine(ctx):
    vm = vm_param(ctx)
    owner = owner_of(ctx.sim, vm)
    keypairs = keypairs_param(ctx, owner)
    if keypairs is None:
        raise errors.invalid("'keypair' or 'keyparis' must be specified")
    if vm["state"] != "Stopped":
        raise errors.invalid(f"vm {vm['id']} should be stopped to do SSH Key reset")

    def run():
        vm["keypairs"] = keypairs
        ctx.store.touch("vm", vm)
        vm_event(ctx, "VM.RESETSSHKEY", "resetting SSHKey for", vm)
        return vm_view(ctx, vm)

    return vm_job(ctx, vm, run, needs_hypervisor=False)
