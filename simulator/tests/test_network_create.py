"""Conformance: networks and VPCs (create, delete, restart, update) and the usage events networking raises, as
Apache CloudStack 4.20 answers them.

Each test's docstring names the Java class and method whose rule it checks (apache/cloudstack, read at
4.21.0.0-SNAPSHOT); simulator/rules/network.md lists the rules.
"""

import pytest

from .network_helpers import (
    ISOLATED,
    TIER,
    api_error,
    deploy,
    job_error,
    network_named,
    new_ip,
    offering_id,
    usage_types,
    vpc_named,
    zone_id,
)

USER_ERROR = "Internal error executing command, please contact your system administrator"


def isolated(api, name, **params):
    return api.createNetwork(name=name, zoneid=zone_id(api), networkofferingid=offering_id(api, ISOLATED),
                             **params)["network"]


@pytest.fixture(scope="module")
def vpc(acme):
    return acme.createVPC(name="tiers-vpc", cidr="10.90.0.0/16", zoneid=zone_id(acme), start=False,
                          vpcofferingid=acme.listVPCOfferings()["vpcoffering"][0]["id"], fetch_result=True)["vpc"]


def tier(api, vpc, name, octet, **params):
    return api.createNetwork(name=name, zoneid=zone_id(api), vpcid=vpc["id"], networkofferingid=offering_id(api, TIER),
                             gateway=f"10.90.{octet}.1", netmask="255.255.255.0", **params)["network"]


def test_create_network_cidr_rules(admin, acme):
    """NetworkServiceImpl.createGuestNetwork: a lone gateway or netmask is ignored (the zone's guest CIDR), the
    gateway cannot be the network or broadcast address, non-root CIDRs no larger than /22;
    NetworkOrchestrator.createGuestNetwork: RFC 1918 or 6598 CIDRs for isolated networks."""
    lone = isolated(acme, "lone-gateway", gateway="10.72.0.1")
    assert lone["cidr"] == admin.listZones(id=zone_id(admin))["zone"][0]["guestcidraddress"]
    assert api_error(acme.createNetwork, name="x", zoneid=zone_id(acme), networkofferingid=offering_id(acme, ISOLATED),
                     gateway="10.72.0.0", netmask="255.255.255.0") == (
        431, "Invalid gateway IP provided. Either the IP is broadcast or network IP.")
    assert api_error(acme.createNetwork, name="x", zoneid=zone_id(acme), networkofferingid=offering_id(acme, ISOLATED),
                     gateway="8.8.8.1", netmask="255.255.255.0") == (
        431, "Virtual Guest Cidr 8.8.8.0/24 is not RFC 1918 or 6598 compliant")
    assert api_error(acme.createNetwork, name="x", zoneid=zone_id(acme), networkofferingid=offering_id(acme, ISOLATED),
                     gateway="10.72.0.1", netmask="255.255.248.0") == (431, "Cidr size can't be less than 22")
    assert isolated(admin, "root-wide", gateway="10.73.0.1", netmask="255.255.248.0")["cidr"] == "10.73.0.0/21"


def test_create_network_owner_and_domain(admin, acme):
    """AccountManagerImpl.finalyzeAccountId (`account` needs `domainid`); NetworkOrchestrator.createGuestNetwork: the
    network domain defaults to cs<hex account id>cloud.internal."""
    assert api_error(admin.createNetwork, name="x", zoneid=zone_id(admin), account="acme",
                     networkofferingid=offering_id(admin, ISOLATED)) == (
        431, "Account must be specified with domainId parameter")
    assert network_named(acme, "acme-web")["networkdomain"].endswith("cloud.internal")


def test_vpc_tier_rules(admin, acme, vpc):
    """VpcManagerImpl.validateNewVpcGuestNetwork: a CIDR is required, the VPC's network domain, at most
    vpc.max.networks (3) tiers (a CloudRuntimeException: 530, its text for a root admin only)."""
    assert api_error(acme.createNetwork, name="x", zoneid=zone_id(acme), vpcid=vpc["id"],
                     networkofferingid=offering_id(acme, TIER)) == (
        431, "Gateway/netmask are required when create network for VPC")
    status, text = api_error(acme.createNetwork, name="x", zoneid=zone_id(acme), vpcid=vpc["id"], gateway="10.90.9.1",
                             netmask="255.255.255.0", networkofferingid=offering_id(acme, TIER),
                             networkdomain="other.example")
    assert status == 431 and text.startswith("Network domain of the new network should match network domain of vpc VPC")
    tiers = [tier(acme, vpc, f"tier-{i}", i) for i in (1, 2, 3)]
    assert api_error(acme.createNetwork, name="t4", zoneid=zone_id(acme), vpcid=vpc["id"], gateway="10.90.4.1",
                     netmask="255.255.255.0", networkofferingid=offering_id(acme, TIER)) == (530, USER_ERROR)
    assert api_error(admin.createNetwork, name="t4", zoneid=zone_id(admin), vpcid=vpc["id"], gateway="10.90.4.1",
                     netmask="255.255.255.0", networkofferingid=offering_id(admin, TIER)) == (
        530, "Number of networks per VPC cannot surpass [3].")
    assert job_error(acme.restartNetwork, id=tiers[0]["id"], cleanup=True) == (
        431, "Cannot restart a VPC tier with cleanup, please restart the whole VPC.")
    for made in tiers:
        acme.deleteNetwork(id=made["id"], fetch_result=True)


def test_create_vpc_cidr_rules(acme):
    """VpcManagerImpl.validateVpcCidrSize and createVpc: a CIDR (or a size, Routed only), valid and RFC 1918."""
    vpc = {"name": "x", "zoneid": zone_id(acme), "vpcofferingid": acme.listVPCOfferings()["vpcoffering"][0]["id"]}
    assert api_error(acme.createVPC, **vpc) == (431, "VPC cidr or cidr size must be specified")
    assert api_error(acme.createVPC, cidr="foo", **vpc) == (431, "Invalid CIDR specified foo")
    assert api_error(acme.createVPC, cidr="8.8.0.0/16", **vpc) == (
        431, "Guest Cidr 8.8.0.0/16 is not RFC1918 compliant")
    assert api_error(acme.createVPC, cidrsize=24, **vpc) == (
        431, "VPC cidr size is only applicable on VPC with Routed mode")


def test_delete_and_operate_errors(admin, acme, globex):
    """NetworkOrchestrator.destroyNetwork (a VM's NIC: DeleteNetworkCmd 530 "Failed to delete network");
    DomainChecker.validateCallerHasAccessToEntityOwner; NetworkModelImpl.checkSharedNetworkOperatePermissions."""
    net = isolated(acme, "with-vm", gateway="10.74.0.1", netmask="255.255.255.0")
    deploy(admin, "with-vm-1", net, start=False)
    assert job_error(acme.deleteNetwork, id=net["id"]) == (530, "Failed to delete network")
    assert api_error(globex.updateNetwork, id=net["id"], name="stolen") == (
        531, "Caller does not have permission to operate with provided resource.")
    status, text = api_error(acme.updateNetwork, id=network_named(acme, "shared-a")["id"], name="mine")
    assert status == 531 and text.startswith('Shared network Network {"id": ')
    assert text.endswith("with specifyvlan=true can only be operated by root admin")


# -- usage events ------------------------------------------------------------------------------------
def test_what_a_recovery_network_and_vpc_cost(server, admin, acme):
    """UsageEventUtils as called by NetworkOrchestrator.implementNetwork (NETWORK.CREATE, not at createNetwork),
    VpcManagerImpl.createVpc (VPC.CREATE, start=false too), IpAddressManagerImpl.markPublicIpAsAllocated
    (NET.IPASSIGN, display-agnostic) and markIpAsUnavailable (NET.IPRELEASE), RulesManagerImpl.createPortForwardingRule
    (NET.RULEADD) and FirewallManagerImpl.revokeRule (NET.RULEDELETE); static NAT and firewall rules raise none."""
    net = admin.createNetwork(name="recovery-net", zoneid=zone_id(admin),
                              networkofferingid=offering_id(admin, ISOLATED),
                              gateway="10.75.0.1", netmask="255.255.255.0", displaynetwork=False, account="acme",
                              domainid=network_named(acme, "acme-web")["domainid"])["network"]
    assert usage_types(server, net["id"]) == []
    vpc = acme.createVPC(name="recovery-vpc", cidr="10.76.0.0/16", zoneid=zone_id(acme), start=False,
                         vpcofferingid=acme.listVPCOfferings()["vpcoffering"][0]["id"], fetch_result=True)["vpc"]
    assert usage_types(server, vpc["id"]) == ["VPC.CREATE"]
    snat = new_ip(admin, networkid=net["id"], fordisplay=False)
    ip = new_ip(admin, networkid=net["id"], fordisplay=False)
    assert usage_types(server, ip["id"]) == ["NET.IPASSIGN"]
    assert server.ctl("usage-events", resourceid=snat["id"])[0]["issourcenat"] is True
    vm = deploy(admin, "recovery-vm", net)
    assert usage_types(server, net["id"]) == ["NETWORK.CREATE"]
    acme.enableStaticNat(ipaddressid=ip["id"], virtualmachineid=vm["id"])
    rule = acme.createFirewallRule(ipaddressid=ip["id"], protocol="tcp", startport=22, fetch_result=True)
    acme.disableStaticNat(ipaddressid=ip["id"], fetch_result=True)
    pf = acme.createPortForwardingRule(ipaddressid=ip["id"], virtualmachineid=vm["id"], protocol="tcp",
                                       publicport=22, privateport=22, fetch_result=True)["portforwardingrule"]
    assert usage_types(server, rule["firewallrule"]["id"]) == [] and usage_types(server, pf["id"]) == ["NET.RULEADD"]
    admin.disassociateIpAddress(id=ip["id"], fetch_result=True)
    assert usage_types(server, pf["id"]) == ["NET.RULEADD", "NET.RULEDELETE"]
    assert usage_types(server, ip["id"]) == ["NET.IPASSIGN", "NET.IPRELEASE"]


def test_a_hidden_vpc_deleted_keeps_billing(server, admin, acme):
    """VpcManagerImpl.destroyVpc: UsageEventUtils.publishUsageEvent(..., vpc.isDisplay()) saves VPC.DELETE only for
    a displayed VPC; a VPC hidden with updateVPC and then deleted leaves its VPC usage open."""
    made = acme.createVPC(name="hidden-vpc", cidr="10.77.0.0/16", zoneid=zone_id(acme), start=False,
                          vpcofferingid=acme.listVPCOfferings()["vpcoffering"][0]["id"], fetch_result=True)["vpc"]
    admin.updateVPC(id=made["id"], fordisplay=False, fetch_result=True)
    admin.deleteVPC(id=made["id"], fetch_result=True)
    assert usage_types(server, made["id"]) == ["VPC.CREATE"]
    shown = vpc_named(acme, "acme-vpc")
    assert usage_types(server, shown["id"]) == ["VPC.CREATE"]
