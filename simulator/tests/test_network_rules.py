"""Conformance: firewall, egress and port-forwarding rules and static NAT, as Apache CloudStack 4.20 answers them.

Each test's docstring names the Java class and method whose rule it checks (apache/cloudstack, read at
4.21.0.0-SNAPSHOT); simulator/rules/network.md lists the rules.
"""

import re

import pytest

from .network_helpers import ISOLATED, api_error, deploy, job_error, network_named, new_ip, offering_id, vpc_named


@pytest.fixture(scope="module")
def net(acme):
    return acme.createNetwork(name="rules-net", zoneid=network_named(acme, "acme-web")["zoneid"], gateway="10.70.0.1",
                              netmask="255.255.255.0", networkofferingid=offering_id(acme, ISOLATED))["network"]


@pytest.fixture(scope="module")
def vm(admin, net):
    return deploy(admin, "rules-vm", net)


@pytest.fixture
def ip(acme, net, vm):  # the VM implemented the network: it has its source NAT IP, this one is not it
    return new_ip(acme, networkid=net["id"])


def fw_rules(api, ip):
    return api.listFirewallRules(ipaddressid=ip["id"]).get("firewallrule", [])


# -- port forwarding -------------------------------------------------------------------------------
def test_port_forwarding_reuses_a_firewall_rule_with_the_same_ports(acme, ip, vm):
    """FirewallManagerImpl.createRuleForAllCidrs: an existing firewall rule of the IP with the same ports and protocol
    (any CIDR) is reused, not a conflict; it is not tied to the PF rule, so it outlives it."""
    fw = acme.createFirewallRule(ipaddressid=ip["id"], protocol="tcp", startport=2222, cidrlist="10.0.0.0/8",
                                 fetch_result=True)["firewallrule"]
    pf = acme.createPortForwardingRule(ipaddressid=ip["id"], virtualmachineid=vm["id"], protocol="tcp",
                                       publicport=2222, privateport=2222, fetch_result=True)["portforwardingrule"]
    assert [r["id"] for r in fw_rules(acme, ip)] == [fw["id"]]
    acme.deletePortForwardingRule(id=pf["id"], fetch_result=True)
    assert [r["id"] for r in fw_rules(acme, ip)] == [fw["id"]]


def test_port_forwarding_opens_the_firewall_for_every_cidr(admin, acme, ip, vm):
    """FirewallManagerImpl.createRuleForAllCidrs: the rule it opens is for 0.0.0.0/0 and displayed, whatever the PF
    rule's cidrlist and display flag; ApiResponseHelper.createPortForwardingRuleResponse: no CIDR answers ""."""
    pf = admin.createPortForwardingRule(ipaddressid=ip["id"], virtualmachineid=vm["id"], protocol="tcp",
                                        publicport=8080, privateport=8080, cidrlist="192.168.0.0/16",
                                        fordisplay=False, fetch_result=True)["portforwardingrule"]
    [fw] = fw_rules(acme, ip)
    assert (fw["cidrlist"], fw["fordisplay"], pf["cidrlist"], pf["fordisplay"]) == ("0.0.0.0/0", True,
                                                                                    "192.168.0.0/16", False)
    plain = acme.createPortForwardingRule(ipaddressid=ip["id"], virtualmachineid=vm["id"], protocol="udp",
                                          publicport=53, privateport=53, fetch_result=True)["portforwardingrule"]
    assert plain["cidrlist"] == ""
    for rule in (pf, plain):
        acme.deletePortForwardingRule(id=rule["id"], fetch_result=True)
    assert fw_rules(acme, ip) == []


def test_port_forwarding_ranges_must_be_identical(acme, ip, vm):
    """RulesManagerImpl.createPortForwardingRule: equal sizes, and a range (start != end) maps onto itself."""
    rule = {"ipaddressid": ip["id"], "virtualmachineid": vm["id"], "protocol": "tcp"}
    assert api_error(acme.createPortForwardingRule, publicport=3000, publicendport=3010, privateport=4000,
                     privateendport=4010, **rule) == (431, "Private port start should be equal to public port start")
    assert api_error(acme.createPortForwardingRule, publicport=3000, publicendport=3010, privateport=3000,
                     privateendport=3005, **rule) == (431, ("Source port and destination port ranges should be of "
                                                           "equal sizes."))
    assert api_error(acme.createPortForwardingRule, publicport=3000, privateport=3010, privateendport=3000,
                     **rule) == (431, "Start port can't be bigger than end port")
    status, text = api_error(acme.createPortForwardingRule, publicport=7, privateport=7, **dict(rule, protocol="icmp"))
    assert status == 431 and re.fullmatch(r"Protocol icmp is not supported in zone \d+", text)
    assert api_error(acme.createPortForwardingRule, publicport=7, privateport=7, cidrlist="foo", **rule) == (
        431, "The given source CIDR [foo] is invalid.")
    assert fw_rules(acme, ip) == []


def test_port_forwarding_on_a_vpc_ip(acme):
    """CreatePortForwardingRuleCmd.getOpenFirewall (true refused for a VPC IP) and getNetworkId (a VPC IP not on a
    tier needs networkid); VpcManagerImpl.unassignIPFromVpcNetwork: the IP leaves the tier with its last rule."""
    vpc = vpc_named(acme, "acme-vpc")
    app = network_named(acme, "acme-app")
    vm = acme.listVirtualMachines(name="acme-app-1")["virtualmachine"][0]
    ip = new_ip(acme, vpcid=vpc["id"])
    rule = {"ipaddressid": ip["id"], "virtualmachineid": vm["id"], "protocol": "tcp", "publicport": 22,
            "privateport": 22}
    assert api_error(acme.createPortForwardingRule, openfirewall=True, networkid=app["id"], **rule) == (
        431, "Can't have openFirewall=true when IP address belongs to VPC")
    status, text = api_error(acme.createPortForwardingRule, **rule)
    assert status == 431 and text.endswith(" as ip is not associated with any network and no networkId is passed in")
    pf = acme.createPortForwardingRule(networkid=app["id"], fetch_result=True, **rule)["portforwardingrule"]
    assert acme.listPublicIpAddresses(id=ip["id"])["publicipaddress"][0]["associatednetworkid"] == app["id"]
    status, text = api_error(acme.createFirewallRule, ipaddressid=ip["id"], protocol="tcp", startport=80)
    assert (status, text) == (431, f"There is no new provider for IP {ip['ipaddress']} of service Firewall!")
    acme.deletePortForwardingRule(id=pf["id"], fetch_result=True)
    assert "associatednetworkid" not in acme.listPublicIpAddresses(id=ip["id"])["publicipaddress"][0]
    status, text = api_error(acme.createFirewallRule, ipaddressid=ip["id"], protocol="tcp", startport=80)
    assert status == 431 and text.endswith(" as IP is not associated with any network and no networkId is passed in")
    acme.disassociateIpAddress(id=ip["id"], fetch_result=True)


def test_delete_commands_and_other_rule_kinds(acme, ip, vm):
    """DeletePortForwardingRuleCmd.getEntityOwnerId: a firewall rule id is refused with the call;
    FirewallManagerImpl.revokeFirewallRule: a PF rule id fails deleteFirewallRule's job (431)."""
    pf = acme.createPortForwardingRule(ipaddressid=ip["id"], virtualmachineid=vm["id"], protocol="tcp",
                                       publicport=25, privateport=25, fetch_result=True)["portforwardingrule"]
    [fw] = fw_rules(acme, ip)
    status, text = api_error(acme.deletePortForwardingRule, id=fw["id"])
    assert status == 431 and re.fullmatch(r"Unable to find port forwarding rule by ID=\d+", text)
    code, text = job_error(acme.deleteFirewallRule, id=pf["id"])
    assert code == 431 and re.fullmatch(r"Unable to find \d+ having purpose \[Firewall, Ipv6Firewall\]", text)


# -- ingress firewall --------------------------------------------------------------------------------
def test_ingress_rule_validation(acme, ip):
    """CreateFirewallRuleCmd.create (CIDR format) and FirewallManagerImpl.validateFirewallRule / createFirewallRule:
    ports, the provider's protocols (no `all` for ingress), ICMP fields."""
    rule = {"ipaddressid": ip["id"]}
    assert api_error(acme.createFirewallRule, protocol="tcp", startport=22, cidrlist="foo", **rule) == (
        431, "Source CIDRs formatting error foo")
    status, text = api_error(acme.createFirewallRule, protocol="all", **rule)
    assert status == 431 and re.fullmatch(r"Protocol all is not supported in zone \d+", text)
    assert api_error(acme.createFirewallRule, protocol="tcp", startport=70000, **rule) == (
        431, "publicPort is an invalid value: 70000")
    assert api_error(acme.createFirewallRule, protocol="icmp", startport=1, **rule) == (
        431, "Can't specify start/end port when protocol is ICMP")
    assert api_error(acme.createFirewallRule, protocol="tcp", startport=1, icmptype=8, **rule) == (
        431, "Can specify icmpCode and icmpType for ICMP protocol only")
    portless = acme.createFirewallRule(protocol="tcp", fetch_result=True, **rule)["firewallrule"]
    assert "startport" not in portless and "endport" not in portless and portless["cidrlist"] == "0.0.0.0/0"
    ping = acme.createFirewallRule(protocol="icmp", fetch_result=True, **rule)["firewallrule"]
    assert (ping["icmptype"], ping["icmpcode"]) == (-1, -1)
    status, text = api_error(acme.createFirewallRule, protocol="icmp", **rule)
    assert status == 431 and text.startswith('New rule conflicts with existing rule: FirewallRule {"id":')
    assert api_error(acme.createFirewallRule, protocol="tcp", **rule) == (
        537, "There is already a firewall rule specified with protocol = tcp and no ports")


def test_rules_list_newest_first_with_tags(acme, ip):
    """FirewallManagerImpl.listFirewallRules: Filter("id", false); ApiResponseHelper.createFirewallResponse: `tags`
    from the resource tags, `destcidrlist` always."""
    first = acme.createFirewallRule(ipaddressid=ip["id"], protocol="tcp", startport=1, fetch_result=True)
    second = acme.createFirewallRule(ipaddressid=ip["id"], protocol="tcp", startport=2, fetch_result=True)
    acme.createTags(resourcetype="FirewallRule", resourceids=first["firewallrule"]["id"],
                    tags=[{"key": "dr", "value": "yes"}], fetch_result=True)
    listed = fw_rules(acme, ip)
    assert [r["id"] for r in listed] == [second["firewallrule"]["id"], first["firewallrule"]["id"]]
    assert listed[1]["tags"] == [{"key": "dr", "value": "yes"}] and listed[0]["destcidrlist"] == ""
    tagged = acme.listFirewallRules(ipaddressid=ip["id"], tags=[{"key": "dr", "value": "yes"}])["firewallrule"]
    assert [r["id"] for r in tagged] == [first["firewallrule"]["id"]]


# -- egress -----------------------------------------------------------------------------------------
def test_egress_cidrs_default_to_the_network(acme, net):
    """CreateEgressFirewallRuleCmd.getSourceCidrList (the network's CIDR by default) and
    FirewallManagerImpl.createEgressFirewallRule (0.0.0.0/0 stored as the network's CIDR)."""
    default = acme.createEgressFirewallRule(networkid=net["id"], protocol="tcp", startport=443,
                                            fetch_result=True)["firewallrule"]
    everything = acme.createEgressFirewallRule(networkid=net["id"], protocol="udp", cidrlist="0.0.0.0/0",
                                               fetch_result=True)["firewallrule"]
    assert default["cidrlist"] == everything["cidrlist"] == "10.70.0.0/24"
    assert (default["traffictype"], "ipaddressid" in default) == ("Egress", False)
    assert api_error(acme.createEgressFirewallRule, networkid=net["id"], protocol="udp") == (
        537, "There is already a firewall rule specified with protocol = udp and no ports")


def test_egress_validation(admin, acme, net):
    """CreateEgressFirewallRuleCmd.validateCidrs and create(); FirewallManagerImpl.createEgressFirewallRule (Shared)."""
    rule = {"networkid": net["id"], "protocol": "tcp"}
    assert api_error(acme.createEgressFirewallRule, cidrlist="foo", **rule) == (
        431, "Source CIDRs formatting error [foo].")
    assert api_error(acme.createEgressFirewallRule, cidrlist="10.80.0.0/24", **rule) == (
        431, "[10.80.0.0/24] is not within the guest CIDR [10.70.0.0/24]. ")
    assert api_error(acme.createEgressFirewallRule, destcidrlist="bar", **rule) == (
        431, "Destination CIDRs formatting error [bar].")
    status, text = api_error(acme.createEgressFirewallRule, networkid=net["id"], protocol="all", startport=1)
    assert status == 431 and re.fullmatch(r"Unable to create firewall rule for the network id=\[\d+\] due to: ports "
                                          r"must not be informed to protocol ALL, as it does not require them\.", text)
    status, text = api_error(acme.createEgressFirewallRule, networkid=network_named(acme, "acme-app")["id"],
                             protocol="tcp", cidrlist="0.0.0.0/0")
    assert status == 431 and text.endswith("as firewall egress rule can be created only for non VPC networks.")
    shared = network_named(admin, "shared-a")
    assert api_error(admin.createEgressFirewallRule, networkid=shared["id"], protocol="tcp", cidrlist="0.0.0.0/0") == (
        431, "Egress firewall rules are not supported for Shared  networks")


# -- static NAT -------------------------------------------------------------------------------------
def test_disabling_static_nat_revokes_the_ips_firewall_rules(acme, ip, vm):
    """RulesManagerImpl.disableStaticNat: revokeFirewallRulesForIp, then the NAT; every check is in the job."""
    assert acme.enableStaticNat(ipaddressid=ip["id"], virtualmachineid=vm["id"])["success"]
    acme.createFirewallRule(ipaddressid=ip["id"], protocol="tcp", startport=443, fetch_result=True)
    status, text = api_error(acme.enableStaticNat, ipaddressid=ip["id"], virtualmachineid=vm["id"])
    assert status == 431 and text.startswith(f"Failed to enable static nat on the  ip {ip['ipaddress']} with Id ")
    acme.disableStaticNat(ipaddressid=ip["id"], fetch_result=True)
    assert fw_rules(acme, ip) == []
    assert job_error(acme.disableStaticNat, ipaddressid=ip["id"]) == (
        431, "Specified IP address id is not associated with any vm Id")


def test_a_vpc_ip_leaves_its_tier_with_static_nat(acme):
    """RulesManagerImpl.enableStaticNat (a VPC IP joins the tier given) and disableStaticNat
    (VpcManagerImpl.unassignIPFromVpcNetwork)."""
    app = network_named(acme, "acme-app")
    vm = acme.listVirtualMachines(name="acme-app-1")["virtualmachine"][0]
    ip = new_ip(acme, vpcid=vpc_named(acme, "acme-vpc")["id"])
    status, text = api_error(acme.enableStaticNat, ipaddressid=ip["id"], virtualmachineid=vm["id"])
    assert status == 431 and text.endswith(" as IP is not associated with any network and no networkId is passed in")
    assert acme.enableStaticNat(ipaddressid=ip["id"], virtualmachineid=vm["id"], networkid=app["id"])["success"]
    assert acme.listPublicIpAddresses(id=ip["id"])["publicipaddress"][0]["associatednetworkid"] == app["id"]
    acme.disableStaticNat(ipaddressid=ip["id"], fetch_result=True)
    assert "associatednetworkid" not in acme.listPublicIpAddresses(id=ip["id"])["publicipaddress"][0]
    acme.disassociateIpAddress(id=ip["id"], fetch_result=True)
