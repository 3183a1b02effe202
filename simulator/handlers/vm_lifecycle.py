"""The VM lifecycle commands after deploy: start, stop, reboot, destroy, expunge, recover.

The lifecycle itself (what each step does to the VM, its volumes and networks) is model/vms.py.
These commands are async in CloudStack, and their managers check everything in the job: the
command only resolves its parameters (uuids, @ACL access) before queueing. recover is sync.
"""

from .. import errors
from ..contract import SUCCESS, api
from ..model.accounts import owner_of
from ..model.configs import setting
from ..model.limit_checks import check_recover
from ..model.texts import vm_text, volume_text
from ..model.vms import (
    GONE,
    agent_unreachable,
    check_given_host,
    destroy_vm,
    expunge_vm,
    place,
    start_vm,
    stop_vm,
    vm_event,
)
from ..model.volumes import volumes_of
from ..views.vm import vm_view
from .vm_common import user_may_expunge, vm_job, vm_param


def _display_name(vm):
    """UserVmVO.getDisplayNameOrHostName."""
    return vm.get("displayname") or vm["name"]


# -- start, stop, reboot ----------------------------------------------------------------------
def _start_host(ctx, vm):
    """UserVmManagerImpl.getDestinationHost/startVirtualMachine: hostid, podid and clusterid have no `authorized`
    in StartVMCmd; the manager refuses them from anyone but a root admin (PermissionDeniedException: 530 in
    the job); a given host must be Enabled and Up and have room (InvalidParameterValueException: 431)."""
    host = ctx.lookup("host", "hostid", required=False)
    for param in ("podid", "clusterid", "hostid"):
        if ctx.has(param) and not ctx.caller.is_root:
            return param, None
    return None, host


@api("startVirtualMachine")
def start_virtual_machine(ctx):
    vm = vm_param(ctx)
    refused, host = _start_host(ctx, vm)

    def run():
        if vm["state"] == "Running":
            raise errors.invalid(f"The virtual machine {vm['id']} ({_display_name(vm)}) is already running")
        owner = owner_of(ctx.sim, vm)
        if owner["state"] != "enabled":
            raise errors.denied(f"The owner of {vm_text(vm)} is disabled: {owner['name']}")
        if refused:
            raise errors.denied(f"Parameter {refused} can only be specified by a Root Admin, permission denied")
        if host is not None:
            check_given_host(ctx.sim, vm, host)
        if vm["state"] != "Stopped":  # VirtualMachineManagerImpl.changeToStartState, after the planner has run
            place(ctx.sim, vm, host)
            raise errors.internal(f"Cannot start {vm_text(vm)} in {vm['state']} state")
        start_vm(ctx, vm, host)
        return vm_view(ctx, vm)

    return vm_job(ctx, vm, run)


@api("stopVirtualMachine")
def stop_virtual_machine(ctx):
    """UserVmManagerImpl.stopVirtualMachine: a forced stop needs allow.user.force.stop.vm (default true);
    VirtualMachineManagerImpl.advanceStop: a stopped, destroyed or failed VM is answered as it is."""
    vm = vm_param(ctx)
    forced = bool(ctx.p.get("forced"))

    def run():
        if forced and not ctx.caller.is_root and setting(ctx.sim, "allow.user.force.stop.vm") != "true":
            raise errors.denied("Account does not have the permission to force stop the vm.")
        stop_vm(ctx, vm, forced)
        return vm_view(ctx, vm)

    return vm_job(ctx, vm, run)


@api("rebootVirtualMachine")
def reboot_virtual_machine(ctx):
    """UserVmManagerImpl.rebootVirtualMachine: only a Running VM (431, in the job); a forced reboot (stop and
    start) needs its host Enabled and Up; a plain one fails when the host's agent cannot be reached."""
    vm = vm_param(ctx)
    forced = bool(ctx.p.get("forced"))

    def run():
        if vm["state"] != "Running":
            raise errors.invalid(f"The VM {vm['id']} ({_display_name(vm)}) is not running, unable to reboot it")
        host = ctx.store.get("host", vm["hostid"])
        if forced and (host is None or host["state"] != "Up" or host["resourcestate"] != "Enabled"):
            raise errors.internal(f"Unable to force reboot the VM as the host: {host and host['_pk']} is not in the "
                                  "right state")
        unreachable = agent_unreachable(ctx.sim, vm)
        if unreachable:
            raise errors.internal(unreachable)
        vm_event(ctx, "VM.REBOOT", "rebooting", vm)
        return vm_view(ctx, vm)

    return vm_job(ctx, vm, run)


# -- destroy, recover, expunge ---------------------------------------------------------------
def _volumes_to_delete(ctx, vm):
    """UserVmManagerImpl.checkForUnattachedVolumes: each must be a DATADISK attached to the VM."""
    vols = [ctx.lookup("volume", "volumeids", value=i) for i in ctx.p.get("volumeids") or []]
    wrong = [v for v in vols if v.get("virtualmachineid") != vm["id"] or v["type"] != "DATADISK"]
    if wrong:
        raise errors.invalid("The following supplied volumes are not DATADISK attached to the VM: "
                             + "".join(f"{volume_text(v)}; " for v in wrong))
    return vols


@api("destroyVirtualMachine")
def destroy_virtual_machine(ctx):
    """UserVmManagerImpl.destroyVm(DestroyVMCmd), all in the job: expunge needs an admin or
    allow.user.expunge.recover.vm (PermissionDeniedException: 530); a destroyed VM is answered as it is unless
    expunged; delete protection; the volumeids; then the destroy itself (model/vms.destroy_vm)."""
    vm = vm_param(ctx, removed_ok=True)
    expunge = bool(ctx.p.get("expunge"))

    def run():
        if expunge and not user_may_expunge(ctx):
            raise errors.denied("Account does not have permission for expunging.")
        if vm.get("removed"):
            raise errors.invalid(f"unable to find a virtual machine with id {vm['_pk']}")
        if vm["state"] in GONE and not expunge:
            return vm_view(ctx, vm)
        if vm.get("deleteprotection"):
            raise errors.invalid(f"Instance [id = {vm['id']}, name = {vm['name']}] has delete protection enabled and "
                                 "cannot be deleted.")
        delete = _volumes_to_delete(ctx, vm)
        if vm["state"] not in GONE:
            destroy_vm(ctx, vm, delete, expunge)
        elif expunge:
            expunge_vm(ctx, vm)
        return vm_view(ctx, vm)

    return vm_job(ctx, vm, run)


@api("expungeVirtualMachine")
def expunge_virtual_machine(ctx):
    """UserVmManagerImpl.expungeVm, in the job (ExpungeVMCmd: an InvalidParameterValueException is 431, any
    other CloudRuntimeException 530): only a Destroyed, Expunging or Error VM; then the admin check."""
    vm = vm_param(ctx, removed_ok=True)

    def run():
        if vm.get("removed"):
            raise errors.invalid("Unable to find a virtual machine with specified vmId")
        if vm["state"] not in ("Destroyed", "Expunging", "Error"):
            raise errors.internal("Please destroy vm with specified vmId before expunge")
        if not user_may_expunge(ctx):
            raise errors.internal("Expunging a vm can only be done by an Admin. Or when the "
                                  "allow.user.expunge.recover.vm key is set.")
        expunge_vm(ctx, vm)
        return SUCCESS

    return vm_job(ctx, vm, run)


@api("recoverVirtualMachine")
def recover_virtual_machine(ctx):
    """UserVmManagerImpl.recoverVirtualMachine (sync): an admin or allow.user.expunge.recover.vm; only a
    Destroyed VM; its ROOT is recovered when it was destroyed (Destroy -> Ready/Allocated). RecoverVMCmd answers
    the full view (instancename) to every caller."""
    vm = vm_param(ctx, removed_ok=True)
    if vm.get("removed"):
        raise errors.invalid(f"unable to find a virtual machine with id {vm['_pk']}")
    if not user_may_expunge(ctx):
        raise errors.denied("Recovering a vm can only be done by an Admin. Or when the allow.user.expunge.recover.vm "
                            "key is set.")
    if vm["state"] != "Destroyed":
        raise errors.invalid(f"Vm with id {vm['id']} is not in the right state")
    check_recover(ctx, vm)  # resource limits (model/limit_checks.py)
    for vol in volumes_of(ctx.sim, vm):
        if vol["type"] == "ROOT" and vol["state"] == "Destroy":
            vol["state"] = "Ready" if vol.get("path") else "Allocated"
            ctx.store.touch("volume", vol)
    vm["state"] = "Stopped"
    ctx.store.touch("vm", vm)
    vm_event(ctx, "VM.RECOVER", "recovering", vm)
    return vm_view(ctx, vm, full=True)

