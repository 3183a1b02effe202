"""Port-forwarding rules: create (with the firewall rule it opens or reuses), list, delete.

CreatePortForwardingRuleCmd is a BaseAsyncCreateCmd: every check, the conflict detection and the NET.RULEADD
usage event happen in create(), answered to the call; the job applies the rule (Add -> Active).
"""

import ipaddress

from .. import errors
from ..contract import SUCCESS, Job, api
from ..model.accounts import owner_of
from ..model.nics import nic_in
from ..model.rules import add_rule, check_ports, check_protocol, remove_rule, valid_cidr
from ..model.texts import ip_text, network_text, vm_text
from ..model.usage import usage_event
from ..views.network import pf_view
from .firewall import activate, list_rules, ports
from .network_common import found

ALL_CIDRS = ["0.0.0.0/0"]


def _check_params(ctx):
    """CreatePortForwardingRuleCmd.create: the guest IP's form, then RulesManagerImpl
    .validatePortForwardingSourceCidrList."""
    if ctx.has("vmguestip"):
        try:
            ipaddress.IPv4Address(ctx.p["vmguestip"])
        except ValueError:
            raise errors.invalid("Invalid vm ip address") from None
    for cidr in ctx.p.get("cidrlist") or []:
        if not valid_cidr(cidr):
            raise errors.invalid(f"The given source CIDR [{cidr}] is invalid.")


def _open_firewall(ctx, ip):
    """CreatePortForwardingRuleCmd.getOpenFirewall: true by default, false for a VPC IP, where true is refused;
    the IP must be allocated (getVpcId)."""
    if ip["state"] != "Allocated":
        raise errors.invalid(f"Unable to create PF rule, invalid IP address id {ip['_pk']}")
    given = ctx.p.get("openfirewall")
    if given and ip.get("vpcid"):
        raise errors.invalid("Can't have openFirewall=true when IP address belongs to VPC")
    return (not ip.get("vpcid")) if given is None else given


def _network_of(ctx, ip):
    """The cmd's getNetworkId (the IP's network, else `networkid`), and whether a VPC IP joins that tier
    (RulesManagerImpl.createPortForwardingRule)."""
    if ip.get("associatednetworkid"):
        return ctx.store.get("network", ip["associatednetworkid"]), False
    if not ctx.has("networkid"):
        raise errors.invalid(f"Unable to create port forwarding rule for the ipAddress id={ip['_pk']} as ip is not "
                             "associated with any network and no networkId is passed in")
    network = found(ctx, "network", "networkid")
    if not (network.get("vpcid") and ip.get("vpcid") == network["vpcid"]):
        raise errors.invalid(f"Ip address {ip_text(ip)} is not assigned to the network {network_text(network)}")
    return network, True


def _check_target(ctx, ip, vm, network, public, private):
    """The checks after validateFirewallRule, in RulesManagerImpl.createPortForwardingRule's order."""
    if private[0] > private[1]:
        raise errors.invalid("Start port can't be bigger than end port")
    if private[1] - private[0] != public[1] - public[0]:
        raise errors.invalid("Source port and destination port ranges should be of equal sizes.")
    if vm["state"] in ("Destroyed", "Expunging"):
        raise errors.invalid(f"Invalid user vm: {vm_text(vm)}")
    nic = nic_in(ctx.sim, vm, network["id"])
    if nic is None:
        raise errors.invalid("Vm doesn't belong to network associated with ipAddress")
    guest_ip = ctx.get("vmguestip", nic["ipaddress"])
    if guest_ip != nic["ipaddress"]:  # secondary guest IPs are not modelled
        raise errors.invalid("IP Address is not in the VM nic's network ")
    if public[0] != public[1] or private[0] != private[1]:
        if public[0] != private[0]:
            raise errors.invalid("Private port start should be equal to public port start")
        if public[1] != private[1]:
            raise errors.invalid("Private port end should be equal to public port end")
    return guest_ip


def _opened_rule(ctx, ip, network, protocol, public):
    """FirewallManagerImpl.createRuleForAllCidrs: a firewall rule of the IP with the same ports and protocol is
    reused (None returned); else one for 0.0.0.0/0, displayed, is created (its conflicts refuse the PF rule)."""
    for rule in ctx.store.find("rule", ipaddressid=ip["id"], ruletype="firewall"):
        if (rule["startport"], rule["endport"], rule["protocol"]) == (public[0], public[1], protocol.lower()):
            return None
    return add_rule(ctx.sim, owner_of(ctx.sim, ip), {
        "ruletype": "firewall", "ipaddressid": ip["id"], "ipaddress": ip["ipaddress"], "networkid": network["id"],
        "_network_pk": network["_pk"], "protocol": protocol.lower(), "startport": public[0], "endport": public[1],
        "cidrlist": list(ALL_CIDRS), "destcidrlist": [], "fordisplay": True})


@api("createPortForwardingRule")
def create_port_forwarding_rule(ctx):
    """CreatePortForwardingRuleCmd.create -> RulesManagerImpl.createPortForwardingRule."""
    ip = found(ctx, "publicip", "ipaddressid")
    vm = ctx.lookup("vm", "virtualmachineid")  # @ACL(OperateEntry): a foreign VM is refused with the parameters
    _check_params(ctx)
    open_firewall = _open_firewall(ctx, ip)
    if ip["isstaticnat"]:
        raise errors.invalid(f"Unable to create port forwarding rule; ip {ip_text(ip)} has static nat enabled")
    network, joins = _network_of(ctx, ip)
    protocol = ctx.p["protocol"].strip()
    public, private = ports(ctx, "publicport", "publicendport"), ports(ctx, "privateport", "privateendport")
    check_ports(*public)
    ctx.check_access(ip)
    check_protocol(protocol, "portforward", ctx.store.get("zone", network["zoneid"])["_pk"])
    guest_ip = _check_target(ctx, ip, vm, network, public, private)
    opened = _opened_rule(ctx, ip, network, protocol, public) if open_firewall else None
    try:
        rule = add_rule(ctx.sim, owner_of(ctx.sim, ip), {
            "ruletype": "portforward", "ipaddressid": ip["id"], "ipaddress": ip["ipaddress"],
            "networkid": network["id"], "_network_pk": network["_pk"], "protocol": protocol.lower(),
            "startport": public[0], "endport": public[1], "privateport": private[0], "privateendport": private[1],
            "cidrlist": ctx.p.get("cidrlist") or [], "_vm_pk": vm["_pk"], "vmguestip": guest_ip,
            "fordisplay": ctx.p.get("fordisplay", True)})
    except errors.ApiError:
        if opened is not None:  # one transaction: the firewall rule it opened is rolled back
            ctx.store.delete("rule", opened)
        raise
    if opened is not None:
        opened["_related_pk"] = rule["_pk"]
    if joins:
        ip.update(associatednetworkid=network["id"], associatednetworkname=network["name"])
        ctx.store.touch("publicip", ip)
    usage_event(ctx.sim, "NET.RULEADD", owner_of(ctx.sim, rule), ip["zoneid"], rule)
    return activate(ctx, rule, pf_view, "NET.RULEADD", "portforwardingrule", [opened] if opened else [])


@api("listPortForwardingRules")
def list_port_forwarding_rules(ctx):
    return list_rules(ctx, "portforward", pf_view, "port forwarding")


@api("deletePortForwardingRule")
def delete_port_forwarding_rule(ctx):
    """DeletePortForwardingRuleCmd: another rule's id is refused with the parameters (getEntityOwnerId); the job
    revokes the firewall rule it opened, then the rule (RulesManagerImpl.revokePortForwardingRule)."""
    rule = found(ctx, "rule", "id")
    if rule["ruletype"] != "portforward":
        raise errors.invalid(f"Unable to find port forwarding rule by ID={rule['_pk']}")
    ctx.check_access(rule)

    def run():
        remove_rule(ctx.sim, rule)
        ctx.event("NET.RULEDELETE", f"Rule Id: {rule['id']}", owner_of(ctx.sim, rule))
        return SUCCESS

    return Job(run, "FirewallRule", rule["id"])
