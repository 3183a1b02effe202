"""Guest networking through the real `cs` client: offerings, isolated/shared networks, VPC tiers,
public IPs, firewall/egress/port-forwarding rules, static NAT, tenant visibility and CloudStack's errors."""

import ipaddress

import cs
import pytest

from .network_helpers import ISOLATED, SHARED, TIER, api_error, job_error


def offering(api, name):
    return api.listNetworkOfferings(name=name)["networkoffering"][0]["id"]


def zone_a(api):
    return api.listZones(name="zone-a")["zone"][0]["id"]


def network(api, name):
    return next(n for n in api.listNetworks()["network"] if n["name"] == name)


def names(api, **params):
    return {n["name"] for n in api.listNetworks(**params).get("network", [])}


def events(api, etype):
    return [e["description"] for e in api.listEvents(type=etype).get("event", [])]


@pytest.fixture
def public_ip(acme):
    ip = acme.associateIpAddress(networkid=network(acme, "acme-web")["id"], fetch_result=True)["ipaddress"]
    yield ip
    if acme.listPublicIpAddresses(id=ip["id"]):
        acme.disassociateIpAddress(id=ip["id"], fetch_result=True)


@pytest.fixture(scope="module")
def web_vm(admin, acme):
    """A running acme VM in acme-web, deployed by the root admin for acme (needs handlers/vm_lifecycle.py)."""
    web = network(acme, "acme-web")
    try:
        template = admin.listTemplates(templatefilter="executable", zoneid=zone_a(admin))["template"][0]
        service = admin.listServiceOfferings()["serviceoffering"][0]
        return admin.deployVirtualMachine(zoneid=zone_a(admin), templateid=template["id"], name="net-vm",
                                          serviceofferingid=service["id"], networkids=web["id"], account="acme",
                                          domainid=web["domainid"], fetch_result=True)["virtualmachine"]
    except cs.CloudStackApiException as exc:
        if "does not implement" in exc.error.get("errortext", ""):
            pytest.skip("deployVirtualMachine lands with handlers/vm_lifecycle.py")
        raise


def test_default_offerings_are_seeded(acme):
    listed = {o["name"]: o for o in acme.listNetworkOfferings()["networkoffering"]}
    assert {ISOLATED, SHARED, TIER} <= set(listed)
    assert listed[TIER]["forvpc"] and listed[SHARED]["guestiptype"] == "Shared"
    assert [o["name"] for o in acme.listVPCOfferings()["vpcoffering"]] == ["Default VPC offering"]


def test_demo_topology_and_tenant_visibility(admin, acme, globex):
    assert names(acme) == {"acme-web", "acme-app", "acme-db", "shared-a", "shared-b"}
    assert names(globex) == {"globex-net", "shared-a", "shared-b"}
    assert network(acme, "acme-web")["cidr"] == network(globex, "globex-net")["cidr"] == "10.1.1.0/24"
    shared = network(acme, "shared-a")
    assert shared["acltype"] == "Domain" and shared["type"] == "Shared" and "account" not in shared
    assert names(admin, listall=True) >= {"acme-web", "globex-net", "acme-app", "acme-db", "shared-a"}
    assert names(admin, listall=True, vpcid=acme.listVPCs(name="acme-vpc")["vpc"][0]["id"]) == {"acme-app",
                                                                                               "acme-db"}
    assert globex.listNetworks(id=network(acme, "acme-web")["id"]) == {}
    status, _ = api_error(globex.updateNetwork, id=network(acme, "acme-web")["id"], name="stolen")
    assert status == 531


def test_isolated_network_lifecycle_holds_no_public_ip(acme):
    created = acme.createNetwork(name="dr-recovery", zoneid=zone_a(acme), networkofferingid=offering(acme, ISOLATED),
                                 gateway="10.50.0.1", netmask="255.255.255.0")["network"]
    assert (created["state"], created["cidr"], created["type"]) == ("Allocated", "10.50.0.0/24", "Isolated")
    assert created["displaytext"] == "dr-recovery" and created["acltype"] == "Account"
    assert acme.listPublicIpAddresses(associatednetworkid=created["id"]) == {}
    updated = acme.updateNetwork(id=created["id"], displaytext="recovery", fetch_result=True)["network"]
    assert updated["displaytext"] == "recovery"
    assert acme.deleteNetwork(id=created["id"], fetch_result=True)["success"]
    assert acme.listNetworks(id=created["id"]) == {}
    assert any(created["id"] in d for d in events(acme, "NETWORK.CREATE"))
    assert any(created["id"] in d for d in events(acme, "NETWORK.DELETE"))


def test_default_cidr_is_the_zones_guest_cidr(admin, acme):
    created = acme.createNetwork(name="defaults", zoneid=zone_a(acme), networkofferingid=offering(acme, ISOLATED))
    zone = admin.listZones(id=zone_a(admin))["zone"][0]
    assert created["network"]["cidr"] == str(ipaddress.ip_network(zone.get("guestcidraddress") or "10.1.1.0/24"))
    acme.deleteNetwork(id=created["network"]["id"], fetch_result=True)


def test_tenant_cannot_create_a_shared_network(acme):
    status, text = api_error(acme.createNetwork, name="mine", zoneid=zone_a(acme), vlan="300",
                             networkofferingid=offering(acme, SHARED), gateway="10.9.9.1", netmask="255.255.255.0")
    assert status == 431
    assert text == ("This user can only create an Isolated network, a L2 network or a Shared network with "
                    "specifyVlan=false.")


def test_admin_creates_a_shared_network_visible_to_the_domain(admin, acme):
    created = admin.createNetwork(name="shared-extra", zoneid=zone_a(admin), networkofferingid=offering(admin, SHARED),
                                  vlan="301", gateway="10.31.0.1", netmask="255.255.255.0", startip="10.31.0.10",
                                  endip="10.31.0.20", acltype="Domain")["network"]
    assert (created["state"], created["vlan"]) == ("Setup", "301")
    assert "shared-extra" in names(acme)
    admin.deleteNetwork(id=created["id"], fetch_result=True)


def test_bad_ids_and_missing_parameters_get_431(acme):
    status, text = api_error(acme.createNetwork, name="x", zoneid=zone_a(acme), networkofferingid="no-such-id")
    assert status == 431 and text.startswith("Unable to execute API command createnetwork due to invalid value.")
    status, text = api_error(acme.createNetwork, name="x", networkofferingid=offering(acme, ISOLATED))
    assert (status, text) == (431, "Unable to execute API command createnetwork due to missing parameter zoneid")
    status, _ = api_error(acme.createFirewallRule, ipaddressid="no-such-ip", protocol="tcp")
    assert status == 431


def test_vpc_started_false_stays_unimplemented_and_tier_rules(acme):
    vpc = acme.createVPC(name="dr-vpc", displaytext="dr-vpc", cidr="10.60.0.0/16", zoneid=zone_a(acme), start=False,
                         vpcofferingid=acme.listVPCOfferings()["vpcoffering"][0]["id"], fetch_result=True)["vpc"]
    assert vpc["cidr"] == "10.60.0.0/16" and vpc["state"] == "Enabled"
    assert acme.listPublicIpAddresses(vpcid=vpc["id"]) == {}  # no router yet, so no source NAT
    tier = {"zoneid": zone_a(acme), "vpcid": vpc["id"], "networkofferingid": offering(acme, TIER),
            "netmask": "255.255.255.0"}
    app = acme.createNetwork(name="dr-app", gateway="10.60.1.1", **tier)["network"]
    assert (app["vpcid"], app["state"]) == (vpc["id"], "Allocated")
    status, text = api_error(acme.createNetwork, name="outside", gateway="10.61.1.1", **tier)
    assert status == 431 and "Network cidr 10.61.1.0/24 is not within vpc" in text
    status, text = api_error(acme.createNetwork, name="overlap", gateway="10.60.1.129", **tier)
    assert status == 431 and "crosses other network cidr" in text
    status, text = api_error(acme.createNetwork, name="plain", zoneid=zone_a(acme), gateway="10.70.0.1",
                             netmask="255.255.255.0", networkofferingid=offering(acme, TIER))
    assert (status, text) == (431, "Network offering can be used for VPC networks only")
    code, text = job_error(acme.deleteVPC, id=vpc["id"])
    assert code == 431 and text.startswith("Can't delete VPC VPC {") and text.endswith(
        f'"name":"dr-vpc","uuid":"{vpc["id"]}"}} as its used by 1 networks')  # fields sorted by name
    acme.deleteNetwork(id=app["id"], fetch_result=True)
    assert acme.deleteVPC(id=vpc["id"], fetch_result=True)["success"]
    assert acme.listVPCs(id=vpc["id"]) == {}


def test_started_vpc_holds_a_source_nat_ip(acme):
    vpc = acme.listVPCs(name="acme-vpc")["vpc"][0]
    assert {n["name"] for n in vpc["network"]} == {"acme-app", "acme-db"}
    [snat] = acme.listPublicIpAddresses(vpcid=vpc["id"], issourcenat=True)["publicipaddress"]
    assert ipaddress.ip_address(snat["ipaddress"]) in ipaddress.ip_network("198.51.100.0/24")
    assert job_error(acme.disassociateIpAddress, id=snat["id"]) == (
        530, "ip address is used for source nat purposes and can not be disassociated.")


def test_first_ip_of_a_network_or_vpc_without_source_nat_becomes_it(admin, acme):
    """IpAddressManagerImpl.isSourceNatAvailableForNetwork / associateIPToVpc: even before the network
    is implemented; static NAT is refused on it, and implementing the network takes no second IP."""
    net = acme.createNetwork(name="snat-net", zoneid=zone_a(acme), networkofferingid=offering(acme, ISOLATED),
                             gateway="10.51.0.1", netmask="255.255.255.0")["network"]
    first = acme.associateIpAddress(networkid=net["id"], fetch_result=True)["ipaddress"]
    second = acme.associateIpAddress(networkid=net["id"], fetch_result=True)["ipaddress"]
    assert (first["issourcenat"], second["issourcenat"]) == (True, False)
    template = admin.listTemplates(templatefilter="executable", zoneid=zone_a(admin))["template"][0]
    vm = admin.deployVirtualMachine(zoneid=zone_a(admin), templateid=template["id"], name="snat-vm",
                                    serviceofferingid=admin.listServiceOfferings()["serviceoffering"][0]["id"],
                                    networkids=net["id"], account="acme", domainid=net["domainid"],
                                    fetch_result=True)["virtualmachine"]
    assert {ip["id"] for ip in acme.listPublicIpAddresses(associatednetworkid=net["id"])["publicipaddress"]} == \
        {first["id"], second["id"]}
    status, text = api_error(acme.enableStaticNat, ipaddressid=first["id"], virtualmachineid=vm["id"])
    assert status == 431 and "is a sourceNat ip address" in text
    assert acme.enableStaticNat(ipaddressid=second["id"], virtualmachineid=vm["id"])["success"]
    vpc = acme.createVPC(name="snat-vpc", displaytext="snat-vpc", cidr="10.62.0.0/16", zoneid=zone_a(acme),
                         start=False, vpcofferingid=acme.listVPCOfferings()["vpcoffering"][0]["id"],
                         fetch_result=True)["vpc"]
    vpc_ips = [acme.associateIpAddress(vpcid=vpc["id"], fetch_result=True)["ipaddress"] for _ in range(2)]
    assert [ip["issourcenat"] for ip in vpc_ips] == [True, False]
    admin.destroyVirtualMachine(id=vm["id"], expunge=True, fetch_result=True)
    for ip in (second, vpc_ips[1]):
        acme.disassociateIpAddress(id=ip["id"], fetch_result=True)


def test_public_ip_associate_list_disassociate(acme, globex):
    web = network(acme, "acme-web")
    ip = acme.associateIpAddress(networkid=web["id"], fetch_result=True)["ipaddress"]
    assert ipaddress.ip_address(ip["ipaddress"]) in ipaddress.ip_network("198.51.100.0/24")
    assert (ip["state"], ip["associatednetworkid"], ip["issourcenat"]) == ("Allocated", web["id"], False)
    assert acme.listPublicIpAddresses(ipaddress=ip["ipaddress"])["publicipaddress"][0]["id"] == ip["id"]
    assert globex.listPublicIpAddresses(id=ip["id"]) == {}
    assert acme.disassociateIpAddress(id=ip["id"], fetch_result=True)["success"]
    assert acme.listPublicIpAddresses(id=ip["id"]) == {}
    free = acme.listPublicIpAddresses(id=ip["id"], allocatedonly=False)["publicipaddress"][0]
    assert free["state"] == "Free" and "account" not in free
    assert any(ip["ipaddress"] in d for d in events(acme, "NET.IPASSIGN"))
    assert any(ip["ipaddress"] in d for d in events(acme, "NET.IPRELEASE"))


def test_firewall_rules_and_conflicts(acme, globex, public_ip):
    rule = acme.createFirewallRule(ipaddressid=public_ip["id"], protocol="tcp", startport=80, endport=90,
                                   cidrlist="0.0.0.0/0", fetch_result=True)["firewallrule"]
    assert (rule["state"], rule["startport"], rule["endport"], rule["cidrlist"]) == ("Active", 80, 90, "0.0.0.0/0")
    status, text = api_error(acme.createFirewallRule, ipaddressid=public_ip["id"], protocol="tcp", startport=85,
                             endport=95)
    assert status == 537 and text.startswith("The range specified, 85-95, conflicts with rule FirewallRule {")
    assert text.endswith(f'"uuid":"{rule["id"]}"}} which has 80-90')
    udp = acme.createFirewallRule(ipaddressid=public_ip["id"], protocol="udp", startport=80, fetch_result=True)
    other_cidr = acme.createFirewallRule(ipaddressid=public_ip["id"], protocol="tcp", startport=85, endport=95,
                                         cidrlist="10.0.0.0/8", fetch_result=True)
    listed = acme.listFirewallRules(ipaddressid=public_ip["id"])["firewallrule"]
    assert len(listed) == 3
    assert {r["ipaddressid"] for r in globex.listFirewallRules().get("firewallrule", [])}.isdisjoint(
        {public_ip["id"]})  # a tenant never sees another account's rules
    for created in (rule, udp["firewallrule"], other_cidr["firewallrule"]):
        assert acme.deleteFirewallRule(id=created["id"], fetch_result=True)["success"]
    assert acme.listFirewallRules(ipaddressid=public_ip["id"]) == {}
    assert any(rule["id"] in d for d in events(acme, "FIREWALL.CLOSE"))


def test_egress_rules(acme):
    web = network(acme, "acme-web")
    rule = acme.createEgressFirewallRule(networkid=web["id"], protocol="tcp", startport=443, cidrlist="10.1.1.0/24",
                                         fetch_result=True)["firewallrule"]
    assert (rule["networkid"], rule["startport"], rule["endport"]) == (web["id"], 443, 443)
    assert api_error(acme.createEgressFirewallRule, networkid=web["id"], protocol="tcp", startport=443,
                     cidrlist="10.1.1.0/24")[0] == 537
    listed = acme.listEgressFirewallRules(networkid=web["id"])["firewallrule"]
    assert [r for r in listed if r.get("startport") == 443] == [rule]
    assert acme.deleteFirewallRule(id=rule["id"], fetch_result=True)["success"]  # either command removes either
    assert any(rule["id"] in d for d in events(acme, "FIREWALL.EGRESS.OPEN"))


def test_port_forwarding_opens_the_firewall_and_conflicts(acme, public_ip, web_vm):
    pf = acme.createPortForwardingRule(ipaddressid=public_ip["id"], virtualmachineid=web_vm["id"], protocol="tcp",
                                       publicport=2222, privateport=22, fetch_result=True)["portforwardingrule"]
    assert (pf["publicport"], pf["privateport"], pf["virtualmachineid"]) == ("2222", "22", web_vm["id"])
    [fw] = acme.listFirewallRules(ipaddressid=public_ip["id"])["firewallrule"]
    assert (fw["startport"], fw["endport"]) == (2222, 2222)
    status, text = api_error(acme.createPortForwardingRule, ipaddressid=public_ip["id"], protocol="tcp",
                             virtualmachineid=web_vm["id"], publicport=2200, publicendport=2230, privateport=2200,
                             privateendport=2230)
    # the firewall rule the second rule would open clashes with the first one's
    assert status == 537 and text.startswith("The range specified, 2200-2230, conflicts with rule FirewallRule {")
    assert text.endswith(f'"uuid":"{fw["id"]}"}} which has 2222-2222')
    status, text = api_error(acme.enableStaticNat, ipaddressid=public_ip["id"], virtualmachineid=web_vm["id"])
    assert status == 537 and "already has PortForwarding rules assigned" in text
    assert acme.deletePortForwardingRule(id=pf["id"], fetch_result=True)["success"]
    assert acme.listFirewallRules(ipaddressid=public_ip["id"]) == {}  # the rule it opened goes with it
    assert any(pf["id"] in d for d in events(acme, "NET.RULEADD"))


def test_static_nat(acme, public_ip, web_vm):
    assert acme.enableStaticNat(ipaddressid=public_ip["id"], virtualmachineid=web_vm["id"])["success"]
    ip = acme.listPublicIpAddresses(id=public_ip["id"])["publicipaddress"][0]
    assert ip["isstaticnat"] and ip["virtualmachineid"] == web_vm["id"]
    assert ip["vmipaddress"] == web_vm["nic"][0]["ipaddress"]
    status, text = api_error(acme.createPortForwardingRule, ipaddressid=public_ip["id"], protocol="tcp",
                             virtualmachineid=web_vm["id"], publicport=22, privateport=22)
    assert status == 431 and "has static nat enabled" in text
    snat = acme.listPublicIpAddresses(associatednetworkid=network(acme, "acme-web")["id"], issourcenat=True)
    status, text = api_error(acme.enableStaticNat, ipaddressid=snat["publicipaddress"][0]["id"],
                             virtualmachineid=web_vm["id"])
    assert status == 431 and "is a sourceNat ip address" in text
    assert acme.disableStaticNat(ipaddressid=public_ip["id"], fetch_result=True)["success"]
    assert not acme.listPublicIpAddresses(id=public_ip["id"])["publicipaddress"][0]["isstaticnat"]
    assert any(public_ip["ipaddress"] in d for d in events(acme, "STATICNAT.DISABLE"))
