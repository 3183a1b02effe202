"""Conformance of public IPs (associate, disassociate, list) and of the networking lists' scope with Apache
CloudStack 4.20; every docstring below names the Java method (apache/cloudstack at 4.21.0.0-SNAPSHOT) whose rule
the test checks, and simulator/rules/network.md lists those rules."""

import ipaddress

from .network_helpers import (
    ISOLATED,
    SHARED,
    api_error,
    deploy,
    job_error,
    network_named,
    new_ip,
    offering_id,
    vpc_named,
    zone_id,
)


def fresh_network(api, name, octet):
    return api.createNetwork(name=name, zoneid=zone_id(api), gateway=f"10.{octet}.0.1", netmask="255.255.255.0",
                             networkofferingid=offering_id(api, ISOLATED))["network"]


def test_the_source_nat_ip_of_a_network_never_implemented_is_released(admin, acme):
    """NetworkServiceImpl.releaseIpAddressInternal: a source NAT IP is refused only when its network is not
    Allocated (or it is a VPC's), with an IllegalArgumentException: the job fails with 530."""
    net = fresh_network(acme, "snat-free", 71)
    snat = new_ip(acme, networkid=net["id"])
    assert snat["issourcenat"] is True
    assert acme.disassociateIpAddress(id=snat["id"], fetch_result=True)["success"]
    snat = new_ip(acme, networkid=net["id"])  # the next one becomes it
    deploy(admin, "snat-free-vm", net)
    assert job_error(acme.disassociateIpAddress, id=snat["id"]) == (
        530, "ip address is used for source nat purposes and can not be disassociated.")


def test_releasing_a_free_ip_and_the_ipaddress_parameter(acme):
    """NetworkServiceImpl.releaseIpAddressInternal (an IP not allocated: nothing to do, success) and
    DisassociateIPAddrCmd.getIpAddressId (id or ipaddress, the address of an IP in any state)."""
    ip = new_ip(acme, networkid=network_named(acme, "acme-web")["id"])
    assert acme.disassociateIpAddress(ipaddress=ip["ipaddress"], fetch_result=True)["success"]
    assert acme.disassociateIpAddress(id=ip["id"], fetch_result=True)["success"]  # already Free
    assert api_error(acme.disassociateIpAddress, id=ip["id"], ipaddress=ip["ipaddress"]) == (
        431, "id parameter is mutually exclusive with ipaddress parameter")
    assert api_error(acme.disassociateIpAddress) == (431, "Please specify either IP address or IP address ID")
    assert api_error(acme.disassociateIpAddress, ipaddress="192.0.2.99") == (
        431, "Unable to find IP address by IP address=192.0.2.99")


def test_a_foreign_ip_fails_the_release_job(acme, globex):
    """NetworkServiceImpl.releaseIpAddressInternal: the access check is in the job (PermissionDenied: 530)."""
    ip = new_ip(acme, networkid=network_named(acme, "acme-web")["id"])
    assert job_error(globex.disassociateIpAddress, id=ip["id"]) == (
        530, "Caller does not have permission to operate with provided resource.")
    acme.disassociateIpAddress(id=ip["id"], fetch_result=True)


def test_associate_refusals(admin, acme, globex):
    """NetworkServiceImpl.associateIPToNetwork (a VPC tier fails the job, the IP is released),
    NetworkServiceImpl.allocateIP (a shared network without IP services), AssociateIPAddrCmd.getZoneId/getNetworkId."""
    before = {i["id"] for i in acme.listPublicIpAddresses().get("publicipaddress", [])}
    assert job_error(acme.associateIpAddress, networkid=network_named(acme, "acme-app")["id"]) == (
        431, ("Can't assign ip to the network directly when network belongs to VPC.Specify vpcId to associate ip "
             "address to VPC"))
    assert {i["id"] for i in acme.listPublicIpAddresses().get("publicipaddress", [])} == before
    assert api_error(admin.associateIpAddress, networkid=network_named(admin, "shared-a")["id"]) == (
        431, ("Associate IP address can only be called on the shared networks in the advanced zone with "
             "Firewall/Source Nat/Static Nat/Port Forwarding/Load balancing services enabled"))
    assert api_error(acme.associateIpAddress) == (
        431, ("Unable to figure out zone to assign IP to. Please specify either zoneId, or networkId, or vpcId in the "
             "call"))
    assert api_error(acme.associateIpAddress, zoneid=zone_id(acme)) == (
        431, "Account has more than one isolated network in the zone")
    status, text = api_error(acme.associateIpAddress, zoneid=zone_id(acme, "zone-b"))
    assert (status, text) == (431, "Account name=null domain=customers doesn't have virtual networks in zone=zone-b")
    ip = new_ip(globex, zoneid=zone_id(globex))  # globex's only isolated network
    assert ip["associatednetworkid"] == network_named(globex, "globex-net")["id"]
    globex.disassociateIpAddress(id=ip["id"], fetch_result=True)


def test_list_scope_sources_and_order(admin, acme):
    """ManagementServerImpl.searchForIPAddresses: `networkid` is the source (public) network, allocatedonly against
    state Free, sorted by address; AccountManagerImpl.buildACLSearchParameters: a root admin's `id` without listall."""
    web = network_named(acme, "acme-web")
    ip = new_ip(acme, networkid=web["id"])
    assert acme.listPublicIpAddresses(networkid=web["id"]) == {}
    assert acme.listPublicIpAddresses(associatednetworkid=web["id"])["count"] >= 2
    assert admin.listPublicIpAddresses(id=ip["id"])["publicipaddress"][0]["account"] == "acme"
    assert admin.listVPCs(id=vpc_named(acme, "acme-vpc")["id"])["count"] == 1
    assert api_error(acme.listPublicIpAddresses, allocatedonly=True, state="Free") == (
        431, "Conflict: allocatedonly is true but state is Free")
    addresses = [ipaddress.ip_address(i["ipaddress"]) for i in acme.listPublicIpAddresses()["publicipaddress"]]
    assert addresses == sorted(addresses)
    acme.disassociateIpAddress(id=ip["id"], fetch_result=True)


def test_vlan_and_broadcast_uri_are_for_root_admins(admin, acme):
    """ApiResponseHelper.createNetworkResponse / createIPAddressResponse: vlan, broadcasturi, vlanid, vlanname only in
    ResponseView.Full; updateIpAddress answers the restricted view (UpdateIPAddrCmd) even to a root admin."""
    web = network_named(acme, "acme-web")
    assert "vlan" not in web and "broadcasturi" not in web
    assert network_named(admin, "acme-web")["vlan"]
    ip = acme.listPublicIpAddresses(associatednetworkid=web["id"])["publicipaddress"][0]
    assert "vlanid" not in ip and "vlanname" not in ip
    assert admin.listPublicIpAddresses(id=ip["id"])["publicipaddress"][0]["vlanid"]
    assert "vlanid" not in admin.updateIpAddress(id=ip["id"], fetch_result=True)["ipaddress"]


def test_list_names_and_keywords(admin, acme):
    """ListNetworksCmd has no `name` (keyword: name LIKE); VpcManagerImpl.listVpcs and listVpcOfferings: name LIKE."""
    assert len(acme.listNetworks(name="acme-web")["network"]) > 1  # ignored
    assert {n["name"] for n in acme.listNetworks(keyword="acme-")["network"]} == {"acme-web", "acme-app", "acme-db"}
    assert [v["name"] for v in acme.listVPCs(name="acme")["vpc"]] == ["acme-vpc"]
    assert [o["name"] for o in acme.listVPCOfferings(name="VPC")["vpcoffering"]] == ["Default VPC offering"]
    shared = admin.listNetworks(listall=True, type="shared")["network"]
    assert shared and all(n["networkofferingid"] == offering_id(admin, SHARED) for n in shared)


def test_tags_on_networks_vpcs_and_ips(acme):
    """ApiResponseHelper: `tags` on networks, VPCs and IPs from the resource tags; their lists filter on `tags`;
    NetworkServiceImpl.releaseIpAddressInternal removes a released IP's tags."""
    web = network_named(acme, "acme-web")
    ip = new_ip(acme, networkid=web["id"])
    tag = [{"key": "dr", "value": "tagged"}]
    for kind, rid in (("Network", web["id"]), ("PublicIpAddress", ip["id"])):
        acme.createTags(resourcetype=kind, resourceids=rid, tags=tag, fetch_result=True)
    assert [n["id"] for n in acme.listNetworks(tags=tag)["network"]] == [web["id"]]
    assert acme.listPublicIpAddresses(tags=tag)["publicipaddress"][0]["tags"] == tag
    acme.disassociateIpAddress(id=ip["id"], fetch_result=True)
    assert acme.listTags(resourcetype="PublicIpAddress").get("tag", []) == []


def test_an_ip_being_associated_is_not_listed_as_allocated(server, acme):
    """AssociateIPAddrCmd.create allocates the IP (Allocating) and the job associates it;
    ManagementServerImpl.searchForIPAddresses: allocatedonly (the default) lists state Allocated only."""
    server.ctl("faults", job_latency=2)
    try:
        submitted = acme.associateIpAddress(networkid=network_named(acme, "acme-web")["id"])
        assert acme.listPublicIpAddresses(id=submitted["id"]) == {}
        pending = acme.listPublicIpAddresses(id=submitted["id"], allocatedonly=False)["publicipaddress"][0]
        assert (pending["state"], "associatednetworkid" in pending) == ("Allocating", False)
    finally:
        server.ctl("faults", job_latency=0)
    acme._jobresult(submitted["jobid"])
    assert acme.listPublicIpAddresses(id=submitted["id"])["publicipaddress"][0]["state"] == "Allocated"
    acme.disassociateIpAddress(id=submitted["id"], fetch_result=True)
