"""Backup offerings and a VM's assignment to one (BackupManagerImpl). The commands exist only while
backup.framework.enabled is true (BackupManagerImpl.getCommands): see `backup_command_gate`."""

from .. import errors
from ..contract import GATES, SUCCESS, Job, api
from ..errors import ApiError
from ..model.accounts import owner_of
from ..model.backups import PROVIDER, assign, backup_offering_of, check_zone, framework_enabled, unassign
from ..views.common import public
from .vm_common import check_vm_access

COMMANDS = ("importBackupOffering", "listBackupOfferings", "assignVirtualMachineToBackupOffering",
            "removeVirtualMachineFromBackupOffering")


def backup_command_gate(sim, caller, name):
    """A command class that is not registered: the role checker refuses it to callers other than the root
    admin (DynamicRoleBasedAPIAccessChecker.checkAccess: it is in no role's annotation list), and ApiServer
    answers the root admin "Unknown API command" (both 432)."""
    if framework_enabled(sim):
        return
    if caller.is_root:
        raise ApiError(errors.UNSUPPORTED_ACTION, f"Unknown API command: {name}")
    raise ApiError(errors.UNSUPPORTED_ACTION, f"The API [{name}] does not exist or is not available for the "
                                              f"account for user id [{caller.user['id']}].")


for _name in COMMANDS:
    GATES[_name] = backup_command_gate


def offering_view(offering):
    """BackupOfferingDaoImpl.newBackupOfferingResponse."""
    view = public(offering)
    view.pop("provider", None)
    return view


def _wrapped(fn):
    """The backup commands' execute(): every exception becomes a ServerApiException 530 with its message."""
    def run():
        try:
            return fn()
        except ApiError as exc:
            raise errors.ApiError(errors.INTERNAL_ERROR, exc.errortext) from None
    return run


@api("importBackupOffering")
def import_backup_offering(ctx):
    """BackupManagerImpl.importBackupOffering, in the job: the framework on in the zone; no offering of the zone
    with that external id or name; the dummy provider takes any external id."""
    zone = ctx.lookup("zone", "zoneid")

    def run():
        check_zone(ctx.sim)
        offerings = ctx.store.find("backupoffering", zoneid=zone["id"])
        if any(o["externalid"] == ctx.p["externalid"] for o in offerings):
            raise errors.internal(f"A backup offering with external ID {ctx.p['externalid']} already exists")
        if any(o["name"] == ctx.p["name"] for o in offerings):
            raise errors.internal("A backup offering with the same name already exists in this zone")
        offering = ctx.store.add("backupoffering", {
            "name": ctx.p["name"], "description": ctx.p["description"], "externalid": ctx.p["externalid"],
            "zoneid": zone["id"], "zonename": zone["name"], "provider": PROVIDER,
            "allowuserdrivenbackups": bool(ctx.p.get("allowuserdrivenbackups"))})
        ctx.event("BACKUP.IMPORT.OFFERING", "Successfully completed importing backup offering")
        return offering_view(offering)

    return Job(_wrapped(run), "BackupOffering", object_key="backupoffering")


@api("listBackupOfferings")
def list_backup_offerings(ctx):
    """BackupManagerImpl.listBackupOfferings: an unknown `id` is 530 "Offering ID <id> does not exist"; plain users
    see only offerings that allow user-driven backups; keyword matches the name."""
    if ctx.has("id"):
        offering = ctx.store.get("backupoffering", ctx.p["id"])
        if offering is None:
            raise errors.internal(f"Offering ID {ctx.p['id']} does not exist")
        return [offering_view(offering)]
    offerings = ctx.store.all("backupoffering")
    if ctx.has("zoneid"):
        offerings = [o for o in offerings if o["zoneid"] == ctx.p["zoneid"]]
    if ctx.has("keyword"):
        offerings = [o for o in offerings if ctx.p["keyword"] in o["name"]]
    if ctx.caller.role == "User":
        offerings = [o for o in offerings if o["allowuserdrivenbackups"]]
    return [offering_view(o) for o in offerings]


def _vm(ctx):
    """No @ACL on virtualmachineid: the manager checks access (PermissionDeniedException: 530 in these jobs)."""
    vm = ctx.store.get("vm", ctx.p["virtualmachineid"])
    if vm is None:
        raise ctx.invalid_value("virtualmachineid", ctx.p["virtualmachineid"])
    return vm


@api("assignVirtualMachineToBackupOffering")
def assign_virtual_machine_to_backup_offering(ctx):
    """BackupManagerImpl.assignVMToBackupOffering, in the job (530 with the message): a Running or Stopped VM, the
    framework on in its zone, the caller's access, not already assigned, an existing offering."""
    vm = _vm(ctx)
    offering = ctx.store.get("backupoffering", ctx.p["backupofferingid"])
    if offering is None:
        raise ctx.invalid_value("backupofferingid", ctx.p["backupofferingid"])

    def run():
        if vm.get("removed"):
            raise errors.internal(f"Can't find any VM with ID: [{vm['_pk']}].")
        if vm["state"] not in ("Running", "Stopped"):
            raise errors.internal("VM is not in running or stopped state")
        check_zone(ctx.sim)
        check_vm_access(ctx, vm)
        if backup_offering_of(ctx.sim, vm) is not None:
            raise errors.internal("VM already is assigned to a backup offering, please remove the VM from its "
                                  "previous offering")
        assign(ctx.sim, vm, offering)
        ctx.event("BACKUP.OFFERING.ASSIGN", "Successfully completed assign VM to backup offering",
                  owner_of(ctx.sim, vm))
        return SUCCESS

    return Job(_wrapped(run), "VirtualMachine", vm["id"])


@api("removeVirtualMachineFromBackupOffering")
def remove_virtual_machine_from_backup_offering(ctx):
    """BackupManagerImpl.removeVMFromBackupOffering, in the job (530 with the message): the framework on, the
    caller's access, an offering assigned; the dummy provider deletes the VM's backups, so `forced` is
    required."""
    vm = _vm(ctx)

    def run():
        check_zone(ctx.sim)
        check_vm_access(ctx, vm)
        offering = backup_offering_of(ctx.sim, vm)
        if offering is None:
            raise errors.internal("No previously configured backup offering found for the VM")
        if not ctx.p.get("forced"):
            raise errors.internal(
                f"To remove VM [id: {vm['id']}, name: {vm['instancename']}] from Backup Offering [id: "
                f"{offering['id']}, name: {offering['name']}] using the provider [DummyBackupProvider], please "
                "specify the forced:true option to allow the deletion of all jobs and backups for this VM or remove "
                "the backups that this VM has with the backup offering.")
        unassign(ctx.sim, vm)
        ctx.event("BACKUP.OFFERING.REMOVE", "Successfully completed remove VM from backup offering",
                  owner_of(ctx.sim, vm))
        return SUCCESS

    return Job(_wrapped(run), "VirtualMachine", vm["id"])
