"""What a tenant sees of DR after preparation: its VMs at home with their DR status, nothing in the recovery zone.

The seed's promise: "recovery vm metadata is invisible to an end user". Recovery VMs, their volumes,
networks, VPCs, reserved public IPs and rules are created hidden (display flags), and CloudStack lists
hidden objects to nobody but a root admin who asks for them, and hides the events about them."""

import pytest

from ... import drapi
from .conftest import client_for

TENANT_COPY = {"dr.state", "dr.tier", "dr.rto", "dr.rpo", "dr.recovery_zone", "dr.recovery_public_ips", "dr.alert",
               "dr.runs_in", "dr.runs_since"}
# Every listing a tenant may call that could show a recovery object, with what narrows it to the recovery zone.
LISTINGS = {
    "listVirtualMachines": "zoneid", "listVolumes": "zoneid", "listNetworks": "zoneid", "listVPCs": "zoneid",
    "listPublicIpAddresses": "zoneid",
}
RULE_LISTINGS = ("listFirewallRules", "listPortForwardingRules", "listEgressFirewallRules")


@pytest.fixture(scope="module")
def views(cloud):
    server, api, zones = cloud
    return {account: client_for(server, account) for account in ("acme", "globex")}, api, zones


@pytest.mark.parametrize("account", ["acme", "globex"])
def test_nothing_of_dr_in_the_recovery_zone(views, account):
    tenants, api, zones = views
    tenant, zone_b = tenants[account], zones["zone-b"]["id"]
    for command, by_zone in LISTINGS.items():
        for params in ({by_zone: zone_b}, {by_zone: zone_b, "listall": True}):
            # the recovery zone's shared networks are the operator's (the zone link maps them), not DR's
            found = [item for item in tenant.list(command, **params) if item.get("type") != "Shared"]
            assert found == [], command
    seen_ips = {ip["id"] for ip in tenant.list("listPublicIpAddresses")}
    for command in RULE_LISTINGS:
        assert {r["ipaddressid"] for r in tenant.list(command) if r.get("ipaddressid")} <= seen_ips, command
    # The root admin, asking for hidden objects, finds the recovery side that exists.
    hidden = api.list("listVirtualMachines", listall=True, zoneid=zone_b, displayvm=False)
    assert {vm["account"] for vm in hidden} >= {account}


@pytest.mark.parametrize("account", ["acme", "globex"])
def test_the_tenant_sees_its_vms_with_their_dr_status_only(views, account):
    tenants, _, zones = views
    tenant = tenants[account]
    mine = tenant.list("listVirtualMachines")
    assert mine and all(vm["zoneid"] == zones["zone-a"]["id"] for vm in mine)
    protected = [vm for vm in mine if "dr.state" in (vm.get("details") or {})]
    assert protected
    for vm in protected:
        shown = {k for k in vm["details"] if k.startswith("dr.")}
        assert shown == TENANT_COPY, vm["name"]
        # fordisplay=false is a root admin's parameter: the tenant gets the same displayed details again
        assert set(drapi.details(tenant, "UserVm", vm["id"])) & {"dr.status", "dr.role", "dr.pair", "dr.move"} == set()


def test_no_event_names_a_recovery_object(views):
    tenants, api, zones = views
    hidden = {vm["id"] for vm in api.list("listVirtualMachines", listall=True, zoneid=zones["zone-b"]["id"],
                                          displayvm=False)}
    hidden |= {ip["ipaddress"] for ip in api.list("listPublicIpAddresses", listall=True, fordisplay=False)}
    assert hidden
    for tenant in tenants.values():
        events = tenant.list("listEvents")
        texts = " ".join(e["description"] for e in events)
        assert not [h for h in hidden if h in texts], [e["type"] + ": " + e["description"] for e in events
                                                       if any(h in e["description"] for h in hidden)]
