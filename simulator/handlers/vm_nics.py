"""A VM's NICs: add one, remove one, make one the default."""

from .. import errors
from ..contract import api
from ..model.accounts import owner_of
from ..model.networks import implement
from ..model.nics import add_nic, nics_of, remove_nic
from ..model.texts import vm_text
from ..views.vm import vm_view
from .vm_common import owned_network, vm_job, vm_param


def _vm_and_nic(ctx, if_default):
    """The VM and its NIC that the command names; `if_default` is the error when that NIC is the VM's
    default ({vm} and {network} are filled in)."""
    vm = vm_param(ctx, "virtualmachineid")
    nic = ctx.store.get("nic", ctx.p["nicid"])
    if nic is None or nic["_vm_pk"] != vm["_pk"]:
        raise ctx.invalid_value("nicid", ctx.p["nicid"])
    if nic["isdefault"]:
        raise errors.invalid(if_default.format(vm=vm_text(vm), network=nic["networkname"]))
    return vm, nic


def _nic_job(ctx, vm, change):
    """A NIC change runs in the VM's queue and needs its hypervisor while the VM runs; it answers the VM."""
    def run():
        change()
        return vm_view(ctx, vm)

    return vm_job(ctx, vm, run, needs_hypervisor=vm["state"] == "Running")


@api("addNicToVirtualMachine")
def add_nic_to_virtual_machine(ctx):
    vm = vm_param(ctx, "virtualmachineid")
    net = ctx.lookup("network", "networkid")
    owned_network(ctx, owner_of(ctx.sim, vm), ctx.store.get("zone", vm["zoneid"]), net)
    if vm["state"] not in ("Running", "Stopped"):
        raise errors.invalid(f"Unable to add a NIC to {vm_text(vm)} in state {vm['state']}")
    if any(n["networkid"] == net["id"] for n in nics_of(ctx.sim, vm)):
        raise errors.invalid(f"A NIC already exists for VM:{vm['instancename']} in network: {net['id']}")

    def add():
        add_nic(ctx, vm, net, ctx.get("ipaddress"), event=True)
        if vm["state"] == "Running":
            implement(ctx.sim, net)

    return _nic_job(ctx, vm, add)


@api("removeNicFromVirtualMachine")
def remove_nic_from_virtual_machine(ctx):
    vm, nic = _vm_and_nic(ctx, "Unable to remove nic from {vm} in network {network}, nic is default.")

    def remove():
        remove_nic(ctx.sim, nic)
        ctx.event("NIC.DELETE", f"Removed nic {nic['id']} from VM {vm['id']}", owner_of(ctx.sim, vm))

    return _nic_job(ctx, vm, remove)


@api("updateDefaultNicForVirtualMachine")
def update_default_nic_for_virtual_machine(ctx):
    vm, nic = _vm_and_nic(ctx, "The NicId provided is already the default NIC; please specify another NIC")

    def make_default():
        for other in nics_of(ctx.sim, vm):
            other["isdefault"] = other is nic
            ctx.store.touch("nic", other)
        ctx.event("NIC.UPDATE", f"Set nic {nic['id']} as the default of VM {vm['id']}", owner_of(ctx.sim, vm))

    return _nic_job(ctx, vm, make_default)
