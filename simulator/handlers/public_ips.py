"""Public IPs: associate, disassociate, list; static NAT on and off."""

from .. import errors
from ..contract import SUCCESS, Job, api
from ..model.accounts import owner_of
from ..model.limit_checks import check_associate
from ..model.nics import nic_in
from ..model.public_ips import clear_static_nat, has_source_nat, release_ip, source_nat_of, take_ip
from ..model.texts import ip_text
from ..model.uuids import check_custom_id
from ..views.network import ip_view
from .filters import display_filter, filter_eq, keyword_filter
from .network_common import ip_param


@api("associateIpAddress")
def associate_ip_address(ctx):
    network = ctx.lookup("network", "networkid", required=False)
    vpc = ctx.lookup("vpc", "vpcid", required=False)
    if network is None and vpc is None:
        raise errors.invalid("One of Network id or VPC id must be specified")
    if network is not None and network["type"] == "Shared":
        raise errors.invalid(f"Can't associate ip address to network of type {network['type']}")
    target = network or vpc
    zone = ctx.store.get("zone", target["zoneid"])
    vpc = vpc or (network.get("vpcid") and ctx.store.get("vpc", network["vpcid"]))
    # As IpAddressManagerImpl.isSourceNatAvailableForNetwork and associateIPToVpc: the first IP of an
    # isolated network or a VPC without a source NAT IP becomes it, even before the network is implemented.
    sourcenat = (source_nat_of(ctx.sim, vpc=vpc) is None if vpc
                 else has_source_nat(ctx.sim, network) and source_nat_of(ctx.sim, network=network) is None)
    ip = take_ip(ctx.sim, zone, owner_of(ctx.sim, target), network=network, vpc=vpc, sourcenat=sourcenat,
                 state="Allocating")
    ip["fordisplay"] = ctx.p.get("fordisplay", True)  # authorized = {RoleType.Admin}

    def run():
        check_associate(ctx, ip, network, vpc)  # resource limits (model/limit_checks.py)
        ip["state"] = "Allocated"
        ctx.store.touch("publicip", ip)
        return ip_view(ctx.sim, ip)

    return Job(run, "IpAddress", ip["id"], object_key="ipaddress")


@api("disassociateIpAddress")
def disassociate_ip_address(ctx):
    if ctx.has("ipaddress") and not ctx.has("id"):
        match = ctx.store.first("publicip", ipaddress=ctx.p["ipaddress"], state="Allocated")
        if match is None:
            raise errors.invalid(f"Unable to find IP address {ctx.p['ipaddress']}")
        ctx.p["id"] = match["id"]
    ip = ip_param(ctx)

    def run():
        if ip["issourcenat"]:
            raise errors.invalid("ip address is used for source nat purposes and can not be disassociated.")
        release_ip(ctx.sim, ip)
        return SUCCESS

    return Job(run, "IpAddress", ip["id"])


@api("listPublicIpAddresses")
def list_public_ip_addresses(ctx):
    items = ctx.store.all("publicip")
    if ctx.p.get("allocatedonly", True):
        items = [i for i in items if i["state"] != "Free"]
    if ctx.has("associatednetworkid") or ctx.has("networkid"):
        wanted = ctx.get("associatednetworkid") or ctx.p["networkid"]
        items = [i for i in items if i.get("associatednetworkid") == wanted]
    items = filter_eq(ctx, display_filter(ctx, ctx.mine(items), "fordisplay"), "ipaddress", "vpcid", "zoneid",
                      "isstaticnat", "issourcenat",
                      "state", "forvirtualnetwork", "vlanid")
    return [ip_view(ctx.sim, i) for i in keyword_filter(ctx, items, "ipaddress")]


@api("updateIpAddress")
def update_ip_address(ctx):
    """NetworkServiceImpl.updateIP: the display flag and custom id (both root-admin-only parameters), in the job;
    an IP of an account the caller cannot operate on, or a free IP for anybody but a root admin, fails the job."""
    ip = ctx.store.get("publicip", ctx.p["id"])
    if ip is None:
        raise ctx.invalid_value("id", ctx.p["id"])

    def run():
        if ip["state"] != "Allocated" and not ctx.caller.is_root:
            raise errors.internal("Only Root admin can update non-allocated ip addresses")
        if ip.get("accountid") and not ctx.can_see(ip):
            raise errors.internal("Caller does not have permission to operate with provided resource.")
        if ctx.has("customid"):
            check_custom_id(ctx, "publicip", ctx.p["customid"])
            ctx.store.change_id("publicip", ip, ctx.p["customid"])
        if ctx.p.get("fordisplay") is not None:
            ip["fordisplay"] = ctx.p["fordisplay"]
        ctx.store.touch("publicip", ip)
        ctx.event("NET.IPUPDATE", f"Ip: {ip['ipaddress']}", owner_of(ctx.sim, ip) if ip.get("accountid") else
                  ctx.caller.account)
        return ip_view(ctx.sim, ip)

    return Job(run, "IpAddress", ip["id"], object_key="ipaddress")


# -- static NAT ------------------------------------------------------------------------------
def _static_nat_target(ctx, ip, vm):
    """The tier or network the static NAT goes through: the IP's network, or for a VPC IP the one given."""
    network = ctx.lookup("network", "networkid", required=False)
    if ip.get("associatednetworkid") and network is not None and network["id"] != ip["associatednetworkid"]:
        raise errors.invalid(f"Invalid network Id={network['id']}. IP is associated with a different network "
                             "than passed network id")
    network = network or ctx.store.get("network", ip.get("associatednetworkid") or "")
    if network is None:
        raise errors.invalid(f"Ip address {ip_text(ip)} is not assigned to the network")
    nic = nic_in(ctx.sim, vm, network["id"])
    if nic is None:
        raise errors.invalid("Vm doesn't belong to the network with specified id")
    return network, nic


def _check_static_nat(ctx, ip, vm, guest_ip):
    if ip["issourcenat"]:
        raise errors.invalid(f"Can't enable static, ip address {ip_text(ip)} is a sourceNat ip address")
    if not ip["isstaticnat"] and ctx.store.find("rule", ipaddressid=ip["id"], ruletype="portforward"):
        raise errors.rule_conflict(f"Failed to enable static nat for the ip address {ip_text(ip)} as it already "
                                   "has PortForwarding rules assigned")
    if ip["isstaticnat"] and ip["_vm_pk"] != vm["_pk"]:
        raise errors.rule_conflict(f"Failed to enable static for the ip address {ip_text(ip)} and vm id={vm['id']} "
                                   "as it's already assigned to antoher vm")
    other = ctx.store.first("publicip", _vm_pk=vm["_pk"], vmipaddress=guest_ip, isstaticnat=True)
    if other is not None and other is not ip:
        raise errors.invalid(f"Failed to enable static nat for the ip address id={ip['id']} as vm id={vm['id']} "
                             f"is already associated with ip id={other['id']}")


@api("enableStaticNat")
def enable_static_nat(ctx):
    ip = ip_param(ctx, "ipaddressid")
    vm = ctx.lookup("vm", "virtualmachineid")
    network, nic = _static_nat_target(ctx, ip, vm)
    guest_ip = ctx.get("vmguestip", nic["ipaddress"])
    if guest_ip != nic["ipaddress"]:
        raise errors.invalid(f"VM ip {guest_ip} address not belongs to the vm")
    _check_static_nat(ctx, ip, vm, guest_ip)
    ip.update(isstaticnat=True, _vm_pk=vm["_pk"], vmipaddress=guest_ip, associatednetworkid=network["id"],
              associatednetworkname=network["name"])
    ctx.store.touch("publicip", ip)
    ctx.event("STATICNAT.ENABLE", f"Ip: {ip['ipaddress']} to VM {vm['id']}", owner_of(ctx.sim, ip))
    return SUCCESS


@api("disableStaticNat")
def disable_static_nat(ctx):
    ip = ip_param(ctx, "ipaddressid")
    if not ip["isstaticnat"]:
        raise errors.invalid("Specified IP address id is not associated with any vm Id")

    def run():
        clear_static_nat(ctx.sim, ip)
        ctx.event("STATICNAT.DISABLE", f"Ip: {ip['ipaddress']}", owner_of(ctx.sim, ip))
        return SUCCESS

    return Job(run, "IpAddress", ip["id"])
