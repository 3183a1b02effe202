"""The VM lifecycle commands: deploy, start, stop, reboot, destroy, expunge, recover.

The lifecycle itself (what each step does to the VM, its volumes and networks) is model/vms.py;
these commands check what CloudStack checks before queueing, then run it in the VM's job queue.
"""

from .. import errors
from ..contract import SUCCESS, Job, api
from ..model.limit_checks import check_deploy, check_recover
from ..model.templates import in_zone
from ..model.texts import vm_text
from ..model.uuids import check_custom_id
from ..model.vms import GONE, create_vm, destroy_vm, expunge_vm, release_host, start_vm, vm_event
from ..model.volumes import volumes_of
from ..views.vm import vm_view
from .vm_common import affinity_param, check_hostname, keypairs_param, owned_network, userdata_param, vm_job, vm_param


# -- deploy ----------------------------------------------------------------------------------
def _networks(ctx, owner, zone):
    """[(network, requested ip)] in NIC order: networkids, else the iptonetworklist entries."""
    requested = {e["networkid"]: e.get("ip") for e in ctx.p.get("iptonetworklist") or [] if e.get("networkid")}
    ids = list(ctx.p.get("networkids") or requested)
    if not ids:
        mine = [n for n in ctx.store.find("network", zoneid=zone["id"], accountid=owner["id"]) if not n.get("vpcid")]
        if len(mine) != 1:
            raise errors.invalid(f"More than 1 default Isolated networks are found for account {owner['name']}; "
                                 "please specify networkIds" if mine else
                                 "Unable to find a default network for the account; please specify networkIds")
        ids = [mine[0]["id"]]
    nets = [owned_network(ctx, owner, zone, ctx.lookup("network", "networkids", value=i)) for i in ids]
    if ctx.has("ipaddress"):
        requested.setdefault(ids[0], ctx.p["ipaddress"])
    return [(n, requested.get(n["id"])) for n in nets]


def _template(ctx, zone):
    template = ctx.store.get("template", ctx.p["templateid"])
    if template is None or template.get("removed"):
        raise ctx.invalid_value("templateid", ctx.p["templateid"])
    if not template["ispublic"]:  # a public template is everybody's to use
        ctx.check_access(template)
    if not in_zone(template, zone["id"]):
        raise errors.invalid(f"The template {template['id']} is not available for use in zone {zone['name']}")
    return template


def _data_offering(ctx):
    disk = ctx.lookup("diskoffering", "diskofferingid", required=False)
    if disk and disk["iscustomized"] and not ctx.has("size"):
        raise errors.invalid("Disk offering requires size parameter for a customized offering")
    return disk


def _plan(ctx):
    """Everything deployVirtualMachine checks before it creates anything."""
    zone = ctx.lookup("zone", "zoneid")
    owner = ctx.owner()
    plan = {
        "zone": zone, "owner": owner, "offering": ctx.lookup("serviceoffering", "serviceofferingid"),
        "template": _template(ctx, zone), "networks": _networks(ctx, owner, zone), "userdata": userdata_param(ctx),
        "keypairs": keypairs_param(ctx, owner), "affinity": affinity_param(ctx, owner), "disk": _data_offering(ctx),
        "host": ctx.lookup("host", "hostid", required=False),
    }
    check_deploy(ctx, plan)  # resource limits (model/limit_checks.py)
    if plan["host"] and plan["host"]["zoneid"] != zone["id"]:
        raise errors.invalid(f"Host {plan['host']['id']} does not belong to zone {zone['id']}")
    if ctx.has("customid"):
        check_custom_id(ctx, "vm", ctx.p["customid"])
    plan["name"] = ctx.get("name") or ctx.get("displayname")
    if plan["name"]:
        check_hostname(ctx, plan["name"], [n for n, _ in plan["networks"]])
    return plan


@api("deployVirtualMachine")
def deploy_virtual_machine(ctx):
    plan = _plan(ctx)
    vm = create_vm(ctx, plan)
    start = ctx.p.get("startvm", True)

    def run():
        if start:
            try:
                start_vm(ctx, vm, plan["host"])
            except errors.ApiError:
                vm["state"] = "Error"  # CloudStack leaves a VM that could not be placed in Error
                ctx.store.touch("vm", vm)
                raise
        return vm_view(ctx, vm)

    return Job(run, "VirtualMachine", vm["id"], hypervisor_zone=plan["zone"]["id"] if start else None)


# -- start, stop, reboot ----------------------------------------------------------------------
@api("startVirtualMachine")
def start_virtual_machine(ctx):
    vm = vm_param(ctx)
    host = ctx.lookup("host", "hostid", required=False)

    def run():
        if vm["state"] == "Running":
            raise errors.invalid(f"The virtual machine {vm['id']} ({vm['displayname']}) is already running")
        if vm["state"] != "Stopped":
            raise errors.invalid(f"Unable to start {vm_text(vm)} in state {vm['state']}")
        start_vm(ctx, vm, host)
        return vm_view(ctx, vm)

    return vm_job(ctx, vm, run)


@api("stopVirtualMachine")
def stop_virtual_machine(ctx):
    vm = vm_param(ctx)
    forced = bool(ctx.p.get("forced"))

    def run():
        if vm["state"] in ("Running", "Starting", "Stopping"):
            release_host(ctx, vm, "Stopped")
            vm_event(ctx, "VM.STOP", "stopping", vm)
        elif vm["state"] != "Stopped":
            raise errors.invalid(f"Unable to stop {vm_text(vm)} in state {vm['state']}")
        return vm_view(ctx, vm)

    # a forced stop only marks the VM stopped: it needs no hypervisor, so it works in a failed zone
    return vm_job(ctx, vm, run, needs_hypervisor=not forced and vm["state"] == "Running")


@api("rebootVirtualMachine")
def reboot_virtual_machine(ctx):
    vm = vm_param(ctx)
    if vm["state"] != "Running":
        raise errors.invalid(f"Unable to reboot {vm_text(vm)}: it is not Running")

    def run():
        vm_event(ctx, "VM.REBOOT", "rebooting", vm)
        return vm_view(ctx, vm)

    return vm_job(ctx, vm, run)


# -- destroy, recover, expunge ---------------------------------------------------------------
def _may_expunge_or_recover(ctx, what):
    if not ctx.caller.is_admin:  # allow.user.expunge.recover.vm defaults to false
        raise errors.denied(f"{what} a vm can only be done by an Admin. Or when the allow.user.expunge.recover.vm "
                            "key is set.")


def _volumes_to_delete(ctx, vm):
    vols = [ctx.lookup("volume", "volumeids", value=i) for i in ctx.p.get("volumeids") or []]
    for vol in vols:
        if vol.get("virtualmachineid") != vm["id"] or vol["type"] != "DATADISK":
            raise errors.invalid(f"Please specify volumes of type DATADISK attached to the VM {vm['id']}")
    return vols


@api("destroyVirtualMachine")
def destroy_virtual_machine(ctx):
    vm = vm_param(ctx)
    expunge = bool(ctx.p.get("expunge"))
    if expunge:
        _may_expunge_or_recover(ctx, "Expunging")
    delete = _volumes_to_delete(ctx, vm)

    def run():
        if vm["state"] not in GONE:
            destroy_vm(ctx, vm, delete, expunge)
        elif expunge and not vm.get("removed"):
            expunge_vm(ctx, vm)
        return vm_view(ctx, vm)

    return vm_job(ctx, vm, run, needs_hypervisor=vm["state"] == "Running")


@api("expungeVirtualMachine")
def expunge_virtual_machine(ctx):
    vm = vm_param(ctx)
    _may_expunge_or_recover(ctx, "Expunging")
    if vm["state"] not in ("Destroyed", "Error"):
        raise errors.invalid(f"Please destroy vm with id {vm['id']} before expunging")

    def run():
        expunge_vm(ctx, vm)
        return SUCCESS

    return vm_job(ctx, vm, run, needs_hypervisor=False)


@api("recoverVirtualMachine")
def recover_virtual_machine(ctx):
    vm = vm_param(ctx)
    _may_expunge_or_recover(ctx, "Recovering")
    if vm["state"] != "Destroyed":
        raise errors.invalid(f"Vm with id {vm['id']} is not in the right state")
    check_recover(ctx, vm)  # resource limits (model/limit_checks.py)
    for vol in volumes_of(ctx.sim, vm):
        if vol["state"] == "Destroy":
            vol["state"] = "Ready" if vol.get("path") else "Allocated"
            ctx.store.touch("volume", vol)
    vm["state"] = "Stopped"
    ctx.store.touch("vm", vm)
    vm_event(ctx, "VM.RECOVER", "recovering", vm)
    return vm_view(ctx, vm)
