"""What the networking conformance tests share: the error of a call or of its job, objects by name, a VM in a
network, and the usage events the simulator recorded."""

import cs
import pytest

ISOLATED = "DefaultIsolatedNetworkOfferingWithSourceNatService"
SHARED = "DefaultSharedNetworkOffering"
TIER = "DefaultIsolatedNetworkOfferingForVpcNetworks"


def api_error(call, **params):
    """(HTTP status, errortext) of a call CloudStack answers with an error."""
    with pytest.raises(cs.CloudStackApiException) as info:
        call(**params)
    return info.value.response.status_code, info.value.error["errortext"]


def job_error(call, **params):
    """(errorcode, errortext) of an accepted async call whose job fails."""
    with pytest.raises(cs.CloudStackApiException) as info:
        call(fetch_result=True, **params)
    return info.value.error["errorcode"], info.value.error.get("errortext")


def zone_id(api, name="zone-a"):
    return api.listZones(name=name)["zone"][0]["id"]


def offering_id(api, name):
    return api.listNetworkOfferings(name=name)["networkoffering"][0]["id"]


def network_named(api, name):
    """listNetworks has no `name` filter: its keyword matches names, then the exact one is picked."""
    return next(n for n in api.listNetworks(keyword=name, listall=True)["network"] if n["name"] == name)


def vpc_named(api, name):
    return next(v for v in api.listVPCs(name=name, listall=True)["vpc"] if v["name"] == name)


def new_ip(api, **holder):
    """A public IP associated with a network or VPC (networkid=.. or vpcid=..), as the job answers it."""
    return api.associateIpAddress(fetch_result=True, **holder)["ipaddress"]


def deploy(admin, name, network, start=True):
    """A VM of the network's owner in that network, deployed by the root admin."""
    zone = network["zoneid"]
    template = admin.listTemplates(templatefilter="executable", zoneid=zone)["template"][0]
    return admin.deployVirtualMachine(zoneid=zone, templateid=template["id"], name=name, networkids=network["id"],
                                      serviceofferingid=admin.listServiceOfferings()["serviceoffering"][0]["id"],
                                      account=network["account"], domainid=network["domainid"], startvm=start,
                                      fetch_result=True)["virtualmachine"]


def usage_types(server, resourceid):
    """The usage event types recorded for one resource, oldest first."""
    return [e["type"] for e in server.ctl("usage-events", resourceid=resourceid)]
