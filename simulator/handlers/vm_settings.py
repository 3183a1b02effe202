"""Changing a VM: update (names, OS type, user data, details, display flag, uuid), service offering,
SSH keys; and reading its user data."""

from .. import errors
from ..contract import api
from ..errors import ApiError
from ..model.accounts import owner_of
from ..model.configs import csv_setting
from ..model.limit_checks import check_change_service
from ..model.nics import nics_of
from ..model.pools import split_tags
from ..model.templates import os_type
from ..model.texts import vm_text
from ..model.uuids import check_custom_id
from ..model.vms import change_vm_id, vm_event
from ..model.volumes import display_volumes
from ..views.vm import vm_view
from .vm_common import check_hostname, keypairs_names, name_param, userdata_param, vm_job, vm_param


# -- updateVirtualMachine --------------------------------------------------------------------
def _vm_details(ctx, vm):
    return ctx.store.find("detail", resource_kind="vm", resource_pk=vm["_pk"])


def _cleanup_details(ctx, vm):
    """UserVmManagerImpl.updateVirtualMachine, cleanupdetails=true: every displayed detail goes (for callers
    other than root admins, the user.vm.denied.details and user.vm.readonly.details ones stay)."""
    kept = set() if ctx.caller.is_root else set(csv_setting(ctx.sim, "user.vm.denied.details")) | set(
        csv_setting(ctx.sim, "user.vm.readonly.details"))
    for row in _vm_details(ctx, vm):
        if row["fordisplay"] and not row["key"].startswith("extraconfig") and row["key"] not in kept:
            ctx.store.delete("detail", row)


def _replace_details(ctx, vm, details):
    """UserVmManagerImpl.updateVirtualMachine with details: callers other than root admins may not name a
    denied, read-only or existing hidden key; the displayed details are replaced by the given ones, the
    hidden, extraconfig (and for those callers the denied and read-only) ones are kept; a kept key keeps its
    display flag, a new one is displayed (ResourceDetailsDaoBase.saveDetails, UserVmDaoImpl.saveDetails)."""
    if "extraconfig" in details:
        raise errors.invalid("'extraconfig' should not be included in details as key")
    details = {k: v for k, v in details.items() if not k.startswith("extraconfig")}
    existing = _vm_details(ctx, vm)
    flags = {row["key"]: row["fordisplay"] for row in existing}
    carried = {row["key"] for row in existing if not row["fordisplay"] or row["key"].startswith("extraconfig")}
    if not ctx.caller.is_root:
        denied, readonly = csv_setting(ctx.sim, "user.vm.denied.details"), csv_setting(ctx.sim,
                                                                                       "user.vm.readonly.details")
        for key in details:
            if key in denied:
                raise errors.invalid(f"You're not allowed to add or edit the restricted setting: {key}")
            if key in readonly:
                raise errors.invalid(f"You're not allowed to add or edit the read-only setting: {key}")
            if flags.get(key) is False:
                raise errors.invalid(f"You're not allowed to add or edit the non-displayable setting: {key}")
        carried |= {row["key"] for row in existing if row["key"] in denied or row["key"] in readonly}
    merged = dict(details, **{row["key"]: row["value"] for row in existing if row["key"] in carried})
    for row in existing:
        ctx.store.delete("detail", row)
    for key, value in merged.items():
        ctx.store.add("detail", {"resource_kind": "vm", "resource_pk": vm["_pk"], "key": key, "value": value,
                                 "fordisplay": flags.get(key, True)})


def _check_update(ctx, vm, offering):
    """UserVmManagerImpl.updateVirtualMachine(id, ...): its refusals, before it writes the VM row."""
    if ctx.has("instancename"):
        other = ctx.store.first("vm", instancename=ctx.p["instancename"], removed=None)
        if other is not None and other is not vm:
            raise errors.internal(f"Instance name : {ctx.p['instancename']} is not unique")
    if vm["state"] in ("Error", "Expunging"):
        raise errors.invalid(f"Vm {vm_text(vm)} is not in the right state")
    if ctx.p.get("haenable", vm.get("haenable")) and not offering.get("offerha"):
        raise errors.invalid("Can't enable ha for the vm as it's created from the Service offering having HA "
                             "disabled")
    if ctx.p.get("isdynamicallyscalable"):
        template = ctx.store.get("template", vm["templateid"]) or {}
        if not template.get("isdynamicallyscalable"):
            raise errors.invalid("Dynamic Scaling cannot be enabled for the VM since its template does not have "
                                 "dynamic scaling enabled")
        raise errors.invalid("Dynamic Scaling cannot be enabled for the VM since corresponding global setting is set "
                             "to false")  # enable.dynamic.scale.vm defaults to false
    if ctx.has("name") and ctx.p["name"] != vm["name"]:
        nets = [ctx.store.get("network", n["networkid"]) for n in nics_of(ctx.sim, vm)]
        check_hostname(ctx, ctx.p["name"], nets, vm)


def _update(ctx, vm, ostype, userdata):
    """UserVmManagerImpl.updateVirtualMachine(UpdateVMCmd), in its order: the display flag (with the volumes'),
    the details, then the checks of updateVirtualMachine(id, ...), then the row."""
    if "displayvm" in ctx.p and ctx.p["displayvm"] != vm.get("displayvm", True):
        vm["displayvm"] = ctx.p["displayvm"]
        ctx.store.touch("vm", vm)
        display_volumes(ctx.sim, vm)
    if ctx.p.get("cleanupdetails"):
        _cleanup_details(ctx, vm)
    elif ctx.p.get("details"):
        _replace_details(ctx, vm, dict(ctx.p["details"][0]))  # UpdateVMCmd.getDetails: the first index only
    offering = ctx.store.get("serviceoffering", vm["serviceofferingid"]) or {}
    _check_update(ctx, vm, offering)
    if ctx.has("name"):
        vm["name"] = ctx.p["name"]
    if ostype is not None:
        vm.update(guestosid=ostype["id"], ostypeid=ostype["id"], osdisplayname=ostype["description"])
    if userdata is not None:
        vm["userdata"] = userdata
    for field in ("displayname", "group", "haenable", "userdataid", "deleteprotection", "instancename"):
        if ctx.p.get(field) is not None:
            vm[field] = ctx.p[field]
    ctx.store.touch("vm", vm)


@api("updateVirtualMachine")
def update_virtual_machine(ctx):
    """UpdateVMCmd (sync): the parameter layer (uuids, RFC name) and checkUuid (customid: 431/531) answer with
    their own codes; every refusal of the manager is a CloudRuntimeException the command wraps in
    "Failed to update VM, due to: <message>" (530, its text for root admins only)."""
    vm = vm_param(ctx)
    name_param(ctx)
    ostype = os_type(ctx)
    if ctx.has("customid"):
        check_custom_id(ctx, "vm", ctx.p["customid"])
    try:
        userdata = userdata_param(ctx)
        _update(ctx, vm, ostype, userdata)
    except ApiError as exc:
        raise errors.internal_for(ctx.caller, f"Failed to update VM, due to: {exc.errortext}") from None
    if ctx.has("customid"):
        change_vm_id(ctx, vm, ctx.p["customid"])
    vm_event(ctx, "VM.UPDATE", "updating", vm)
    return vm_view(ctx, vm)


# -- changeServiceForVirtualMachine ----------------------------------------------------------
def _tags(offering):
    """StringUtils.csvTagsToList as Java's List.toString prints it."""
    return "[" + ", ".join(t.strip() for t in (offering.get("tags") or "").split(",") if t.strip()) + "]"


@api("changeServiceForVirtualMachine")
def change_service_for_virtual_machine(ctx):
    """UserVmManagerImpl.upgradeVirtualMachine (sync): a Stopped VM; an active offering; not its current one;
    with match.storage.pool.tags.with.disk.offering (default true) the current offering's storage tags must be
    a subset of the new one's (VirtualMachineManagerImpl.checkIfCanUpgrade)."""
    vm = vm_param(ctx)
    offering = ctx.store.get("serviceoffering", ctx.p["serviceofferingid"])
    if offering is None:
        raise ctx.invalid_value("serviceofferingid", ctx.p["serviceofferingid"])
    if vm["state"] != "Stopped":
        raise errors.invalid(f"Unable to upgrade virtual machine {vm_text(vm)}  in state {vm['state']}; make "
                             "sure the virtual machine is stopped")
    if offering.get("state") == "Inactive" or offering.get("removed"):
        raise errors.invalid(f"Unable to upgrade virtual machine {vm['id']} with an inactive service offering "
                             f"{offering['id']}")
    ctx.check_access(offering)
    check_change_service(ctx, vm, offering)  # resource limits (model/limit_checks.py)
    if offering["id"] == vm["serviceofferingid"]:
        raise errors.invalid(f"Not upgrading vm {vm_text(vm)} since it already has the requested service "
                             f"offering ({offering['name']})")
    current = ctx.store.get("serviceoffering", vm["serviceofferingid"]) or {}
    old_tags, new_tags = split_tags(current.get("tags")), split_tags(offering.get("tags"))
    if old_tags and not old_tags <= new_tags:
        raise errors.invalid("Unable to upgrade virtual machine; the current service offering  should have tags as "
                             f"subset of the new service offering tags. Current service offering tags: "
                             f"{_tags(current)}; new service offering tags: {_tags(offering)}")
    vm.update(serviceofferingid=offering["id"], serviceofferingname=offering["name"],
              cpunumber=offering["cpunumber"], cpuspeed=offering["cpuspeed"], memory=offering["memory"])
    ctx.store.touch("vm", vm)
    vm_event(ctx, "VM.UPGRADE", "upgrading", vm)
    return vm_view(ctx, vm)


# -- user data and SSH keys ------------------------------------------------------------------
@api("getVirtualMachineUserData")
def get_virtual_machine_user_data(ctx):
    """UserVmManagerImpl.getVmUserData: no @ACL; a removed VM is not found (431), a foreign one is refused by
    the manager's access check (531). A hidden VM answers its owner."""
    vm = vm_param(ctx, "virtualmachineid", removed_ok=True)
    if vm.get("removed"):
        raise errors.invalid(f"Unable to find virtual machine with id {vm['_pk']}")
    return {"virtualmachineid": vm["id"], "userdata": vm.get("userdata")}


@api("resetSSHKeyForVirtualMachine")
def reset_ssh_key_for_virtual_machine(ctx):
    """UserVmManagerImpl.resetVMSSHKey, in the job (InvalidParameterValueExceptions: 431): not Error or
    Expunging, Stopped, key names given, each one a key pair of the owner (account/domainid name it, else the
    caller's); the SSH.PublicKey and SSH.KeyPairNames details are replaced."""
    vm = vm_param(ctx)
    owner = ctx.owner() if ctx.has("account") else owner_of(ctx.sim, vm)
    names = keypairs_names(ctx)

    def run():
        if vm["state"] in ("Error", "Expunging"):
            raise errors.invalid("Vm with specified id is not in the right state")
        if vm["state"] != "Stopped":
            raise errors.invalid(f"Vm {vm_text(vm)} should be stopped to do SSH Key reset")
        if not names:
            raise errors.invalid("'keypair' or 'keypairs' must be specified")
        keys = {k["name"]: k for k in ctx.store.find("sshkeypair", accountid=owner["id"]) if k["name"] in names}
        if len(keys) != len(names):
            raise errors.invalid("Not all specified keypairs exist")
        vm["keypairs"] = ",".join(names)
        ctx.store.touch("vm", vm)
        for key, value in (("SSH.PublicKey", "\n".join(keys[n]["publickey"] for n in names)),
                           ("SSH.KeyPairNames", vm["keypairs"])):
            row = ctx.store.first("detail", resource_kind="vm", resource_pk=vm["_pk"], key=key)
            if row is None:
                ctx.store.add("detail", {"resource_kind": "vm", "resource_pk": vm["_pk"], "key": key,
                                         "value": value, "fordisplay": True})
            else:
                row["value"] = value
                ctx.store.touch("detail", row)
        vm_event(ctx, "VM.RESETSSHKEY", "resetting SSHKey for", vm)
        return vm_view(ctx, vm)

    return vm_job(ctx, vm, run)
