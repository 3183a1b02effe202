"""The view every VM answer uses."""

from ..model.affinity import groups_of
from ..model.configs import csv_setting, setting
from .affinity import affinity_brief
from .common import details_of, public, tags_of
from .network import nic_views

ROOT_ONLY_VIEW = ("hostid", "hostname", "instancename")  # ResponseView.Full: root admins only


def vm_view(ctx, vm, with_userdata=False):
    view = public(vm)
    if not with_userdata:  # getVirtualMachineUserData, or listVirtualMachines userdata=true (4.18+)
        view.pop("userdata", None)
    if not ctx.caller.is_root:
        for field in ROOT_ONLY_VIEW:
            view.pop(field, None)
    nics = nic_views(ctx.sim, vm)
    default = next((n for n in nics if n["isdefault"]), None)
    view.update(
        nic=nics, ipaddress=default and default["ipaddress"], securitygroup=[], hypervisor="KVM",
        affinitygroup=[affinity_brief(g) for g in groups_of(ctx.sim, vm)],
        details=_details(ctx, vm), tags=tags_of(ctx, "vm", vm), rootdeviceid=0, rootdevicetype="ROOT",
        isdynamicallyscalable=False, bootmode="legacy", boottype="BIOS",
    )
    if not ctx.caller.is_root:
        view["readonlydetails"] = setting(ctx.sim, "user.vm.readonly.details")
    return view


def _details(ctx, vm):
    """UserVmJoinDaoImpl.newUserVmResponse: the VM's displayed details, to root admins too (hidden ones never);
    callers that are not root admins lose the user.vm.denied.details keys."""
    shown = details_of(ctx.sim, "vm", vm, hidden_too=False)
    if not ctx.caller.is_root:
        for key in csv_setting(ctx.sim, "user.vm.denied.details"):
            shown.pop(key, None)
    return shown
