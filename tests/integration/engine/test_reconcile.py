"""Preparation keeps recovery VMs in sync with their originals, isolates failures per VM, and
picks up new VMs; failover refuses what it must refuse, before changing anything."""

import base64
import json

from ansible_collections.cloudstack.dr.plugins.module_utils.engine.introduce import StorageIntroducer
from ansible_collections.cloudstack.dr.plugins.module_utils.engine.orchestrate import move_vms
from ansible_collections.cloudstack.dr.plugins.module_utils.engine.prepare import prepare_vms
from ansible_collections.cloudstack.dr.plugins.module_utils.model.snapshot import Snapshot

from ... import drapi
from .conftest import LIVE


def vm_named(api, name):
    return next(vm for vm in api.list("listVirtualMachines", listall=True) if vm["name"] == name
                and vm.get("displayvm", True))


def recovery_of(api, vm):
    return Snapshot(api, network=False).peer(vm)


def prepared(api, name):
    [result] = prepare_vms(api, names=[name])["vms"]
    assert result["error"] is None, result
    return result


def test_a_nic_plugged_and_unplugged_on_the_original_is_followed(cloud):
    _, api, _ = cloud
    web = vm_named(api, "acme-web-1")
    shared = next(n for n in api.list("listNetworks", listall=True, type="Shared") if n["name"] == "shared-a")
    api.run([api.submit("addNicToVirtualMachine", virtualmachineid=web["id"], networkid=shared["id"])])
    result = prepared(api, "acme-web-1")
    assert result["changed"] and any("added a NIC in shared-b" in c for c in result["changes"]), result
    assert "shared-b" in [n["networkname"] for n in recovery_of(api, web)["nic"]]
    nic = next(n for n in vm_named(api, "acme-web-1")["nic"] if n["networkid"] == shared["id"])
    api.run([api.submit("removeNicFromVirtualMachine", virtualmachineid=web["id"], nicid=nic["id"])])
    result = prepared(api, "acme-web-1")
    assert any("removed the NIC" in c for c in result["changes"]), result
    assert "shared-b" not in [n["networkname"] for n in recovery_of(api, web)["nic"]]


def test_a_nic_left_with_its_static_nat_is_removed_after_the_rule(cloud):
    """CloudStack refuses to remove a NIC that static NAT uses (UserVmManagerImpl.removeNicFromVirtualMachine):
    the recovery IP, and its static NAT with it, goes before the recovery NIC."""
    _, api, zones = cloud
    web = vm_named(api, "acme-web-1")
    offering = next(o for o in api.list("listNetworkOfferings")
                    if o["name"] == "DefaultIsolatedNetworkOfferingWithSourceNatService")
    extra = api.call("createNetwork", name="acme-extra", displaytext="acme-extra", zoneid=zones["zone-a"]["id"],
                     networkofferingid=offering["id"], account="acme", domainid=web["domainid"])["network"]
    api.run([api.submit("addNicToVirtualMachine", virtualmachineid=web["id"], networkid=extra["id"])])
    [ip] = api.run([api.submit("associateIpAddress", networkid=extra["id"])])
    ip = ip.result["ipaddress"]
    nic = next(n for n in vm_named(api, "acme-web-1")["nic"] if n["networkid"] == extra["id"])
    api.call("enableStaticNat", ipaddressid=ip["id"], virtualmachineid=web["id"], networkid=extra["id"],
             vmguestip=nic["ipaddress"])
    prepared(api, "acme-web-1")
    assert "acme-extra" in [n["networkname"] for n in recovery_of(api, web)["nic"]]

    api.call("disableStaticNat", ipaddressid=ip["id"])
    api.run([api.submit("removeNicFromVirtualMachine", virtualmachineid=web["id"], nicid=nic["id"])])
    result = prepared(api, "acme-web-1")
    assert result["changes"] == [f"released the recovery IP of {ip['ipaddress']}", "removed the NIC in acme-extra"]
    assert "acme-extra" not in [n["networkname"] for n in recovery_of(api, web)["nic"]]


def test_a_firewall_rule_added_and_removed_is_followed(cloud):
    _, api, _ = cloud
    web = vm_named(api, "acme-web-1")
    ip = next(i for i in api.list("listPublicIpAddresses", listall=True) if i.get("virtualmachineid") == web["id"])
    [job] = api.run([api.submit("createFirewallRule", ipaddressid=ip["id"], protocol="tcp", startport=8080,
                                endport=8080, cidrlist="10.0.0.0/8")])
    result = prepared(api, "acme-web-1")
    assert any("firewall rule tcp/8080/8080/10.0.0.0/8" in c for c in result["changes"]), result
    mirrored = json.loads(drapi.details(api, "UserVm", web["id"])["dr.recovery_public_ips"])
    recovery_ip = next(i for i in api.list("listPublicIpAddresses", listall=True, fordisplay=False)
                       if i["ipaddress"] == mirrored[ip["ipaddress"]])
    ports = {r["startport"] for r in api.list("listFirewallRules", ipaddressid=recovery_ip["id"], listall=True,
                                              fordisplay=False)}
    assert 8080 in {int(p) for p in ports}
    api.run([api.submit("deleteFirewallRule", id=job.result["firewallrule"]["id"])])
    result = prepared(api, "acme-web-1")
    assert any("removed from" in c for c in result["changes"]), result
    ports = {int(r["startport"]) for r in api.list("listFirewallRules", ipaddressid=recovery_ip["id"], listall=True,
                                                   fordisplay=False)}
    assert 8080 not in ports


def test_user_data_and_recovery_offering_changes_are_followed(cloud):
    _, api, _ = cloud
    web = vm_named(api, "acme-web-1")
    api.run([api.submit("stopVirtualMachine", id=web["id"])])
    api.call("updateVirtualMachine", id=web["id"], userdata=base64.b64encode(b"#cloud-config\nv: 2\n").decode())
    api.run([api.submit("startVirtualMachine", id=web["id"])])
    offerings = {o["name"]: o for o in api.list("listServiceOfferings")}
    # CloudStack changes a VM's offering only to one whose storage tags include the current one's
    # (VirtualMachineManagerImpl.checkIfCanUpgrade): the recovery offering keeps the DR tag
    bigger = offerings["dr-medium"]
    drapi.write(api, "ServiceOffering", offerings["dr-small"]["id"], {"dr.recovery_offering": bigger["id"]},
                visible=False)
    try:
        result = prepared(api, "acme-web-1")
        assert {"updated the recovery VM's user data", "changed the recovery VM's offering"} <= set(result["changes"])
        rec = api.list("listVirtualMachines", id=recovery_of(api, web)["id"], listall=True, userdata=True,
                       displayvm=False)[0]
        assert rec["serviceofferingid"] == bigger["id"]
    finally:
        api.run([api.submit("removeResourceDetail", resourcetype="ServiceOffering",
                            resourceid=offerings["dr-small"]["id"], key="dr.recovery_offering")])
    prepared(api, "acme-web-1")


def test_nothing_changed_means_no_write(cloud):
    _, api, _ = cloud
    result = prepare_vms(api, zone="zone-a")
    assert result["summary"]["changed"] == 0, [r["changes"] for r in result["vms"] if r["changed"]]


def test_one_vm_that_cannot_be_prepared_does_not_stop_the_others(cloud):
    _, api, zones = cloud
    db = vm_named(api, "globex-db-1")
    unmapped = api.call("createNetwork", name="shared-c", displaytext="shared-c", zoneid=zones["zone-a"]["id"],
                        networkofferingid=next(o["id"] for o in api.list("listNetworkOfferings")
                                               if o.get("guestiptype") == "Shared"),
                        vlan="300", gateway="172.16.30.1", netmask="255.255.255.0", startip="172.16.30.10",
                        endip="172.16.30.200", acltype="Domain", domainid=db["domainid"])["network"]
    api.run([api.submit("addNicToVirtualMachine", virtualmachineid=db["id"], networkid=unmapped["id"])])
    before = vm_named(api, "globex-db-1")
    results = {r["name"]: r for r in prepare_vms(api, zone="zone-a")["vms"]}
    assert "shared-c has no mapping" in results["globex-db-1"]["error"]
    assert all(r["error"] is None for n, r in results.items() if n != "globex-db-1")
    details = drapi.details(api, "UserVm", db["id"])
    assert details["dr.state"] == "PrepareFailed" and "shared-c" in details["dr.alert"]
    [alert] = api.list("listAlerts", name="DR.PREPARE.FAILED")
    assert alert["description"].startswith(f"DR preparation in zone zone-a ({zones['zone-a']['id']}): 1 VMs failed")
    assert alert["description"].endswith(": globex-db-1")
    # CloudStack keeps one alert per type and zone: the same failures again raise nothing and change nothing
    again = {r["name"]: r for r in prepare_vms(api, zone="zone-a")["vms"]}
    assert not again["globex-db-1"]["changed"], again["globex-db-1"]["changes"]
    assert api.list("listAlerts", name="DR.PREPARE.FAILED") == [alert]
    after = vm_named(api, "globex-db-1")
    assert (after["state"], after["nic"]) == (before["state"], before["nic"])  # the original is untouched
    # failover refuses it, with the reason, before changing anything
    refused = move_vms(api, "failover", names=["globex-db-1"], validate_only=True, confirm_zone_lost=LIVE)
    assert "PrepareFailed" in refused["vms"][0]["error"] and refused["plan"] == []
    nic = next(n for n in after["nic"] if n["networkid"] == unmapped["id"])
    api.run([api.submit("removeNicFromVirtualMachine", virtualmachineid=db["id"], nicid=nic["id"])])
    assert prepared(api, "globex-db-1")["state"] == "Prepared"


def test_a_new_vm_of_a_dr_offering_is_picked_up_by_the_next_run(cloud):
    _, api, zones = cloud
    offering = next(o for o in api.list("listServiceOfferings") if o["name"] == "dr-small")
    template = api.list("listTemplates", templatefilter="all", zoneid=zones["zone-a"]["id"])[0]
    web_net = next(n for n in api.list("listNetworks", listall=True) if n["name"] == "acme-web"
                   and n["zoneid"] == zones["zone-a"]["id"])
    [job] = api.run([api.submit("deployVirtualMachine", zoneid=zones["zone-a"]["id"], serviceofferingid=offering["id"],
                                templateid=template["id"], name="acme-new-1", networkids=web_net["id"],
                                account="acme", domainid=web_net["domainid"])])
    refused = move_vms(api, "failover", names=["acme-new-1"], validate_only=True, confirm_zone_lost=LIVE)
    assert "not prepared" in refused["vms"][0]["error"]
    names = {r["name"]: r for r in prepare_vms(api, zone="zone-a")["vms"]}
    assert names["acme-new-1"]["changed"] and names["acme-new-1"]["state"] == "Prepared"
    assert recovery_of(api, job.result["virtualmachine"])["zoneid"] == zones["zone-b"]["id"]


def test_failover_refuses_drift_unless_allowed(cloud):
    _, api, _ = cloud
    web = vm_named(api, "acme-web-1")
    ip = next(i for i in api.list("listPublicIpAddresses", listall=True) if i.get("virtualmachineid") == web["id"])
    api.run([api.submit("createFirewallRule", ipaddressid=ip["id"], protocol="udp", startport=53, endport=53)])
    refused = move_vms(api, "failover", names=["acme-web-1"], validate_only=True, confirm_zone_lost=LIVE)
    assert "drifted" in refused["vms"][0]["error"] and "udp/53" in refused["vms"][0]["error"]
    allowed = move_vms(api, "failover", names=["acme-web-1"], validate_only=True, allow_drift=True,
                       confirm_zone_lost=LIVE)
    assert [p["name"] for p in allowed["plan"]] == ["acme-web-1"] and allowed["vms"] == []
    prepared(api, "acme-web-1")


def test_unmapped_storage_is_refused_before_any_change(cloud):
    _, api, zones = cloud
    pool = next(p for p in api.list("listStoragePools", zoneid=zones["zone-a"]["id"]) if p["name"] == "pool-a1")
    saved = drapi.details(api, "Storage", pool["id"], visible=False)
    api.run([api.submit("removeResourceDetail", resourcetype="Storage", resourceid=pool["id"])])
    try:
        result = move_vms(api, "failover", zone="zone-a", validate_only=True, confirm_zone_lost=LIVE)
        refused = {r["name"]: r["error"] for r in result["vms"]}
        assert refused and all("pool-a1" in e and "storage_map" in e for e in refused.values()), refused
    finally:
        drapi.write(api, "Storage", pool["id"], saved, visible=False)


def test_planned_failover_of_an_unreachable_original_moves_nothing(cloud):
    server, api, _ = cloud
    server.ctl("fail-zone", zone="zone-a")
    try:
        StorageIntroducer(api).introduce(vm_named(api, "acme-app-1")["zoneid"], "failover")
        result = move_vms(api, "failover", names=["acme-app-1"], mode="planned")
        [vm] = result["vms"]
        # refused before any change: the storage of a lost zone cannot be synchronised (it would next fail to stop)
        assert vm["refused"] and "is unreachable: a planned move cannot synchronise it" in vm["error"], vm
        app = vm_named(api, "acme-app-1")
        assert app["state"] == "Running" and app["zonename"] == "zone-a"
        details = drapi.details(api, "UserVm", app["id"])
        assert details["dr.state"] == details["dr.status"] == "Prepared" and drapi.journal(api, app["id"]) is None
    finally:
        server.ctl("recover-zone", zone="zone-a")
