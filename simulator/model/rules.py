"""Firewall, egress and port-forwarding rules as CloudStack keeps them (one firewall_rules table):
their validation, the conflicts between them, and what removing one does to its IP.

A rule is stored with `ruletype` "firewall" (ingress, on an IP), "egress" (on a network) or
"portforward"; `cidrlist`/`destcidrlist` are lists (a port-forwarding rule without a CIDR has none),
`_network_pk` is its network's internal key (for the rule's text), and a firewall rule a
port-forwarding rule opened points at it with `_related_pk`.
"""

import ipaddress

from .. import errors
from .accounts import owner_of
from .texts import rule_text
from .usage import usage_event

# VirtualRouterElement.getCapabilities: the protocols each rule purpose supports
SUPPORTED = {"firewall": "tcp,udp,icmp", "egress": "tcp,udp,icmp, all", "portforward": "tcp,udp"}


def valid_cidr(text):
    """NetUtils.isValidIp4Cidr / isValidIp6Cidr: an address, a slash and a prefix length."""
    address, _, size = (text or "").partition("/")
    if not size.isdigit():
        return False
    try:
        net = ipaddress.ip_address(address)
    except ValueError:
        return False
    return int(size) <= (32 if net.version == 4 else 128)


def check_ports(start, end):
    """FirewallManagerImpl.validateFirewallRule: the public ports (0-65535, start <= end)."""
    if start is not None and not 0 <= start <= 65535:
        raise errors.invalid(f"publicPort is an invalid value: {start}")
    if end is not None and not 0 <= end <= 65535:
        raise errors.invalid(f"Public port range is an invalid value: {end}")
    if start is not None and end is not None and start > end:
        raise errors.invalid("Start port can't be bigger than end port")


def check_protocol(protocol, ruletype, zone_pk):
    """FirewallManagerImpl.validateFirewallRule: the provider's protocols (a substring match, as Java's)."""
    if protocol.lower() not in SUPPORTED[ruletype]:
        raise errors.invalid(f"Protocol {protocol} is not supported in zone {zone_pk}")


def check_icmp(protocol, start, end, icmp_given):
    """FirewallManagerImpl.createFirewallRule: ICMP codes only for ICMP, no ports for ICMP."""
    if protocol.lower() != "icmp" and icmp_given:
        raise errors.invalid("Can specify icmpCode and icmpType for ICMP protocol only")
    if protocol.lower() == "icmp" and (start is not None or end is not None):
        raise errors.invalid("Can't specify start/end port when protocol is ICMP")


def _clash(a, b):
    """FirewallManagerImpl.detectConflictingCidrs: both empty, or a CIDR in common (compared as text)."""
    return (not a and not b) or bool(set(a) & set(b))


def _check_pair(rule, new):
    fw_rule, fw_new = rule["ruletype"] != "portforward", new["ruletype"] != "portforward"
    same_proto = rule["protocol"] == new["protocol"]
    one_firewall = (fw_rule or fw_new) and (fw_rule != fw_new or not same_proto)
    duplicated = False
    if fw_rule and fw_new:
        duplicated = _clash(rule["cidrlist"], new["cidrlist"]) and _clash(rule.get("destcidrlist") or [],
                                                                          new.get("destcidrlist") or [])
    elif not fw_rule and not fw_new:
        duplicated = _clash(rule["cidrlist"], new["cidrlist"])
    if (new["protocol"] == "icmp" and same_proto and duplicated and rule.get("icmpcode") == new.get("icmpcode")
            and rule.get("icmptype") == new.get("icmptype")):
        raise errors.invalid(f"New rule conflicts with existing rule: {rule_text(rule)}")
    ports = (new["startport"], new["endport"], rule["startport"], rule["endport"])
    if all(p is None for p in ports) and duplicated and same_proto and new["protocol"] != "icmp":
        raise errors.rule_conflict(f"There is already a firewall rule specified with protocol = {new['protocol']} "
                                   "and no ports")
    if None in ports or one_firewall or not duplicated:
        return
    overlap = rule["startport"] <= new["endport"] and new["startport"] <= rule["endport"]
    if overlap and (fw_rule or fw_new or same_proto):  # port-forwarding rules may differ by protocol
        raise errors.rule_conflict(f"The range specified, {new['startport']}-{new['endport']}, conflicts with rule "
                                   f"{rule_text(rule)} which has {rule['startport']}-{rule['endport']}")


def check_conflicts(sim, new):
    """FirewallManagerImpl.detectRulesConflict: against the other rules of the IP (every purpose) or, for an
    egress rule, the network's egress rules."""
    if new.get("ipaddressid"):
        rules = sim.store.find("rule", ipaddressid=new["ipaddressid"])
    else:
        rules = sim.store.find("rule", networkid=new["networkid"], ruletype="egress")
    for rule in rules:
        if rule is not new:
            _check_pair(rule, new)


def add_rule(sim, owner, rule):
    """Store a rule (state Add) after the conflict check; CloudStack persists and checks in one transaction."""
    check_conflicts(sim, rule)
    domain = sim.store.get("domain", owner["domainid"])
    rule.update(accountid=owner["id"], account=owner["name"], domainid=domain["id"], domain=domain["name"],
                domainpath=domain["path"], state="Add")
    return sim.store.add("rule", rule)


def leave_tier_if_unused(sim, ip):
    """VpcManagerImpl.unassignIPFromVpcNetwork: a VPC IP without static NAT and without rules leaves its tier."""
    if ip.get("vpcid") and ip.get("associatednetworkid") and not ip.get("isstaticnat") and \
            not sim.store.find("rule", ipaddressid=ip["id"]):
        ip.update(associatednetworkid=None, associatednetworkname=None)
        sim.store.touch("publicip", ip)


def remove_rule(sim, rule):
    """A rule revoked and removed (FirewallManagerImpl.revokeRule, applyRules): the firewall rule a
    port-forwarding rule opened goes first (revokeRelatedFirewallRule); a port-forwarding rule's removal is a
    NET.RULEDELETE usage event; a VPC IP left without rules leaves its tier."""
    for related in sim.store.find("rule", _related_pk=rule["_pk"]):
        sim.store.delete("rule", related)
    sim.store.delete("rule", rule)
    if rule["ruletype"] == "portforward":
        usage_event(sim, "NET.RULEDELETE", owner_of(sim, rule), None, rule)
    ip = sim.store.get("publicip", rule.get("ipaddressid") or "")
    if ip is not None:
        leave_tier_if_unused(sim, ip)
