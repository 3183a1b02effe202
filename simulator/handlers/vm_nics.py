"""A VM's NICs: add one, remove one, make one the default (async: every check is in the job), and
list them (listNics)."""

import ipaddress

from .. import errors
from ..contract import api
from ..errors import ApiError
from ..model.accounts import owner_of
from ..model.networks import implement
from ..model.nics import add_nic, nics_of, remove_nic
from ..model.texts import network_vo_text, nic_text, vm_text
from ..model.vm_snapshots import check_no_vm_snapshots
from ..model.vms import agent_unreachable
from ..views.network import nic_views
from ..views.vm import vm_view
from .filters import filter_eq
from .vm_common import ACCESS_DENIED, entity_param, vm_job, vm_param
from .vm_deploy import NETWORK_PERMISSION


def _network_text(ctx, network):
    return network_vo_text(network, ctx.store.get("networkoffering", network["networkofferingid"]))


def _zone_text(zone):
    """DataCenterVO.toString."""
    return f'Zone {{"id": "{zone["_pk"]}", "name": "{zone["name"]}", "uuid": "{zone["id"]}"}}'


def _unreachable(ctx, vm, action):
    """A Running VM whose host's agent is gone (its zone failed): the NIC cannot be plugged or unplugged."""
    text = agent_unreachable(ctx.sim, vm)
    if text:
        raise errors.internal(f"{action}: com.cloud.exception.AgentUnavailableException: {text}")


def _nic_job(ctx, vm, change):
    """A NIC change runs in the VM's queue and answers the VM."""
    def run():
        change()
        return vm_view(ctx, vm)

    return vm_job(ctx, vm, run)


# -- add ---------------------------------------------------------------------------------------
def _check_add(ctx, vm, net):
    """UserVmManagerImpl.addNicToVirtualMachine's checks, in its order."""
    check_no_vm_snapshots(ctx.sim, vm, "NIC cannot be added to VM with VM Snapshots")
    owner = owner_of(ctx.sim, vm)
    if net.get("accountid") not in (None, owner["id"]):  # NetworkModelImpl.checkNetworkPermissions
        raise errors.denied(NETWORK_PERMISSION.format(net["id"]))
    if any(n["networkid"] == net["id"] for n in nics_of(ctx.sim, vm)):
        raise errors.internal(f"A NIC already exists for VM:{vm['instancename']} in network: {net['id']}")
    ip = ctx.get("ipaddress")
    if ip is not None:
        try:
            ipaddress.ip_address(ip)
        except ValueError:
            raise errors.invalid(f"Invalid format for IP address parameter: {ip}") from None
    if net["zoneid"] != vm["zoneid"]:
        raise errors.internal(f"{vm_text(vm)} is in zone: {_zone_text(ctx.store.get('zone', vm['zoneid']))} but "
                              f"{_network_text(ctx, net)} is in zone: "
                              f"{_zone_text(ctx.store.get('zone', net['zoneid']))}")
    for nic in ctx.store.find("nic", networkid=net["id"]):
        other = ctx.store.by_pk("vm", nic["_vm_pk"])
        if other is not None and other["name"] == vm["name"] and not other.get("removed"):
            raise errors.internal(f"Network {net['name']} already has a vm with host name: {vm['name']}")


@api("addNicToVirtualMachine")
def add_nic_to_virtual_machine(ctx):
    """UserVmManagerImpl.addNicToVirtualMachine, all in the job: no VM snapshots (431); the VM owner may use the
    network, the VM has no NIC there, the network is in its zone, its host name is free there (530); the IP
    is well formed (431). VirtualMachineManagerImpl.orchestrateAddVmToNetwork: a Running or Stopped VM; a taken
    or out-of-range IP is an InsufficientCapacityException the manager wraps (530). The NIC is the default
    when the VM has none (setNicAsDefaultIfNeeded)."""
    vm = vm_param(ctx, "virtualmachineid")
    net = entity_param(ctx, "network", "networkid")

    def add():
        _check_add(ctx, vm, net)
        if vm["state"] not in ("Running", "Stopped"):
            raise errors.internal(
                f"Unable to add NIC to {vm_text(vm)}: com.cloud.exception.ResourceUnavailableException: Resource "
                f"[DataCenter:{ctx.store.get('zone', vm['zoneid'])['_pk']}] is unreachable: Unable to add vm "
                f"{vm_text(vm)} to network, is not in the right state")
        if vm["state"] == "Running":
            _unreachable(ctx, vm, f"Unable to add NIC to {vm_text(vm)}")
        default = not any(n["isdefault"] for n in nics_of(ctx.sim, vm))
        try:
            add_nic(ctx, vm, net, ctx.get("ipaddress"), isdefault=default, event=True)
        except ApiError as exc:
            if exc.errorcode != errors.INSUFFICIENT_CAPACITY:
                raise
            zone = ctx.store.get("zone", vm["zoneid"])
            raise errors.internal(
                f"Insufficient capacity when adding NIC to {vm_text(vm)}: com.cloud.exception."
                f"InsufficientVirtualNetworkCapacityException: Unable to acquire Guest IP address for network "
                f"{_network_text(ctx, net)}Scope=interface com.cloud.dc.DataCenter; id={zone['_pk']}") from None
        if vm["state"] == "Running":
            implement(ctx.sim, net)

    return _nic_job(ctx, vm, add)


# -- remove, make default ----------------------------------------------------------------------
def _nic_of(ctx, vm, nic, spacer):
    """The NIC must be the VM's (UserVmManagerImpl: "<nic> is not a nic on <vm>", one space more for update)."""
    if nic["_vm_pk"] != vm["_pk"]:
        raise errors.invalid(f"{_nic_text(ctx, nic)} is not a nic on{spacer}{vm_text(vm)}")


def _nic_text(ctx, nic):
    return nic_text(nic, ctx.store.by_pk("vm", nic["_vm_pk"]) or {"_pk": None},
                    ctx.store.get("network", nic["networkid"]) or {})


def _has_rules(ctx, nic):
    """RulesManagerImpl.listAssociatedRulesForGuestNic: port forwarding to the NIC's IP in its network, static
    NAT to it (load balancing is not modelled)."""
    pf = [r for r in ctx.store.find("rule", _vm_pk=nic["_vm_pk"], vmguestip=nic["ipaddress"])
          if r.get("networkid") in (None, nic["networkid"])]
    nat = [ip for ip in ctx.store.find("publicip", _vm_pk=nic["_vm_pk"], vmipaddress=nic["ipaddress"])
           if ip.get("isstaticnat")]
    return bool(pf or nat)


@api("removeNicFromVirtualMachine")
def remove_nic_from_virtual_machine(ctx):
    """UserVmManagerImpl.removeNicFromVirtualMachine, all in the job: no VM snapshots, the NIC is the VM's, not
    its default, and no port forwarding, load balancing or static NAT uses it (431); a Running or Stopped VM
    (VirtualMachineManagerImpl.orchestrateRemoveNicFromVm, 530)."""
    vm = vm_param(ctx, "virtualmachineid")
    nic = entity_param(ctx, "nic", "nicid")

    def remove():
        check_no_vm_snapshots(ctx.sim, vm, "NIC cannot be removed from VM with VM Snapshots")
        net = ctx.store.get("network", nic["networkid"])
        _nic_of(ctx, vm, nic, " ")
        where = f"Unable to remove nic from {vm_text(vm)} in {_network_text(ctx, net)}, nic"
        if nic["isdefault"]:
            raise errors.invalid(f"{where} is default.")
        if _has_rules(ctx, nic):
            raise errors.invalid(f"{where} has associated Port forwarding or Load balancer or Static NAT rules.")
        action = f"Unable to remove {_network_text(ctx, net)} from {vm_text(vm)}"
        if vm["state"] not in ("Running", "Stopped"):
            zone = ctx.store.get("zone", vm["zoneid"])
            raise errors.internal(f"{action}: com.cloud.exception.ResourceUnavailableException: Resource "
                                  f"[DataCenter:{zone['_pk']}] is unreachable: Unable to remove vm {vm_text(vm)} from "
                                  "network, is not in the right state")
        if vm["state"] == "Running":
            _unreachable(ctx, vm, action)
        remove_nic(ctx.sim, nic)
        ctx.event("NIC.DELETE", f"Successfully completed Removing Nic. Vm Id: {vm['id']} Nic Id: {nic['id']}",
                  owner_of(ctx.sim, vm))

    return _nic_job(ctx, vm, remove)


@api("updateDefaultNicForVirtualMachine")
def update_default_nic_for_virtual_machine(ctx):
    """UserVmManagerImpl.updateDefaultNicForVirtualMachine, all in the job: no VM snapshots, the NIC is the VM's
    (431); not already the default, a Running or Stopped VM (530). The two NICs swap device ids
    (VirtualMachineManagerImpl.orchestrateUpdateDefaultNicForVM)."""
    vm = vm_param(ctx, "virtualmachineid")
    nic = entity_param(ctx, "nic", "nicid")

    def make_default():
        check_no_vm_snapshots(ctx.sim, vm, "NIC cannot be updated for VM with VM Snapshots")
        _nic_of(ctx, vm, nic, "  ")
        if nic["isdefault"]:
            raise errors.internal("refusing to set default nic because chosen nic is already the default")
        if vm["state"] not in ("Running", "Stopped"):
            raise errors.internal(f"refusing to set default {vm_text(vm)} is not Running or Stopped")
        old = next(n for n in nics_of(ctx.sim, vm) if n["isdefault"])
        old["deviceid"], nic["deviceid"] = nic["deviceid"], old["deviceid"]
        old["isdefault"], nic["isdefault"] = False, True
        ctx.store.touch("nic", old)
        ctx.store.touch("nic", nic)
        ctx.event("NIC.UPDATE", f"Successfully completed Creating Nic. Vm Id: {vm['id']} Nic Id: {nic['id']}",
                  owner_of(ctx.sim, vm))

    return _nic_job(ctx, vm, make_default)


# -- listNics ----------------------------------------------------------------------------------
@api("listNics")
def list_nics(ctx):
    """ListNicsCmd.execute (every exception becomes 530 with its message) -> NetworkServiceImpl.listNics: a VM
    that is hidden from a User (domain and root admins see it) "does not exist"; the caller's access to it; then
    its NICs by nicid and networkid, or those whose IPv4 address holds the keyword. keyword with nicid lists the
    NIC's secondary IPs instead (the simulator has none: one empty entry). No paging."""
    vm = ctx.store.get("vm", ctx.p["virtualmachineid"])
    if vm is None or vm.get("removed"):
        raise ctx.invalid_value("virtualmachineid", ctx.p["virtualmachineid"])
    nic = entity_param(ctx, "nic", "nicid") if ctx.has("nicid") else None
    if ctx.has("networkid"):
        entity_param(ctx, "network", "networkid")
    if not vm.get("displayvm", True) and ctx.caller.role == "User":
        raise errors.internal("Virtual machine id does not exist")
    if not ctx.can_see(vm):
        raise errors.internal(ACCESS_DENIED)
    if ctx.has("keyword") and nic is not None:
        return [{}]
    views = [dict(v, extradhcpoption=[]) for v in nic_views(ctx.sim, vm)]
    if ctx.has("keyword"):
        return [v for v in views if ctx.p["keyword"] in (v.get("ipaddress") or "")]
    if nic is not None:
        views = [v for v in views if v["id"] == nic["id"]]
    return filter_eq(ctx, views, "networkid")
