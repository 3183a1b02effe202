"""What a prepare costs the tenants before any failover: the usage events CloudStack would bill from.

The simulator records them as CloudStack publishes them (simulator/rules/network.md, "Usage events"):
a recovery VPC bills from createVPC even with start=false, every reserved recovery IP bills (hidden or
not, the source NAT IP too), every port-forwarding rule bills; recovery networks that were never
implemented, static NAT, firewall and egress rules bill nothing.
"""

from .test_source_nat import both, recovery_networks


def events(server):
    return server.ctl("usage-events")


def test_a_prepare_bills_the_recovery_vpcs_ips_and_forwarding_rules_only(cloud):
    server, api, zones = cloud
    recovery_zone = zones["zone-b"]["id"]
    billed = {(e["type"], e["resourceid"]) for e in events(server)}
    nets = recovery_networks(api)
    assert nets and not any(("NETWORK.CREATE", n["id"]) in billed for n in nets)
    vpcs = {n["vpcid"] for n in nets if n.get("vpcid")}
    assert vpcs and all(("VPC.CREATE", v) in billed for v in vpcs)
    ips = [ip for ip in both(api, "listPublicIpAddresses", "fordisplay", zoneid=recovery_zone)]
    assert ips and all(("NET.IPASSIGN", ip["id"]) in billed for ip in ips)
    assert any(ip["fordisplay"] is False for ip in ips)  # hidden, billed all the same
    forwards = [r for ip in ips for r in both(api, "listPortForwardingRules", "fordisplay", ipaddressid=ip["id"])]
    assert forwards and all(("NET.RULEADD", r["id"]) in billed for r in forwards)
    rules = [r["id"] for ip in ips for r in both(api, "listFirewallRules", "fordisplay", ipaddressid=ip["id"])]
    rules += [r["id"] for n in nets for r in both(api, "listEgressFirewallRules", "fordisplay", networkid=n["id"])]
    assert rules and not {rid for _, rid in billed} & set(rules)
