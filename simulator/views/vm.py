"""The view every VM answer uses (UserVmJoinDaoImpl.newUserVmResponse)."""

from ..model.affinity import groups_of
from ..model.backups import backup_offering_of
from ..model.configs import csv_setting, setting
from .affinity import affinity_brief
from .common import details_of, public, tags_of
from .network import nic_views

ROOT_ONLY_VIEW = ("hostid", "hostname", "instancename")  # ResponseView.Full: root admins only
# listVirtualMachines `details`: the fields each value adds (UserVmJoinDaoImpl.newUserVmResponse); the sets
# (nic, securitygroup, affinitygroup) stay in the answer, empty
SECTION_FIELDS = {
    "group": ("group", "groupid"),
    "tmpl": ("templateid", "templatename", "templatedisplaytext", "passwordenabled", "templatetype",
             "templateformat"),
    "iso": ("isoid", "isoname", "isodisplaytext"),
    "servoff": ("serviceofferingid", "serviceofferingname"),
    "diskoff": ("diskofferingid", "diskofferingname"),
    "backoff": ("backupofferingid", "backupofferingname"),
    "volume": ("rootdeviceid", "rootdevicetype"),
    "nics": ("ipaddress",),
}
SECTION_SETS = {"nics": "nic", "secgrp": "securitygroup", "affgrp": "affinitygroup"}
SIZING = ("cpunumber", "cpuspeed", "memory")  # servoff or stats


def vm_view(ctx, vm, with_userdata=False, full=False, sections=None):
    """`full`: ResponseView.Full whoever calls (recoverVirtualMachine); `sections`: listVirtualMachines `details`
    (None is `all`)."""
    view = public(vm)
    if not with_userdata:  # getVirtualMachineUserData, or listVirtualMachines userdata=true (4.18+)
        view.pop("userdata", None)
    if not (ctx.caller.is_root or full):
        for field in ROOT_ONLY_VIEW:
            view.pop(field, None)
    if not ctx.caller.is_root:  # UserVmResponse.displayVm: @Param(authorized = Admin), left out by the serializer
        view.pop("displayvm", None)
    nics = [{k: v for k, v in n.items() if k != "virtualmachineid"} for n in nic_views(ctx.sim, vm)]
    default = next((n for n in nics if n["isdefault"]), None)
    displayed = details_of(ctx.sim, "vm", vm, hidden_too=False)
    view.update(
        nic=nics, ipaddress=default and default["ipaddress"], securitygroup=[], hypervisor="KVM",
        affinitygroup=[affinity_brief(g) for g in groups_of(ctx.sim, vm)],
        details=_details(ctx, displayed), tags=tags_of(ctx, "vm", vm), rootdeviceid=0, rootdevicetype="ROOT",
        isdynamicallyscalable=False,
    )
    if not displayed:
        view.update(bootmode="legacy", boottype="Bios")  # only for a VM without any displayed detail
    offering = backup_offering_of(ctx.sim, vm)
    view.pop("backupofferingid", None)
    if offering is not None:
        view.update(backupofferingid=offering["id"], backupofferingname=offering["name"])
    if not ctx.caller.is_root:
        view["readonlydetails"] = setting(ctx.sim, "user.vm.readonly.details")
    return _trim(view, sections)


def _trim(view, sections):
    if sections is None or "all" in sections:
        return view
    for section, fields in SECTION_FIELDS.items():
        if section not in sections:
            for field in fields:
                view.pop(field, None)
    for section, field in SECTION_SETS.items():
        if section not in sections:
            view[field] = []
    if "servoff" not in sections and "stats" not in sections:
        for field in SIZING:
            view.pop(field, None)
    return view


def _details(ctx, displayed):
    """UserVmJoinDaoImpl.newUserVmResponse: the VM's displayed details, to root admins too (hidden ones never);
    callers that are not root admins lose the user.vm.denied.details keys."""
    shown = dict(displayed)
    if not ctx.caller.is_root:
        for key in csv_setting(ctx.sim, "user.vm.denied.details"):
            shown.pop(key, None)
    return shown
