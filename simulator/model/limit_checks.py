"""Where CloudStack checks resource limits: one call per command, each answering the refusal as that command
does (sync 535, or a failed job's 530 with the command's own text). The handlers call these in one line, at
the point of their checks where CloudStack's command checks the limits.

startVirtualMachine checks nothing (it would only with resource.count.running.vms.only=true), nor do the
display-flag changes of updateVirtualMachine/updateVolume/updateNetwork (they only move the counts).
"""

from .. import errors
from ..errors import ApiError
from .limits import LimitExceeded, check
from .texts import ip_text, network_text, vpc_text
from .units import GIB


def _allocation_error(exc, cserrorcode=errors.CS_RESOURCE_ALLOCATION):
    """A ResourceAllocationException answered by ApiServer (535, its CSExceptionErrorCode), or wrapped by a
    command in a ServerApiException(RESOURCE_ALLOCATION_ERROR) without a cause (cserrorcode 9999)."""
    return ApiError(errors.RESOURCE_ALLOCATION, str(exc), cserrorcode)


def _checks(sim, account, steps):
    """check() each (type, amount, reserved) in order; CheckedReservation checks only positive amounts."""
    for rtype, amount, reserved in steps:
        if amount > 0:
            check(sim, account, rtype, amount, reserved)


def disk_size(ctx, offering, size_gb):
    """The bytes a data disk of this offering takes: the offering's size, or `size` GB for a customised one."""
    gib = size_gb if offering.get("iscustomized") else offering.get("disksize")
    return int(float(gib or 0) * GIB)


def check_deploy(ctx, plan):
    """deployVirtualMachine (UserVmManagerImpl.getCheckedUserVmResource, getUncheckedUserVmResource): reservations of
    user_vm 1, cpu, memory, then volume 1 for the ROOT (and 1 for the data disk), then primary_storage for each; a
    VM or its volumes hidden with displayvm=false are checked all the same. Sync 535 (DeployVMCmd.create wraps
    the ResourceAllocationException in a ServerApiException)."""
    owner, offering, disk = plan["owner"], plan["offering"], plan["disk"]
    root = ctx.get("rootdisksize")
    root = int(float(root) * GIB) if root else int(plan["template"].get("size") or 0)
    data = disk_size(ctx, disk, ctx.get("size")) if disk else 0
    steps = [("user_vm", 1, 0), ("cpu", int(offering["cpunumber"]), 0), ("memory", int(offering["memory"]), 0),
             ("volume", 1, 0), ("volume", 1 if disk else 0, 1), ("primary_storage", root, 0),
             ("primary_storage", data, root)]
    try:
        _checks(ctx.sim, owner, steps)
    except LimitExceeded as exc:
        raise _allocation_error(exc, errors.CS_SERVER_API) from None


def check_new_volume(ctx, owner, offering):
    """createVolume (VolumeApiServiceImpl.allocVolume -> ResourceLimitManagerImpl.checkVolumeResourceLimit): volume
    1 then primary_storage, unless the volume is created hidden; sync 535 (ResourceAllocationException)."""
    if not ctx.p.get("displayvolume", True):
        return
    try:
        check(ctx.sim, owner, "volume")
        check(ctx.sim, owner, "primary_storage", disk_size(ctx, offering, ctx.get("size")))
    except LimitExceeded as exc:
        raise _allocation_error(exc) from None


def check_import(ctx, owner, size):
    """importVolume, in the job (VolumeImportUnmanageManagerImpl.checkResourceLimitForImportVolume): volume 1 then
    primary_storage of the file's virtual size; a ServerApiException(INTERNAL_ERROR): the job fails 530."""
    try:
        check(ctx.sim, owner, "volume")
        check(ctx.sim, owner, "primary_storage", int(size))
    except LimitExceeded as exc:
        raise errors.internal(f"VM resource allocation error for account: {owner['id']}. {exc}",
                              errors.CS_SERVER_API) from None


def check_associate(ctx, ip, network, vpc):
    """associateIpAddress, in the job (IpAddressManagerImpl.associateIPToGuestNetwork, VpcManagerImpl
    .associateIPToVpc): a public_ip reservation for the IP's account; refused, the IP stays allocated to the
    account but on no network (Allocating), and the job fails 530 with the command's CloudRuntimeException."""
    account = ctx.store.get("account", ip["accountid"])
    try:
        check(ctx.sim, account, "public_ip")
    except LimitExceeded:
        ip.update(associatednetworkid=None, associatednetworkname=None, vpcid=None, vpcname=None,
                  issourcenat=False, state="Allocating")
        ctx.store.touch("publicip", ip)
        if ctx.has("vpcid"):
            raise errors.internal(f"Failed to associate ip {ip_text(ip)} to vpc {vpc_text(vpc)}") from None
        raise errors.internal(f"Failed to associate ip address {ip_text(ip)} to network {network_text(network)}") \
            from None


def check_new_network(ctx, network):
    """createNetwork (NetworkOrchestrator.createGuestNetwork): network 1 for an isolated, account-scoped network
    created displayed (resourceCountNeedsUpdate); sync 535 (ResourceAllocationException)."""
    if (network.get("acltype") != "Account" or network.get("guestiptype") != "Isolated"
            or not network.get("accountid") or not network.get("displaynetwork", True)):
        return
    try:
        check(ctx.sim, ctx.store.get("account", network["accountid"]), "network")
    except LimitExceeded as exc:
        raise _allocation_error(exc) from None


def check_new_vpc(ctx, owner):
    """createVPC (VpcManagerImpl.createVpc: the first check after the owner's); sync 535."""
    try:
        check(ctx.sim, owner, "vpc")
    except LimitExceeded as exc:
        raise _allocation_error(exc) from None


def _vm_checks(ctx, vm, steps):
    if not vm.get("displayvm", True):  # getResourceLimitHostTagsForResourceCountOperation: hidden VMs are not checked
        return
    try:
        _checks(ctx.sim, ctx.store.get("account", vm["accountid"]), steps)
    except LimitExceeded as exc:
        raise _allocation_error(exc) from None


def check_change_service(ctx, vm, offering):
    """changeServiceForVirtualMachine (UserVmManagerImpl.upgradeStoppedVirtualMachine ->
    checkVmResourceLimitsForServiceOfferingChange): the cpu and memory it adds; sync 535."""
    _vm_checks(ctx, vm, [("cpu", int(offering["cpunumber"]) - int(vm["cpunumber"]), 0),
                         ("memory", int(offering["memory"]) - int(vm["memory"]), 0)])


def check_recover(ctx, vm):
    """recoverVirtualMachine (UserVmManagerImpl.recoverVirtualMachine -> checkVmResourceLimit): user_vm, cpu and
    memory come back; sync 535."""
    _vm_checks(ctx, vm, [("user_vm", 1, 0), ("cpu", int(vm["cpunumber"]), 0), ("memory", int(vm["memory"]), 0)])


def check_new_template(ctx, owner):
    """registerTemplate (TemplateAdapterBase.prepare: checkResourceLimit(owner, template)); sync 535."""
    try:
        check(ctx.sim, owner, "template")
    except LimitExceeded as exc:
        raise _allocation_error(exc) from None
