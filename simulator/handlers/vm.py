"""Virtual machines: CloudStack's VM lifecycle (deploy, start, stop, destroy, recover, expunge), its NICs,
host capacity, and the view every VM answer uses.

A VM deployed with startvm=false is metadata only: Stopped, no host, its volumes Allocated (no file)
and its networks unimplemented; starting it places it on a host, gives its volumes files and
implements its networks. That is what a DR recovery VM is until failover.
"""

import base64
import binascii
import re
import time

from .. import control, errors
from ..context import Context
from ..contract import SUCCESS, Job, api
from ..store import now
from . import infra, network, offerings, storage
from ._common import details_of, keyword_filter, public, tags_of

# CloudStack's NetUtils.verifyDomainNameLabel for host names
HOSTNAME = re.compile(r"^[a-zA-Z](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?$")
UUID_FORMAT = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
USERDATA_MAX = 32768  # vm.userdata.max.length
GONE = ("Destroyed", "Expunging")
ROOT_ONLY_VIEW = ("hostid", "hostname", "instancename")  # ResponseView.Full: root admins only


# -- the view --------------------------------------------------------------------------------
def vm_view(ctx, vm, with_userdata=False):
    view = public(vm)
    if not with_userdata:  # getVirtualMachineUserData, or listVirtualMachines userdata=true (4.18+)
        view.pop("userdata", None)
    if not ctx.caller.is_root:
        for field in ROOT_ONLY_VIEW:
            view.pop(field, None)
    nics = network.nic_views(ctx.sim, vm)
    default = next((n for n in nics if n["isdefault"]), None)
    view.update(
        nic=nics, ipaddress=default and default["ipaddress"], securitygroup=[], hypervisor="KVM",
        affinitygroup=[_affinity_brief(ctx, g) for g in _affinity_groups(ctx.sim, vm)],
        details=details_of(ctx, "vm", vm), tags=tags_of(ctx, "vm", vm), rootdeviceid=0, rootdevicetype="ROOT",
        isdynamicallyscalable=False, bootmode="legacy", boottype="BIOS",
    )
    return view


def _affinity_groups(sim, vm):
    return [g for g in (sim.store.get("affinitygroup", i) for i in vm.get("affinitygroupids") or []) if g]


def _affinity_brief(ctx, group):
    return {k: group.get(k) for k in ("id", "name", "type", "description", "account", "domainid", "domain")}


def owner_of(ctx, vm):
    return ctx.store.get("account", vm["accountid"])


def vm_event(ctx, etype, verb, vm):
    """CloudStack's ActionEvent description, charged to the VM's owner."""
    ctx.event(etype, f"Successfully completed {verb} Vm. Vm Id: {vm['id']}", owner_of(ctx, vm))


# -- lookups and validation ------------------------------------------------------------------
def _vm(ctx, name="id"):
    vm = ctx.lookup("vm", name)
    if not ctx.caller.is_root and not vm.get("displayvm", True):
        raise ctx.invalid_value(name, ctx.p[name])  # a hidden VM does not exist for its tenant
    return vm


def _check_hostname(ctx, name, networks, vm=None):
    if not HOSTNAME.match(name):
        raise errors.invalid(
            "Invalid name. Vm name can contain ASCII letters 'a' through 'z', the digits '0' through '9', and the "
            "hyphen ('-'), must be between 1 and 63 characters long, and can't start or end with \"-\" and can't "
            "start with digit")
    for net in networks:
        for nic in ctx.store.find("nic", networkid=net["id"]):
            other = ctx.store._rows.get("vm", {}).get(nic["_vm_pk"])
            if other is not None and other is not vm and other["name"] == name and not other.get("removed"):
                raise errors.invalid(f"The vm with hostName {name} already exists in the network domain: "
                                     f"{net.get('networkdomain') or 'cs1cloud.internal'}; network={net['name']}")


def _check_custom_id(ctx, uuid):
    if not UUID_FORMAT.match(uuid):
        raise errors.invalid(f"UUID: {uuid} doesn't follow the UUID format")
    if ctx.store.get("vm", uuid) is not None:
        raise errors.invalid(f"UUID: {uuid} already exists so can't create/update with custom id")


def _userdata(ctx):
    data = ctx.get("userdata")
    if data is None:
        return None
    try:
        base64.b64decode(data, validate=True)
    except binascii.Error:
        raise errors.invalid("User data is not base64 encoded") from None
    if len(data) > USERDATA_MAX:
        raise errors.invalid(f"User data has exceeded configurable max length : {USERDATA_MAX}")
    return data


def _keypairs(ctx, owner):
    names = list(ctx.p.get("keypairs") or []) + ([ctx.p["keypair"]] if ctx.has("keypair") else [])
    for name in names:
        if ctx.store.first("sshkeypair", name=name, accountid=owner["id"]) is None:
            raise errors.invalid(f"A key pair with name '{name}' was not found.")
    return ",".join(dict.fromkeys(names)) or None


def _affinity_ids(ctx, owner):
    groups = [ctx.lookup("affinitygroup", "affinitygroupids", value=i) for i in ctx.p.get("affinitygroupids") or []]
    groups += [offerings.affinity_group_named(ctx, owner, n) for n in ctx.p.get("affinitygroupnames") or []]
    for group in groups:
        if group["accountid"] != owner["id"]:
            raise errors.denied(f"Affinity group {group['name']} does not belong to the VM's account")
    return [g["id"] for g in groups]


def _owned_network(ctx, owner, zone, net):
    if net["zoneid"] != zone["id"]:
        raise errors.invalid(f"Network id={net['id']} doesn't belong to zone {zone['id']}")
    if net.get("accountid") not in (None, owner["id"]):
        raise errors.denied(f"Account {owner['name']} does not have permission to operate with resource {net['id']}")
    return net


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
    nets = [_owned_network(ctx, owner, zone, ctx.lookup("network", "networkids", value=i)) for i in ids]
    if ctx.has("ipaddress"):
        requested.setdefault(ids[0], ctx.p["ipaddress"])
    return [(n, requested.get(n["id"])) for n in nets]


def _template(ctx, zone):
    template = ctx.store.get("template", ctx.p["templateid"])
    if template is None or template.get("removed"):
        raise ctx.invalid_value("templateid", ctx.p["templateid"])
    if not template["ispublic"]:  # a public template is everybody's to use
        ctx.check_access(template)
    if not offerings.in_zone(template, zone["id"]):
        raise errors.invalid(f"The template {template['id']} is not available for use in zone {zone['name']}")
    return template


def _data_offering(ctx):
    disk = ctx.lookup("diskoffering", "diskofferingid", required=False)
    if disk and disk["iscustomized"] and not ctx.has("size"):
        raise errors.invalid("Disk offering requires size parameter for a customized offering")
    return disk


# -- deploy ----------------------------------------------------------------------------------
def _plan(ctx):
    """Everything deployVirtualMachine checks before it creates anything."""
    zone = ctx.lookup("zone", "zoneid")
    owner = ctx.owner()
    plan = {
        "zone": zone, "owner": owner, "offering": ctx.lookup("serviceoffering", "serviceofferingid"),
        "template": _template(ctx, zone), "networks": _networks(ctx, owner, zone), "userdata": _userdata(ctx),
        "keypairs": _keypairs(ctx, owner), "affinity": _affinity_ids(ctx, owner), "disk": _data_offering(ctx),
        "host": ctx.lookup("host", "hostid", required=False),
    }
    if plan["host"] and plan["host"]["zoneid"] != zone["id"]:
        raise errors.invalid(f"Host {plan['host']['id']} does not belong to zone {zone['id']}")
    if ctx.has("customid"):
        _check_custom_id(ctx, ctx.p["customid"])
    plan["name"] = ctx.get("name") or ctx.get("displayname")
    if plan["name"]:
        _check_hostname(ctx, plan["name"], [n for n, _ in plan["networks"]])
    return plan


def _vm_row(ctx, plan):
    offering, template, zone = plan["offering"], plan["template"], plan["zone"]
    vm = {
        "state": "Stopped", "zoneid": zone["id"], "zonename": zone["name"], "hostid": None, "hostname": None,
        "serviceofferingid": offering["id"], "serviceofferingname": offering["name"],
        "cpunumber": offering["cpunumber"], "cpuspeed": offering["cpuspeed"], "memory": offering["memory"],
        "templateid": template["id"], "templatename": template["name"], "templatedisplaytext": template["displaytext"],
        "guestosid": template["ostypeid"], "ostypeid": template["ostypeid"], "osdisplayname": template["ostypename"],
        "passwordenabled": template["passwordenabled"], "userdata": plan["userdata"], "keypairs": plan["keypairs"],
        "affinitygroupids": plan["affinity"], "group": ctx.get("group"), "haenable": bool(offering.get("offerha")),
        "displayvm": ctx.p.get("displayvm", True) if ctx.caller.is_root else True,  # authorized = Admin
        "userid": ctx.caller.user["id"], "username": ctx.caller.user["username"], "_lasthostid": None,
    }
    if ctx.has("customid"):
        vm["id"] = ctx.p["customid"]
    return ctx.store.add("vm", ctx.owned(vm, plan["owner"]))


def _name(vm, plan, owner):
    """CloudStack's host name default (VM-<uuid>) and instance name (i-<account>-<vm>-VM)."""
    vm["name"] = plan["name"] or f"VM-{vm['id']}"
    vm["displayname"] = vm.get("displayname") or vm["name"]
    vm["instancename"] = f"i-{owner['_pk']}-{vm['_pk']}-VM"


def create_vm(ctx, plan):
    """The VM row, its NICs (reserving their IPs) and Allocated volumes: what deploy does before starting."""
    vm = _vm_row(ctx, plan)
    vm["displayname"] = ctx.get("displayname")
    _name(vm, plan, plan["owner"])
    try:
        for i, (net, ip) in enumerate(plan["networks"]):
            network.add_nic(ctx, vm, net, ip, isdefault=i == 0)
    except errors.ApiError:
        for nic in network.nics_of(ctx.sim, vm):
            ctx.store.delete("nic", nic)
        ctx.store.delete("vm", vm)
        raise
    storage.new_root_volume(ctx, vm, plan["template"], ctx.get("rootdisksize"))
    if plan["disk"]:
        vol = storage.new_data_volume(ctx, plan["owner"], plan["zone"], plan["disk"], ctx.get("size"),
                                      f"DATA-{vm['_pk']}")
        vol.update(virtualmachineid=vm["id"], deviceid=1, attached=now())
        ctx.store.touch("volume", vol)
    for key, value in ctx.details_map().items():
        ctx.store.add("detail", {"resource_kind": "vm", "resource_pk": vm["_pk"], "key": key, "value": value,
                                 "fordisplay": True})
    vm_event(ctx, "VM.CREATE", "deploying", vm)
    return vm


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


# -- start and stop --------------------------------------------------------------------------
def _excluded_hosts(sim, vm, host=None):
    """Hosts the VM may not go to: all but `host` when one is asked for; anti-affinity peers' hosts;
    for host affinity, every host but the one its running peers use."""
    hosts = {h["id"] for h in infra.hosts_in_zone(sim, vm["zoneid"])}
    excluded = hosts - {host["id"]} if host else set()
    for group in _affinity_groups(sim, vm):
        peers = {v["hostid"] for v in sim.store.all("vm") if v is not vm and v.get("hostid")
                 and group["id"] in (v.get("affinitygroupids") or [])}
        excluded |= peers if group["type"] == "host anti-affinity" else (hosts - peers if peers else set())
    return excluded


def start_vm(ctx, vm, host=None):
    """Place the VM on a host with room, give its volumes files, implement its networks: Running."""
    sim = ctx.sim
    host = infra.pick_host(sim, vm["zoneid"], vm["cpunumber"], vm["cpuspeed"], vm["memory"],
                           exclude=_excluded_hosts(sim, vm, host), vm=vm)
    for vol in storage.volumes_of(sim, vm):
        storage.materialise(sim, vol, host)
    for nic in network.nics_of(sim, vm):
        network.implement(sim, ctx.store.get("network", nic["networkid"]))
    vm.update(state="Running", hostid=host["id"], hostname=host["name"], _lasthostid=host["id"])
    ctx.store.touch("vm", vm)
    vm_event(ctx, "VM.START", "starting", vm)


def _release_host(ctx, vm, state):
    vm.update(state=state, hostid=None, hostname=None)
    ctx.store.touch("vm", vm)


def _vm_job(ctx, vm, run, needs_hypervisor=True):
    zone = vm["zoneid"] if needs_hypervisor else None
    return Job(run, "VirtualMachine", vm["id"], hypervisor_zone=zone)


@api("startVirtualMachine")
def start_virtual_machine(ctx):
    vm = _vm(ctx)
    host = ctx.lookup("host", "hostid", required=False)

    def run():
        if vm["state"] == "Running":
            raise errors.invalid(f"The virtual machine {vm['id']} ({vm['displayname']}) is already running")
        if vm["state"] != "Stopped":
            raise errors.invalid(f"Unable to start {infra.vm_text(vm)} in state {vm['state']}")
        start_vm(ctx, vm, host)
        return vm_view(ctx, vm)

    return _vm_job(ctx, vm, run)


@api("stopVirtualMachine")
def stop_virtual_machine(ctx):
    vm = _vm(ctx)
    forced = bool(ctx.p.get("forced"))

    def run():
        if vm["state"] in ("Running", "Starting", "Stopping"):
            _release_host(ctx, vm, "Stopped")
            vm_event(ctx, "VM.STOP", "stopping", vm)
        elif vm["state"] != "Stopped":
            raise errors.invalid(f"Unable to stop {infra.vm_text(vm)} in state {vm['state']}")
        return vm_view(ctx, vm)

    # a forced stop only marks the VM stopped: it needs no hypervisor, so it works in a failed zone
    return _vm_job(ctx, vm, run, needs_hypervisor=not forced and vm["state"] == "Running")


@api("rebootVirtualMachine")
def reboot_virtual_machine(ctx):
    vm = _vm(ctx)
    if vm["state"] != "Running":
        raise errors.invalid(f"Unable to reboot {infra.vm_text(vm)}: it is not Running")

    def run():
        vm_event(ctx, "VM.REBOOT", "rebooting", vm)
        return vm_view(ctx, vm)

    return _vm_job(ctx, vm, run)


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


def _drop_file(sim, vol):
    pool = sim.store.get("storagepool", vol.get("storageid"))
    if pool and vol.get("path"):
        array = storage.array_of(sim, pool)
        array["files"].pop(vol["path"], None)
        sim.store.touch("array", array)


def expunge_vm(ctx, vm):
    """Free what the VM held: NICs (and the NAT/rules on them), volumes and their files."""
    for nic in network.nics_of(ctx.sim, vm):
        network.remove_nic(ctx.sim, nic)
    for vol in storage.volumes_of(ctx.sim, vm):
        _drop_file(ctx.sim, vol)
        storage.remove_volume(ctx.sim, vol, "Expunged")
    vm.update(state="Expunging", removed=now(), hostid=None, hostname=None)
    ctx.store.touch("vm", vm)
    vm_event(ctx, "VM.EXPUNGE", "expunging", vm)


def destroy_vm(ctx, vm, delete=(), expunge=False):
    _release_host(ctx, vm, "Destroyed")
    for vol in storage.volumes_of(ctx.sim, vm):
        if vol["type"] == "ROOT":
            vol["state"] = "Destroy"
        else:  # data disks are detached, and deleted only when named in volumeids
            vol.update(virtualmachineid=None, deviceid=None, attached=None)
            if vol in delete:
                _drop_file(ctx.sim, vol)
                storage.remove_volume(ctx.sim, vol, "Expunged")
        ctx.store.touch("volume", vol)
    vm_event(ctx, "VM.DESTROY", "destroying", vm)
    if expunge:
        expunge_vm(ctx, vm)


@api("destroyVirtualMachine")
def destroy_virtual_machine(ctx):
    vm = _vm(ctx)
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

    return _vm_job(ctx, vm, run, needs_hypervisor=vm["state"] == "Running")


@api("expungeVirtualMachine")
def expunge_virtual_machine(ctx):
    vm = _vm(ctx)
    _may_expunge_or_recover(ctx, "Expunging")
    if vm["state"] not in ("Destroyed", "Error"):
        raise errors.invalid(f"Please destroy vm with id {vm['id']} before expunging")

    def run():
        expunge_vm(ctx, vm)
        return SUCCESS

    return _vm_job(ctx, vm, run, needs_hypervisor=False)


@api("recoverVirtualMachine")
def recover_virtual_machine(ctx):
    vm = _vm(ctx)
    _may_expunge_or_recover(ctx, "Recovering")
    if vm["state"] != "Destroyed":
        raise errors.invalid(f"Vm with id {vm['id']} is not in the right state")
    for vol in storage.volumes_of(ctx.sim, vm):
        if vol["state"] == "Destroy":
            vol["state"] = "Ready" if vol.get("path") else "Allocated"
            ctx.store.touch("volume", vol)
    vm["state"] = "Stopped"
    ctx.store.touch("vm", vm)
    vm_event(ctx, "VM.RECOVER", "recovering", vm)
    return vm_view(ctx, vm)


# -- update ----------------------------------------------------------------------------------
def change_vm_id(ctx, vm, new_id):
    """customid: the VM's uuid changes; rows that name the VM by uuid follow it (NICs and rules use _pk)."""
    _check_custom_id(ctx, new_id)
    for vol in ctx.store.find("volume", virtualmachineid=vm["id"]):
        vol["virtualmachineid"] = new_id
        ctx.store.touch("volume", vol)
    ctx.store.change_id("vm", vm, new_id)


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
    vm = _vm(ctx)
    if ctx.has("name") and ctx.p["name"] != vm["name"]:
        nets = [ctx.store.get("network", n["networkid"]) for n in network.nics_of(ctx.sim, vm)]
        _check_hostname(ctx, ctx.p["name"], nets, vm)
        vm["name"] = ctx.p["name"]
    if ctx.has("ostypeid"):
        ostype = offerings.os_type(ctx)
        vm.update(guestosid=ostype["id"], ostypeid=ostype["id"], osdisplayname=ostype["description"])
    if ctx.has("userdata"):
        vm["userdata"] = _userdata(ctx)
    for field in ("displayname", "group", "haenable", "displayvm", "userdataid"):
        if field in ctx.p:
            vm[field] = ctx.p[field]
    _set_details(ctx, vm, ctx.details_map(), ctx.p.get("cleanupdetails"))
    if ctx.has("customid") and ctx.p["customid"] != vm["id"]:
        change_vm_id(ctx, vm, ctx.p["customid"])
    ctx.store.touch("vm", vm)
    vm_event(ctx, "VM.UPDATE", "updating", vm)
    return vm_view(ctx, vm)


@api("changeServiceForVirtualMachine")
def change_service_for_virtual_machine(ctx):
    vm = _vm(ctx)
    offering = ctx.lookup("serviceoffering", "serviceofferingid")
    if vm["state"] != "Stopped":
        raise errors.invalid(f"Unable to upgrade virtual machine {infra.vm_text(vm)} in state {vm['state']}; make "
                             "sure the virtual machine is stopped")
    if offering["id"] == vm["serviceofferingid"]:
        raise errors.invalid(f"Not upgrading vm {infra.vm_text(vm)} since it already has the requested service "
                             f"offering ({offering['name']})")
    vm.update(serviceofferingid=offering["id"], serviceofferingname=offering["name"],
              cpunumber=offering["cpunumber"], cpuspeed=offering["cpuspeed"], memory=offering["memory"])
    ctx.store.touch("vm", vm)
    vm_event(ctx, "VM.UPGRADE", "upgrading", vm)
    return vm_view(ctx, vm)


@api("getVirtualMachineUserData")
def get_virtual_machine_user_data(ctx):
    vm = _vm(ctx, "virtualmachineid")
    return {"virtualmachineid": vm["id"], "userdata": vm.get("userdata")}


@api("resetSSHKeyForVirtualMachine")
def reset_ssh_key_for_virtual_machine(ctx):
    vm = _vm(ctx)
    owner = owner_of(ctx, vm)
    keypairs = _keypairs(ctx, owner)
    if keypairs is None:
        raise errors.invalid("'keypair' or 'keyparis' must be specified")
    if vm["state"] != "Stopped":
        raise errors.invalid(f"vm {vm['id']} should be stopped to do SSH Key reset")

    def run():
        vm["keypairs"] = keypairs
        ctx.store.touch("vm", vm)
        vm_event(ctx, "VM.RESETSSHKEY", "resetting SSHKey for", vm)
        return vm_view(ctx, vm)

    return _vm_job(ctx, vm, run, needs_hypervisor=False)


# -- NICs ------------------------------------------------------------------------------------
def _nic_of(ctx, vm):
    nic = ctx.store.get("nic", ctx.p["nicid"])
    if nic is None or nic["_vm_pk"] != vm["_pk"]:
        raise ctx.invalid_value("nicid", ctx.p["nicid"])
    return nic


def _nic_job(ctx, vm, run):
    """NIC changes run in the VM's queue and need its hypervisor while it runs."""
    return _vm_job(ctx, vm, run, needs_hypervisor=vm["state"] == "Running")


@api("addNicToVirtualMachine")
def add_nic_to_virtual_machine(ctx):
    vm = _vm(ctx, "virtualmachineid")
    net = ctx.lookup("network", "networkid")
    _owned_network(ctx, owner_of(ctx, vm), ctx.store.get("zone", vm["zoneid"]), net)
    if vm["state"] not in ("Running", "Stopped"):
        raise errors.invalid(f"Unable to add a NIC to {infra.vm_text(vm)} in state {vm['state']}")
    if any(n["networkid"] == net["id"] for n in network.nics_of(ctx.sim, vm)):
        raise errors.invalid(f"A NIC already exists for VM:{vm['instancename']} in network: {net['id']}")

    def run():
        network.add_nic(ctx, vm, net, ctx.get("ipaddress"), event=True)
        if vm["state"] == "Running":
            network.implement(ctx.sim, net)
        return vm_view(ctx, vm)

    return _nic_job(ctx, vm, run)


@api("removeNicFromVirtualMachine")
def remove_nic_from_virtual_machine(ctx):
    vm = _vm(ctx, "virtualmachineid")
    nic = _nic_of(ctx, vm)
    if nic["isdefault"]:
        raise errors.invalid(f"Unable to remove nic from {infra.vm_text(vm)} in network {nic['networkname']}, nic "
                             "is default.")

    def run():
        network.remove_nic(ctx.sim, nic)
        ctx.event("NIC.DELETE", f"Removed nic {nic['id']} from VM {vm['id']}", owner_of(ctx, vm))
        return vm_view(ctx, vm)

    return _nic_job(ctx, vm, run)


@api("updateDefaultNicForVirtualMachine")
def update_default_nic_for_virtual_machine(ctx):
    vm = _vm(ctx, "virtualmachineid")
    nic = _nic_of(ctx, vm)
    if nic["isdefault"]:
        raise errors.invalid("The NicId provided is already the default NIC; please specify another NIC")

    def run():
        for other in network.nics_of(ctx.sim, vm):
            other["isdefault"] = other is nic
            ctx.store.touch("nic", other)
        ctx.event("NIC.UPDATE", f"Set nic {nic['id']} as the default of VM {vm['id']}",
                  owner_of(ctx, vm))
        return vm_view(ctx, vm)

    return _nic_job(ctx, vm, run)


# -- list ------------------------------------------------------------------------------------
def _on_networks(sim, vms, network_ids):
    pks = {n["_vm_pk"] for n in sim.store.all("nic") if n["networkid"] in network_ids}
    return [v for v in vms if v["_pk"] in pks]


def visible_vms(ctx):
    """CloudStack's listVirtualMachines rules: a tenant never sees a VM with displayvm=false nor
    (allow.user.view.destroyed.vm=false) a destroyed one; removed VMs are gone for everyone."""
    vms = [v for v in ctx.store.all("vm") if not v.get("removed")]
    if not ctx.caller.is_root:
        vms = [v for v in vms if v.get("displayvm", True)]
    if not ctx.caller.is_admin:
        vms = [v for v in vms if v["state"] not in GONE]
    return ctx.mine(vms)


ROOT_FILTERS = ("hostid", "displayvm")  # honoured for root admins only, as QueryManagerImpl does


@api("listVirtualMachines")
def list_virtual_machines(ctx):
    vms = visible_vms(ctx)
    for field in ("zoneid", "serviceofferingid", "templateid", "haenable", "userdataid", *ROOT_FILTERS):
        if ctx.p.get(field) not in (None, "") and (ctx.caller.is_root or field not in ROOT_FILTERS):
            vms = [v for v in vms if v.get(field) == ctx.p[field]]
    state = (ctx.get("state") or "").lower()
    if state:
        vms = [v for v in vms if (v["state"] not in GONE if state == "present" else v["state"].lower() == state)]
    if ctx.has("keypair"):
        vms = [v for v in vms if ctx.p["keypair"] in (v.get("keypairs") or "").split(",")]
    if ctx.has("networkid"):
        vms = _on_networks(ctx.sim, vms, {ctx.p["networkid"]})
    if ctx.has("vpcid"):
        vms = _on_networks(ctx.sim, vms, {n["id"] for n in ctx.store.find("network", vpcid=ctx.p["vpcid"])})
    if ctx.has("affinitygroupid"):
        vms = [v for v in vms if ctx.p["affinitygroupid"] in (v.get("affinitygroupids") or [])]
    with_userdata = bool(ctx.p.get("userdata"))
    return [vm_view(ctx, v, with_userdata) for v in keyword_filter(ctx, vms, "name", "displayname")]


api("listVirtualMachinesMetrics")(list_virtual_machines)


# -- seeding ---------------------------------------------------------------------------------
def caller_of(sim, account):
    return sim.caller_for_key(sim.store.first("user", accountid=account["id"])["apikey"])


def write_markers(sim, vm):
    """A distinct content marker in each of the VM's volume files, e.g. "acme-web-1:ROOT"."""
    for vol in storage.volumes_of(sim, vm):
        array, found = storage.file_of(sim, vol)
        label = "ROOT" if vol["type"] == "ROOT" else f"DATA{vol['deviceid']}"
        storage.write_file(sim, array, vol["path"], found["size"], f"{vm['name']}:{label}")


def _ids(sim, kind, **eq):
    return sim.store.first(kind, **eq)["id"]


DEMO_VMS = (  # name, account, service offering, network, data disk offering
    ("acme-web-1", "acme", "dr-small", "acme-web", "dr-data-5g"),
    ("acme-app-1", "acme", "dr-small", "acme-app", None),
    ("acme-plain-1", "acme", "small", "acme-web", None),
    ("globex-db-1", "globex", "dr-small", "globex-net", "dr-data-5g"),
)


def seed_demo(sim, ctx):
    """The tenants' running VMs in zone-a, with data disks, content markers, public IPs and rules."""
    zone = sim.store.first("zone", name="zone-a")
    template = _ids(sim, "template", name="debian-12")
    vms = {}
    for name, account, offering, net, disk in DEMO_VMS:
        caller = caller_of(sim, sim.store.first("account", name=account))
        vms[name] = sim.run_now(caller, "deployVirtualMachine", {
            "name": name, "zoneid": zone["id"], "templateid": template,
            "serviceofferingid": _ids(sim, "serviceoffering", name=offering),
            "networkids": [_ids(sim, "network", name=net)],
            "diskofferingid": disk and _ids(sim, "diskoffering", name=disk)})
        write_markers(sim, sim.store.get("vm", vms[name]["id"]))
    _seed_rules(sim, vms)


def _seed_rules(sim, vms):
    acme = caller_of(sim, sim.store.first("account", name="acme"))
    globex = caller_of(sim, sim.store.first("account", name="globex"))
    web, app, db = (vms[n]["id"] for n in ("acme-web-1", "acme-app-1", "globex-db-1"))
    ip = sim.run_now(acme, "associateIpAddress", {"networkid": _ids(sim, "network", name="acme-web")})
    sim.run_now(acme, "enableStaticNat", {"ipaddressid": ip["id"], "virtualmachineid": web})
    for port in (80, 443):
        sim.run_now(acme, "createFirewallRule", {"ipaddressid": ip["id"], "protocol": "tcp", "startport": port,
                                                 "endport": port, "cidrlist": ["0.0.0.0/0"]})
    sim.run_now(acme, "createEgressFirewallRule", {"networkid": _ids(sim, "network", name="acme-web"),
                                                   "protocol": "all", "cidrlist": ["10.1.1.0/24"]})
    ip = sim.run_now(acme, "associateIpAddress", {"vpcid": _ids(sim, "vpc", name="acme-vpc")})
    sim.run_now(acme, "createPortForwardingRule", {
        "ipaddressid": ip["id"], "virtualmachineid": app, "networkid": _ids(sim, "network", name="acme-app"),
        "protocol": "tcp", "publicport": 2222, "privateport": 22})
    ip = sim.run_now(globex, "associateIpAddress", {"networkid": _ids(sim, "network", name="globex-net")})
    sim.run_now(globex, "createPortForwardingRule", {"ipaddressid": ip["id"], "virtualmachineid": db,
                                                     "protocol": "tcp", "publicport": 5432, "privateport": 5432})


# -- seed-tenants: the benchmark topology ----------------------------------------------------
HOSTS_PER_GROWTH = 4
IP_EVERY = 4  # every IP_EVERY-th VM gets a public IP with a port-forwarding rule


def _offering(sim, kind, dr):
    """The DR-tagged offering of a kind (storage tag dr), or an untagged one."""
    return next(o for o in sim.store.all(kind) if not o.get("removed") and (o.get("tags") == "dr") == dr)


def _ensure_public_ips(sim, zone, wanted):
    """Add /24 public ranges (100.64.0.0/10) to the zone until `wanted` addresses are free."""
    taken = {ip["ipaddress"] for ip in sim.store.all("publicip")}  # addresses are unique across zones
    block = 0
    while len(sim.store.find("publicip", zoneid=zone["id"], state="Free")) < wanted:
        cidr = f"100.{64 + block // 256}.{block % 256}.0/24"
        if f"100.{64 + block // 256}.{block % 256}.1" not in taken:
            network.add_public_range(sim, zone, cidr)
        block += 1


def _make_room(sim, zone, offering):
    """Add hosts to the zone's first cluster until the offering fits (the benchmark's big topologies)."""
    try:
        infra.pick_host(sim, zone["id"], offering["cpunumber"], offering["cpuspeed"], offering["memory"])
        return 0
    except errors.ApiError:
        infra.add_hosts(sim, sim.root_caller(), sim.store.first("cluster", zoneid=zone["id"]), HOSTS_PER_GROWTH)
        return HOSTS_PER_GROWTH


def _tenant_accounts(sim, count):
    """`count` new user accounts in domain customers, numbered after the ones already there."""
    from .accounts import add_account, add_domain

    store = sim.store
    domain = store.first("domain", name="customers") or add_domain(store, "customers", store.first("domain",
                                                                                                   path="ROOT"))
    first = len(store.find("account", domainid=domain["id"]))
    return [add_account(store, f"tenant-{n:04d}", domain) for n in range(first, first + count)]


def _tenant_network(sim, root, account, zone):
    offering = next(o for o in sim.store.all("networkoffering") if o["guestiptype"] == "Isolated"
                    and not o.get("forvpc") and "SourceNat" in o["supportedservices"])
    return sim.run_now(root, "createNetwork", {
        "name": f"{account['name']}-net", "zoneid": zone["id"], "networkofferingid": offering["id"],
        "account": account["name"], "domainid": account["domainid"]}, flush=False)


def _extra_disks(sim, ctx, vm, count, disk):
    zone = sim.store.get("zone", vm["zoneid"])
    owner = sim.store.get("account", vm["accountid"])
    for i in range(count):
        vol = storage.new_data_volume(ctx, owner, zone, disk, None, f"DATA-{vm['_pk']}-{i + 2}")
        storage.attach(sim, vol, vm, None)


def _expose(sim, root, vm, net, port):
    ip = sim.run_now(root, "associateIpAddress", {"networkid": net["id"]}, flush=False)
    sim.run_now(root, "createPortForwardingRule", {"ipaddressid": ip["id"], "virtualmachineid": vm["id"],
                                                   "protocol": "tcp", "publicport": port, "privateport": 22},
                flush=False)


@control.op("seed-tenants")
def op_seed_tenants(sim, accounts=10, vms=100, zone="zone-a", dr_fraction=0.5, volumes_max=3, start=True,
                    recovery_zone=None):
    """N tenant accounts in domain customers, each with an isolated network, and M VMs spread over
    them (DR offerings for a fraction F, 1..volumes_max volumes each, content markers, some with
    a public IP and a port-forwarding rule); hosts are added when capacity runs out. A recovery
    zone, if named, gets as many hosts added and free public IPs for twice what was seeded
    (mirrors and source NATs): room to fail every VM over."""
    began = time.monotonic()
    accounts, vms, start = int(accounts), int(vms), start not in (False, "false", 0)
    zone = infra.zone_by_ref(sim, zone)
    root = sim.root_caller()
    ctx = Context(sim, root, sim.spec.get("attachVolume"), {})
    _ensure_public_ips(sim, zone, accounts + vms // IP_EVERY + 1)
    if recovery_zone:
        _ensure_public_ips(sim, infra.zone_by_ref(sim, recovery_zone), 2 * (accounts + vms // IP_EVERY + 1))
    tenants = _tenant_accounts(sim, accounts)
    nets = [_tenant_network(sim, root, a, zone) for a in tenants]
    template = next(t for t in sim.store.all("template") if offerings.in_zone(t, zone["id"]))
    volumes = hosts_added = 0
    for k in range(vms):
        dr = int((k + 1) * float(dr_fraction)) > int(k * float(dr_fraction))  # spreads DR VMs evenly
        offering, disk = _offering(sim, "serviceoffering", dr), _offering(sim, "diskoffering", dr)
        if start:
            hosts_added += _make_room(sim, zone, offering)
        account, net = tenants[k % accounts], nets[k % accounts]
        disks = k % int(volumes_max)  # 0..volumes_max-1 data disks besides the root
        view = sim.run_now(root, "deployVirtualMachine", {
            "name": f"{account['name']}-vm-{k}", "zoneid": zone["id"], "templateid": template["id"],
            "serviceofferingid": offering["id"], "networkids": [net["id"]], "account": account["name"],
            "domainid": account["domainid"], "startvm": start, "diskofferingid": disks and disk["id"] or None},
            flush=False)
        vm = sim.store.get("vm", view["id"])
        _extra_disks(sim, ctx, vm, max(0, disks - 1), disk)
        volumes += 1 + disks
        if start:
            write_markers(sim, vm)
        if k % IP_EVERY == 0:
            _expose(sim, root, vm, net, 2200 + k // accounts)
    if recovery_zone and hosts_added:
        rz = infra.zone_by_ref(sim, recovery_zone)
        infra.add_hosts(sim, root, sim.store.first("cluster", zoneid=rz["id"]), hosts_added)
    sim.store.flush()
    return {"accounts": accounts, "vms": vms, "volumes": volumes, "hosts_added": hosts_added,
            "seconds": round(time.monotonic() - began, 2)}
