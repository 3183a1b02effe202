"""Firewall, egress and port-forwarding rules: create (after CloudStack's conflict checks), list, delete."""

from .. import errors
from ..contract import SUCCESS, Job, api
from ..errors import ApiError
from ..model.accounts import owner_of
from ..model.nics import nic_in
from ..model.public_ips import delete_rule
from ..views.network import pf_view, rule_view
from .filters import display_filter, filter_eq, keyword_filter
from .network_common import ip_param, owned_lookup

PROTOCOLS = ("tcp", "udp", "icmp", "all")
PORTED = ("tcp", "udp")
ALL_CIDRS = ["0.0.0.0/0"]
RULE_EVENTS = {"firewall": ("FIREWALL.OPEN", "FIREWALL.CLOSE"), "egress": ("FIREWALL.EGRESS.OPEN",
               "FIREWALL.EGRESS.CLOSE"), "portforward": ("NET.RULEADD", "NET.RULEDELETE")}


def _ports(ctx, start_name, end_name, protocol):
    """(start, end) for tcp/udp, validated as CloudStack does; (None, None) for icmp/all."""
    protocol = protocol.lower()
    if protocol not in PROTOCOLS:
        raise errors.invalid(f"Invalid protocol {protocol}")
    start, end = ctx.p.get(start_name), ctx.p.get(end_name)
    if protocol not in PORTED:
        if start is not None or end is not None:
            raise errors.invalid(f"Can specify start/end port only for protocols {', '.join(PORTED)}")
        return None, None
    end = start if end is None else end
    for port in (start, end):
        if port is not None and not 1 <= port <= 65535:
            raise errors.invalid(f"publicPort is an invalid value: {port}")
    if start is not None and start > end:
        raise errors.invalid("Start port can't be bigger than end port")
    return (1, 65535) if start is None else (start, end)


def _overlap(a, b):
    return a["startport"] is not None and b["startport"] is not None and \
        a["startport"] <= b["endport"] and b["startport"] <= a["endport"]


def _detect_conflicts(sim, new, scope):
    """CloudStack's detectRulesConflict: same-protocol ranges on one IP (or one network for egress)."""
    for rule in sim.store.find("rule", **scope):
        same_kind, same_proto = rule["ruletype"] == new["ruletype"], rule["protocol"] == new["protocol"]
        if not (same_kind and same_proto):
            continue  # a firewall rule never clashes with a PF rule; PF rules may differ by protocol
        if rule["ruletype"] != "portforward" and not set(rule["cidrlist"]) & set(new["cidrlist"]):
            continue  # firewall rules for different source CIDRs may share ports
        if new["startport"] is None:
            raise errors.rule_conflict(f"There is already a firewall rule specified with protocol = "
                                       f"{new['protocol']} and no ports")
        if _overlap(rule, new):
            raise errors.rule_conflict(f"The range specified, {new['startport']}-{new['endport']}, conflicts with "
                                       f"rule {rule['id']} which has {rule['startport']}-{rule['endport']}")


def _new_rule(ctx, ruletype, owner_obj, scope, cidrlist=None, **fields):
    """Store a rule after the conflict check; it answers Active once its job has applied it."""
    rule = dict(ruletype=ruletype, state="Add", fordisplay=ctx.p.get("fordisplay", True), tags=[],
                cidrlist=cidrlist or ctx.p.get("cidrlist") or ALL_CIDRS, **fields)
    _detect_conflicts(ctx.sim, rule, scope)
    return ctx.store.add("rule", ctx.owned(rule, owner_of(ctx.sim, owner_obj)))


def _activate(ctx, rule, view, object_key=None):
    def run():
        for applied in filter(None, (rule, ctx.store.get("rule", rule.get("_related") or ""))):
            applied["state"] = "Active"
            ctx.store.touch("rule", applied)
        ctx.event(RULE_EVENTS[rule["ruletype"]][0], f"Rule Id: {rule['id']}", owner_of(ctx.sim, rule))
        return view(ctx.sim, rule)

    return Job(run, "FirewallRule", rule["id"], object_key=object_key)


def _firewall_rule(ctx, ip, protocol, start, end, cidrlist=None):
    fields = {"ipaddressid": ip["id"], "ipaddress": ip["ipaddress"], "networkid": ip.get("associatednetworkid"),
              "protocol": protocol, "startport": start, "endport": end}
    return _new_rule(ctx, "firewall", ip, {"ipaddressid": ip["id"]}, cidrlist, **fields)


@api("createFirewallRule")
def create_firewall_rule(ctx):
    ip = ip_param(ctx, "ipaddressid")
    if ip.get("vpcid"):
        raise errors.invalid("Unable to create firewall rule for the ip address of a VPC: use network ACLs")
    start, end = _ports(ctx, "startport", "endport", ctx.p["protocol"])
    rule = _firewall_rule(ctx, ip, ctx.p["protocol"].lower(), start, end)
    return _activate(ctx, rule, rule_view)


@api("createEgressFirewallRule")
def create_egress_firewall_rule(ctx):
    network = owned_lookup(ctx, "network", "networkid")
    if network.get("vpcid") or network["type"] != "Isolated":
        raise errors.invalid("Egress firewall rules are supported only in isolated networks outside VPCs")
    start, end = _ports(ctx, "startport", "endport", ctx.p["protocol"])
    rule = _new_rule(ctx, "egress", network, {"networkid": network["id"], "ruletype": "egress"},
                     networkid=network["id"], protocol=ctx.p["protocol"].lower(), startport=start, endport=end,
                     destcidrlist=ctx.p.get("destcidrlist") or [])
    return _activate(ctx, rule, rule_view)


def _pf_network(ctx, ip):
    """The IP's network, or for a VPC IP the tier named by networkid (the IP joins that tier)."""
    if ip.get("associatednetworkid"):
        return ctx.store.get("network", ip["associatednetworkid"])
    network = ctx.lookup("network", "networkid", required=False)
    if network is None or network.get("vpcid") != ip.get("vpcid"):
        raise errors.invalid(f"Unable to create port forwarding rule; ip id={ip['id']} is not associated with "
                             "any network")
    return network


@api("createPortForwardingRule")
def create_port_forwarding_rule(ctx):
    ip = ip_param(ctx, "ipaddressid")
    vm = ctx.lookup("vm", "virtualmachineid")
    if ip["isstaticnat"]:
        raise errors.invalid(f"Unable to create port forwarding rule; ip id={ip['id']} has static nat enabled")
    protocol = ctx.p["protocol"].lower()
    if protocol not in PORTED:
        raise errors.invalid(f"Invalid protocol {protocol}: port forwarding supports tcp and udp only")
    start, end = _ports(ctx, "publicport", "publicendport", protocol)
    private_start, private_end = _ports(ctx, "privateport", "privateendport", protocol)
    if end - start != private_end - private_start:
        raise errors.invalid("Private port range and public port range should be of equal size")
    network = _pf_network(ctx, ip)
    nic = nic_in(ctx.sim, vm, network["id"])
    if nic is None:
        raise errors.invalid(f"Unable to create port forwarding rule; vm {vm['id']} has no nic in the network "
                             f"{network['id']}")
    guest_ip = ctx.get("vmguestip", nic["ipaddress"])
    rule = _new_rule(ctx, "portforward", ip, {"ipaddressid": ip["id"]}, ipaddressid=ip["id"],
                     ipaddress=ip["ipaddress"], networkid=network["id"], protocol=protocol, startport=start,
                     endport=end, privateport=private_start, privateendport=private_end, _vm_pk=vm["_pk"],
                     vmguestip=guest_ip)
    if ctx.p.get("openfirewall", True) and not network.get("vpcid"):
        try:
            rule["_related"] = _firewall_rule(ctx, ip, protocol, start, end, rule["cidrlist"])["id"]
        except ApiError:
            ctx.store.delete("rule", rule)  # CloudStack creates both in one transaction
            raise
    _join_tier(ctx, ip, network)
    return _activate(ctx, rule, pf_view, "portforwardingrule")


def _join_tier(ctx, ip, network):
    if not ip.get("associatednetworkid"):
        ip.update(associatednetworkid=network["id"], associatednetworkname=network["name"])
        ctx.store.touch("publicip", ip)


def _list_rules(ctx, ruletype, view):
    items = filter_eq(ctx, display_filter(ctx, ctx.mine(ctx.store.find("rule", ruletype=ruletype)), "fordisplay"),
                      "ipaddressid", "networkid")
    return [view(ctx.sim, r) for r in keyword_filter(ctx, items, "protocol")]


@api("listFirewallRules")
def list_firewall_rules(ctx):
    return _list_rules(ctx, "firewall", rule_view)


@api("listEgressFirewallRules")
def list_egress_firewall_rules(ctx):
    return _list_rules(ctx, "egress", rule_view)


@api("listPortForwardingRules")
def list_port_forwarding_rules(ctx):
    return _list_rules(ctx, "portforward", pf_view)


def _delete(ctx, ruletype):
    rule = ctx.lookup("rule", "id")
    if rule["ruletype"] != ruletype:
        raise ctx.invalid_value("id", ctx.p["id"])

    def run():
        delete_rule(ctx.sim, rule)
        ctx.event(RULE_EVENTS[ruletype][1], f"Rule Id: {rule['id']}", owner_of(ctx.sim, rule))
        return SUCCESS

    return Job(run, "FirewallRule", rule["id"])


@api("deleteFirewallRule")
def delete_firewall_rule(ctx):
    return _delete(ctx, "firewall")


@api("deleteEgressFirewallRule")
def delete_egress_firewall_rule(ctx):
    return _delete(ctx, "egress")


@api("deletePortForwardingRule")
def delete_port_forwarding_rule(ctx):
    return _delete(ctx, "portforward")
