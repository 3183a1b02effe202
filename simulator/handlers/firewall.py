"""Firewall (ingress, on a public IP) and egress (on a network) rules: create, list, delete.

As CloudStack's BaseAsyncCreateCmd: the checks and the conflict detection answer the call (create()), the
job only applies the rule (Add -> Active). Port-forwarding rules are in port_forwarding.py.
"""

import ipaddress

from .. import errors
from ..contract import SUCCESS, Job, api
from ..errors import ApiError
from ..model.accounts import owner_of
from ..model.rules import add_rule, check_icmp, check_ports, check_protocol, remove_rule, valid_cidr
from ..views.network import rule_view
from .filters import display_filter, filter_eq
from .network_common import acl_scope, found, newest_first, param_error, tags_filter

ALL_CIDRS = "0.0.0.0/0"
EVENTS = {"firewall": ("FIREWALL.OPEN", "FIREWALL.CLOSE"), "egress": ("FIREWALL.EGRESS.OPEN", "FIREWALL.EGRESS.CLOSE")}


def ports(ctx, start_name="startport", end_name="endport"):
    """The cmd's getSourcePortStart/End: the end defaults to the start; none given, none kept."""
    start, end = ctx.p.get(start_name), ctx.p.get(end_name)
    return start, (start if end is None else end)


def icmp_fields(ctx, protocol):
    """getIcmpCode/getIcmpType: -1 for ICMP when not given, else what was given (None for other protocols)."""
    default = -1 if protocol.lower() == "icmp" else None
    return {"icmptype": ctx.p.get("icmptype", default), "icmpcode": ctx.p.get("icmpcode", default)}


def activate(ctx, rule, view, event, object_key=None, also=()):
    """The job of a create command: the rule (and one it opened) Add -> Active."""
    def run():
        for applied in (rule, *also):
            applied["state"] = "Active"
            ctx.store.touch("rule", applied)
        ctx.event(event, f"Rule Id: {rule['id']}", owner_of(ctx.sim, rule))
        return view(ctx.sim, rule)

    return Job(run, "FirewallRule", rule["id"], object_key=object_key)


@api("createFirewallRule")
def create_firewall_rule(ctx):
    """CreateFirewallRuleCmd.create -> FirewallManagerImpl.createIngressFirewallRule / createFirewallRule."""
    ip = found(ctx, "publicip", "ipaddressid")
    cidrs = ctx.p.get("cidrlist") or []
    if not cidrs or (len(cidrs) == 1 and not cidrs[0].strip()):  # CreateFirewallRuleCmd.getSourceCidrList
        cidrs = [ALL_CIDRS]
    for cidr in cidrs:
        if not valid_cidr(cidr):
            raise param_error(f"Source CIDRs formatting error {cidr}")
    network = ctx.store.get("network", ip.get("associatednetworkid") or "")
    if network is None:
        raise errors.invalid(f"Unable to create firewall rule for the IP address ID={ip['_pk']} as IP is not "
                             "associated with any network and no networkId is passed in")
    if ip.get("vpcid"):  # NetworkModelImpl.canIpUsedForService: a tier IP serves PF/static NAT; tiers have no Firewall
        raise errors.invalid(f"There is no new provider for IP {ip['ipaddress']} of service Firewall!")
    protocol = ctx.p["protocol"].strip()
    start, end = ports(ctx)
    check_ports(start, end)
    ctx.check_access(ip)
    check_protocol(protocol, "firewall", ctx.store.get("zone", network["zoneid"])["_pk"])
    check_icmp(protocol, start, end, ctx.has("icmptype") or ctx.has("icmpcode"))
    rule = add_rule(ctx.sim, owner_of(ctx.sim, ip), {
        "ruletype": "firewall", "ipaddressid": ip["id"], "ipaddress": ip["ipaddress"], "networkid": network["id"],
        "_network_pk": network["_pk"], "protocol": protocol.lower(), "startport": start, "endport": end,
        "cidrlist": cidrs, "destcidrlist": [], "fordisplay": ctx.p.get("fordisplay", True),
        **icmp_fields(ctx, protocol)})
    return activate(ctx, rule, rule_view, EVENTS["firewall"][0])


def _egress_cidrs(ctx, network):
    """CreateEgressFirewallRuleCmd.validateCidrs: the network's CIDR by default; every source CIDR inside it."""
    guest = network.get("cidr")
    cidrs = ctx.p.get("cidrlist") if ctx.p.get("cidrlist") is not None else [guest]
    for cidr in cidrs:
        cidr = cidr.strip()
        if not valid_cidr(cidr):
            raise param_error(f"Source CIDRs formatting error [{cidr}].")
        if cidr != ALL_CIDRS and not _within(cidr, guest):
            raise param_error(f"[{cidr}] is not within the guest CIDR [{guest}]. ")
    for cidr in ctx.p.get("destcidrlist") or []:
        if not valid_cidr(cidr.strip()):
            raise param_error(f"Destination CIDRs formatting error [{cidr.strip()}].")
    # FirewallManagerImpl.createEgressFirewallRule: 0.0.0.0/0 stands for the network's own CIDR
    return [guest if c == ALL_CIDRS else c for c in cidrs]


def _within(cidr, outer):
    """NetUtils.isNetworkAWithinNetworkB."""
    try:
        inner, whole = ipaddress.ip_network(cidr, strict=False), ipaddress.ip_network(outer, strict=False)
    except ValueError:
        return False
    return inner.version == whole.version and inner.subnet_of(whole)


@api("createEgressFirewallRule")
def create_egress_firewall_rule(ctx):
    """CreateEgressFirewallRuleCmd.create -> FirewallManagerImpl.createEgressFirewallRule."""
    network = found(ctx, "network", "networkid")
    cidrs = _egress_cidrs(ctx, network)
    protocol = ctx.p["protocol"].strip()
    start, end = ports(ctx)
    if protocol.lower() == "all" and start is not None:
        raise errors.invalid(f"Unable to create firewall rule for the network id=[{network['_pk']}] due to: ports "
                             "must not be informed to protocol ALL, as it does not require them.")
    if network.get("vpcid"):
        raise errors.invalid(f"Unable to create firewall rule for the network id=[{network['_pk']}] as firewall "
                             "egress rule can be created only for non VPC networks.")
    if network["type"] == "Shared":
        raise errors.invalid("Egress firewall rules are not supported for Shared  networks")
    check_ports(start, end)
    ctx.check_access(network)
    check_protocol(protocol, "egress", ctx.store.get("zone", network["zoneid"])["_pk"])
    check_icmp(protocol, start, end, ctx.has("icmptype") or ctx.has("icmpcode"))
    fields = {"ruletype": "egress", "networkid": network["id"], "_network_pk": network["_pk"],
              "protocol": protocol.lower(), "startport": start, "endport": end, "cidrlist": cidrs,
              "destcidrlist": ctx.p.get("destcidrlist") or [], "fordisplay": ctx.p.get("fordisplay", True),
              **icmp_fields(ctx, protocol)}
    try:
        rule = add_rule(ctx.sim, owner_of(ctx.sim, network), fields)
    except ApiError as exc:  # the command rethrows a conflict as a ServerApiException without its cause
        if exc.errorcode == errors.NETWORK_RULE_CONFLICT:
            exc.cserrorcode = errors.CS_SERVER_API
        raise
    return activate(ctx, rule, rule_view, EVENTS["egress"][0])


def list_rules(ctx, ruletype, view, what):
    """FirewallManagerImpl.listFirewallRules / RulesManagerImpl.listPortForwardingRules: an `ipaddressid` must be
    an allocated IP the caller may use; account scope; displayed rules unless a root admin asks; newest first."""
    if ctx.has("ipaddressid"):
        ip = found(ctx, "publicip", "ipaddressid")
        if ip["state"] != "Allocated":
            raise errors.invalid(f"Ip address id={ip['_pk']} not ready for {what} rules yet")
        ctx.check_access(ip)
    items = acl_scope(ctx, ctx.store.find("rule", ruletype=ruletype))
    items = filter_eq(ctx, display_filter(ctx, items, "fordisplay"), "id", "ipaddressid", "networkid")
    return [view(ctx.sim, r) for r in newest_first(tags_filter(ctx, items, "rule"))]


@api("listFirewallRules")
def list_firewall_rules(ctx):
    return list_rules(ctx, "firewall", rule_view, "firewall")


@api("listEgressFirewallRules")
def list_egress_firewall_rules(ctx):
    return list_rules(ctx, "egress", rule_view, "firewall")


def _delete(ctx, event):
    """FirewallManagerImpl.revokeFirewallRule: either command removes any firewall rule, ingress or egress;
    another rule's id fails the job."""
    rule = ctx.lookup("rule", "id")

    def run():
        if rule["ruletype"] == "portforward":
            raise errors.invalid(f"Unable to find {rule['_pk']} having purpose [Firewall, Ipv6Firewall]")
        remove_rule(ctx.sim, rule)
        ctx.event(event, f"Rule Id: {rule['id']}", owner_of(ctx.sim, rule))
        return SUCCESS

    return Job(run, "FirewallRule", rule["id"])


@api("deleteFirewallRule")
def delete_firewall_rule(ctx):
    return _delete(ctx, EVENTS["firewall"][1])


@api("deleteEgressFirewallRule")
def delete_egress_firewall_rule(ctx):
    return _delete(ctx, EVENTS["egress"][1])
