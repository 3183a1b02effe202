"""Recovery networks get their own source NAT IP at prepare time, as CloudStack would give them at the first start.

CloudStack makes the first IP associated with an isolated network (or a VPC) that has none its source
NAT IP, where static NAT is refused; starting a VM implements the network and takes one if it still
has none. Prepare reserves it first, so the mirrored IPs stay plain and a failover takes no new IP.
"""

from ansible_collections.cloudstack.dr.plugins.module_utils.engine.introduce import StorageIntroducer
from ansible_collections.cloudstack.dr.plugins.module_utils.engine.orchestrate import move_vms
from ansible_collections.cloudstack.dr.plugins.module_utils.engine.prepare import prepare_vms


def both(api, command, flag, **params):
    """Displayed and hidden objects: recovery networks, IPs and rules are hidden from their owner."""
    return api.list(command, listall=True, **params) + api.list(command, listall=True, **{flag: False}, **params)


def allocated(api, zone):
    return {ip["id"]: (ip["ipaddress"], ip["issourcenat"], ip.get("associatednetworkid"), ip.get("vpcid"))
            for ip in both(api, "listPublicIpAddresses", "fordisplay", zoneid=zone["id"])}


def recovery_networks(api):
    """Networks whose details (answered inline to root admins) name the network they mirror."""
    return [n for n in both(api, "listNetworks", "displaynetwork") if "dr.source_network" in (n.get("details") or {})]


def source_nat(api, **where):
    return both(api, "listPublicIpAddresses", "fordisplay", issourcenat=True, **where)


def test_each_recovery_network_and_vpc_has_one_source_nat_ip_and_mirrored_ips_are_plain(cloud):
    _, api, zones = cloud
    nets = recovery_networks(api)
    isolated = [n for n in nets if not n.get("vpcid")]
    vpcs = {n["vpcid"] for n in nets if n.get("vpcid")}
    assert isolated and vpcs, nets
    assert all(len(source_nat(api, associatednetworkid=n["id"])) == 1 for n in isolated)
    assert all(len(source_nat(api, vpcid=v)) == 1 for v in vpcs)
    mirrored = [ip for ip in both(api, "listPublicIpAddresses", "fordisplay", zoneid=zones["zone-b"]["id"])
                if not ip["issourcenat"]]
    assert {ip["ipaddress"] for ip in mirrored if ip["isstaticnat"]}, "the static NAT mirror is a plain IP"
    assert all(ip["state"] == "Allocated" for ip in mirrored)


def test_a_rule_on_the_original_source_nat_ip_lands_on_the_recovery_one_and_leaves_with_it(cloud):
    _, api, zones = cloud
    db = api.list("listVirtualMachines", listall=True, name="globex-db-1", zoneid=zones["zone-a"]["id"])[0]
    net = db["nic"][0]["networkid"]
    original_nat = source_nat(api, associatednetworkid=net)[0]
    rule = api.run([api.submit("createPortForwardingRule", ipaddressid=original_nat["id"], virtualmachineid=db["id"],
                               protocol="tcp", publicport=8022, privateport=22)])[0].result
    recovery_net = next(n for n in recovery_networks(api) if n["name"] == db["nic"][0]["networkname"])
    recovery_nat = source_nat(api, associatednetworkid=recovery_net["id"])[0]

    result = prepare_vms(api, names=[db["id"]])
    assert result["summary"]["failed"] == 0, result
    forwards = both(api, "listPortForwardingRules", "fordisplay", ipaddressid=recovery_nat["id"])
    assert [(f["publicport"], f["privateport"]) for f in forwards] == [("8022", "22")]
    assert len(source_nat(api, associatednetworkid=recovery_net["id"])) == 1

    api.run([api.submit("deletePortForwardingRule", id=rule["portforwardingrule"]["id"])])
    assert prepare_vms(api, names=[db["id"]])["summary"]["failed"] == 0
    assert both(api, "listPortForwardingRules", "fordisplay", ipaddressid=recovery_nat["id"]) == []
    assert [ip["id"] for ip in source_nat(api, associatednetworkid=recovery_net["id"])] == [recovery_nat["id"]]
    assert prepare_vms(api, names=[db["id"]])["summary"]["changed"] == 0


def test_static_nat_on_a_vpc_ip_is_mirrored_on_the_recovery_tier(cloud):
    """A VPC IP joins a tier with its static NAT; CloudStack wants the tier named (EnableStaticNatCmd.getNetworkId)."""
    _, api, zones = cloud
    app = api.list("listVirtualMachines", listall=True, name="acme-app-1", zoneid=zones["zone-a"]["id"])[0]
    tier = app["nic"][0]["networkid"]
    vpc = api.list("listNetworks", listall=True, id=tier)[0]["vpcid"]
    ip = api.run([api.submit("associateIpAddress", vpcid=vpc)])[0].result["ipaddress"]
    api.call("enableStaticNat", ipaddressid=ip["id"], virtualmachineid=app["id"], networkid=tier)

    result = prepare_vms(api, names=[app["id"]])
    assert result["summary"]["failed"] == 0, result["vms"]
    recovery_tier = next(n for n in recovery_networks(api) if n["details"]["dr.source_network"] == tier)
    natted = [i for i in both(api, "listPublicIpAddresses", "fordisplay", vpcid=recovery_tier["vpcid"])
              if i["isstaticnat"]]
    assert [(i["associatednetworkid"], i["virtualmachineid"]) for i in natted] == \
        [(recovery_tier["id"], result["vms"][0]["recovery_vm"])]
    assert prepare_vms(api, names=[app["id"]])["summary"]["changed"] == 0


def test_failover_takes_no_new_public_ip(cloud):
    server, api, zones = cloud
    before = allocated(api, zones["zone-b"])
    server.ctl("fail-zone", zone="zone-a")
    assert all(i.error is None for i in StorageIntroducer(api).introduce(zones["zone-a"]["id"], "failover"))
    results = move_vms(api, "failover", zone="zone-a")["vms"]
    assert [r["error"] for r in results] == [None] * len(results), results
    assert allocated(api, zones["zone-b"]) == before
