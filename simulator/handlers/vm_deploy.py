"""deployVirtualMachine: what DeployVMCmd.create() checks and allocates, all answered to the call, then
the start (startvm=true), which is the job (UserVmManagerImpl.createVirtualMachine, startVirtualMachine)."""

import ipaddress

from .. import errors
from ..contract import Job, api
from ..model.limit_checks import check_deploy
from ..model.templates import in_zone
from ..model.texts import network_vo_text, zone_text
from ..model.uuids import check_custom_id
from ..model.vms import create_vm, failed_deploy, start_vm, vm_event
from ..model.zones import disabled_for
from ..views.vm import vm_view
from .vm_common import (
    ACCESS_DENIED,
    affinity_param,
    check_hostname,
    entity_param,
    keypairs_param,
    name_param,
    userdata_param,
)

NETWORK_PERMISSION = "Unable to use network with id= {}, permission denied"  # NetworkModelImpl.UNABLE_TO_USE_NETWORK


def _owner(ctx):
    """DeployVMCmd.getEntityOwnerId (AccountManagerImpl.finalyzeAccountId), then the caller's access to it."""
    name = ctx.get("account")
    if name is None:
        return ctx.caller.account
    if not ctx.has("domainid"):
        raise errors.invalid("Account must be specified with domainId parameter")
    domain = ctx.lookup("domain", "domainid")
    acct = ctx.store.first("account", name=name, domainid=domain["id"], removed=None)
    if acct is None:
        raise errors.invalid("Unable to find account by name " + name + " in domain with specified id")
    if acct["state"] != "enabled":
        raise errors.denied(f"Can't add resources to the account {acct['name']} in state={acct['state']} as it's no "
                            "longer active")
    mine = acct["id"] == ctx.caller.account["id"]
    if not (ctx.caller.is_root or mine or (ctx.caller.role == "DomainAdmin"
                                          and ctx.sim.in_domain(acct["domainid"], ctx.caller.domain["id"]))):
        raise errors.denied(ACCESS_DENIED)
    return acct


def literal_details(ctx):
    """BaseCmd.convertDetailsToMap: every details[i].<name>=<value>, names taken literally (key/value too);
    `rootdisksize` is added as a detail (DeployVMCmd.getDetails)."""
    out = {}
    for entry in ctx.p.get("details") or []:
        out.update(entry)
    if ctx.has("rootdisksize") and "rootdisksize" not in out:
        out["rootdisksize"] = str(ctx.p["rootdisksize"])
    for key in out:
        if key == "extraconfig":
            raise errors.invalid("'extraconfig' should not be included in details as key")
        if key.startswith("extraconfig"):
            raise errors.invalid("detail name should not start with extraconfig")
    return out


def _requested(ctx):
    """DeployVMCmd.getNetworkIds/getIpToNetworkMap: {network id: requested ip} in iptonetworklist order."""
    entries = ctx.p.get("iptonetworklist") or []
    if entries and (ctx.has("networkids") or ctx.has("ipaddress") or ctx.has("ip6address")):
        raise errors.invalid("ipToNetworkMap can't be specified along with networkIds or ipAddress")
    requested = {}
    for entry in entries:
        net = ctx.store.get("network", entry.get("networkid") or "")
        if net is None:
            raise errors.invalid(f"Unable to translate and find entity with networkId: {entry.get('networkid')}")
        requested[net["id"]] = entry.get("ip")
    return requested


def _default_network(ctx, owner, zone):
    mine = [n for n in ctx.store.find("network", zoneid=zone["id"], accountid=owner["id"]) if not n.get("vpcid")]
    if len(mine) != 1:
        raise errors.invalid(f"More than 1 default Isolated networks are found for account {owner['name']}; "
                             "please specify networkIds" if mine else
                             "Unable to find a default network for the account; please specify networkIds")
    return mine[0]["id"]


def _networks(ctx, owner, zone, requested):
    """[(network, requested ip)] in NIC order, each one the owner may use and in the zone."""
    ids = list(ctx.p.get("networkids") or requested) or [_default_network(ctx, owner, zone)]
    nets = [entity_param(ctx, "network", "networkids", value=i) if i not in requested else ctx.store.get("network", i)
            for i in ids]  # networkids has no @ACL: the owner's permission is the manager's check
    for net in nets:
        if net.get("accountid") not in (None, owner["id"]):  # NetworkModelImpl.checkAccountNetworkPermissions
            raise errors.denied(NETWORK_PERMISSION.format(net["id"]))
    if ctx.has("ipaddress"):
        requested.setdefault(ids[0], ctx.p["ipaddress"])
    return [(n, requested.get(n["id"])) for n in nets]


def _check_networks(ctx, zone, networks):
    """UserVmManagerImpl.createVirtualMachine, per network: in the zone, a well-formed requested IPv4."""
    for net, ip in networks:
        if net["zoneid"] != zone["id"]:
            offering = ctx.store.get("networkoffering", net["networkofferingid"])
            raise errors.invalid(f"Network {network_vo_text(net, offering)} doesn't belong to zone "
                                 f'Zone {{"id": "{zone["_pk"]}", "name": "{zone["name"]}", "uuid": "{zone["id"]}"}}')
        if ip is not None:
            try:
                ipaddress.IPv4Address(ip)
            except ValueError:
                raise errors.invalid(f"Invalid specified IPv4 address {ip}") from None


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
        raise errors.invalid("This disk offering requires a custom size specified")
    return disk


def _host(ctx, zone):
    """UserVmManagerImpl.getDestinationHost: `hostid` has no `authorized` in DeployVMCmd; the manager refuses it
    from anyone but a root admin, and a host that is not Enabled and Up."""
    host = ctx.lookup("host", "hostid", required=False)
    if host is None:
        return None
    if not ctx.caller.is_root:
        raise errors.denied("Parameter hostid can only be specified by a Root Admin, permission denied")
    if host["resourcestate"] != "Enabled" or host["state"] != "Up":
        raise errors.invalid(f"Unable to deploy the VM as the host: {host['name']} is not in the right state")
    if host["zoneid"] != zone["id"]:
        raise errors.invalid(f"Host {host['id']} does not belong to zone {zone['id']}")
    return host


def _plan(ctx):
    """Everything deployVirtualMachine checks before it creates anything, in UserVmManagerImpl's order."""
    name = name_param(ctx)
    zone = ctx.lookup("zone", "zoneid")
    owner = _owner(ctx)
    details = literal_details(ctx)
    if ctx.has("affinitygroupids") and ctx.has("affinitygroupnames"):
        raise errors.invalid("affinitygroupids parameter is mutually exclusive with affinitygroupnames parameter")
    plan = {"zone": zone, "owner": owner, "offering": ctx.lookup("serviceoffering", "serviceofferingid"),
            "template": _template(ctx, zone), "disk": _data_offering(ctx), "name": name}
    if plan["offering"].get("state") == "Inactive":  # UserVmManagerImpl.createVirtualMachine (deleted offering)
        raise errors.invalid(f"Service offering is inactive: [{plan['offering']['id']}].")
    if disabled_for(ctx.caller, zone):  # UserVmManagerImpl.createVirtualMachine; root admins meet the planner
        raise errors.denied(f"Cannot perform this operation, Zone is currently disabled: {zone_text(zone)}")
    check_deploy(ctx, plan)  # resource limits (model/limit_checks.py)
    requested = _requested(ctx)
    plan["userdata"] = userdata_param(ctx)
    plan["host"] = _host(ctx, zone)
    plan["networks"] = _networks(ctx, owner, zone, requested)
    plan["affinity"] = affinity_param(ctx, owner)
    plan["keypairs"] = keypairs_param(ctx, owner)
    if plan["keypairs"]:
        keys = [ctx.store.first("sshkeypair", name=n, accountid=owner["id"]) for n in plan["keypairs"].split(",")]
        details.update({"SSH.PublicKey": "\n".join(k["publickey"] for k in keys),
                        "SSH.KeyPairNames": plan["keypairs"]})
    _check_networks(ctx, zone, plan["networks"])
    if ctx.has("customid"):  # UUIDManagerImpl.checkUuid: customid has no `authorized` in DeployVMCmd
        check_custom_id(ctx, "vm", ctx.p["customid"])
        plan["customid"] = ctx.p["customid"]
    if name:
        check_hostname(ctx, name, [n for n, _ in plan["networks"]])
    plan["details"] = dict(details, deployvm="true")
    return plan


@api("deployVirtualMachine")
def deploy_virtual_machine(ctx):
    """DeployVMCmd: create() (every check, the row, NICs, volumes) answers the call; execute() starts the VM in
    the job. A start that fails leaves the VM in Error with its volumes destroyed (UserVmManagerImpl
    .updateVmStateForFailedVmCreation); the command answers 533 with the capacity text."""
    plan = _plan(ctx)
    vm = create_vm(ctx, plan)
    start = ctx.p.get("startvm", True)

    def run():
        if start:
            try:
                start_vm(ctx, vm, plan["host"], event=False)
            except errors.ApiError:
                failed_deploy(ctx, vm)
                vm_event(ctx, "VM.CREATE", "deploying", vm, outcome="Error while", level="ERROR")
                raise
        vm_event(ctx, "VM.CREATE", "deploying", vm)
        return vm_view(ctx, vm)

    return Job(run, "VirtualMachine", vm["id"])
