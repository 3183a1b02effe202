"""Conformance: zones, pods, clusters and hosts as Apache CloudStack 4.20 creates, lists and updates them, and
what a Disabled zone, pod, cluster or host does to deploys and starts.

Each test's docstring names the Java class and method whose rule it checks (apache/cloudstack, read at
4.21.0.0-SNAPSHOT); simulator/rules/infra.md lists the rules.
"""

import contextlib

import pytest

from .network_helpers import network_named
from .test_infra_storage import api_error, job_error

ZONE = {"networktype": "Advanced", "dns1": "8.8.8.8", "internaldns1": "10.9.0.2"}


@pytest.fixture(scope="module")
def domain_admin(server):
    return server.client("customers-admin")


def zone(api, name="zone-a"):
    return api.listZones(name=name)["zone"][0]


def deploy_params(api, network):
    zone_id = zone(api)["id"]
    template = api.listTemplates(templatefilter="executable", zoneid=zone_id, name="debian-12")["template"][0]
    return {"zoneid": zone_id, "templateid": template["id"], "networkids": network,
            "serviceofferingid": api.listServiceOfferings(name="small")["serviceoffering"][0]["id"]}


def network(api, name):
    return network_named(api, name)["id"]


@contextlib.contextmanager
def zone_a_disabled(admin):
    admin.updateZone(id=zone(admin)["id"], allocationstate="Disabled")
    try:
        yield
    finally:
        admin.updateZone(id=zone(admin)["id"], allocationstate="Enabled")


# -- createZone / updateZone ---------------------------------------------------------------------
def test_a_new_zone_is_disabled_unless_asked(admin):
    """ConfigurationManagerImpl.createZone(cmd): allocationstate defaults to Disabled (an admin enables the zone
    once its physical networks exist); Grouping.AllocationState.valueOf is case-sensitive."""
    made = admin.createZone(name="zone-new", **ZONE)["zone"]
    assert made["allocationstate"] == "Disabled"
    assert admin.createZone(name="zone-on", allocationstate="Enabled", **ZONE)["zone"]["allocationstate"] == "Enabled"
    status, error = api_error(admin.createZone, name="zone-x", allocationstate="enabled", **ZONE)
    assert (status, error["errortext"]) == (431, "Unable to resolve Allocation State 'enabled' to a supported state")
    updated = admin.updateZone(id=made["id"], allocationstate="Enabled")["zone"]
    assert updated["allocationstate"] == "Enabled"
    events = [e["description"] for e in admin.listEvents(type="ZONE.EDIT")["event"]]
    assert events and events[0].startswith("Successfully completed editing zone. Zone Id: ")


def test_create_zone_refusals(admin):
    """ConfigurationManagerImpl.createZone(cmd) / createZone(...) / checkZoneParameters: texts and order."""
    cases = [
        ({"name": "zone-a"}, "A zone with that name already exists. Please specify a unique zone name."),
        ({"name": "zone-y", "networktype": "Fancy"}, "Invalid zone type; only Advanced and Basic values are supported"),
        ({"name": "zone-y", "networktype": "Basic", "guestcidraddress": "10.0.0.0/16"},
         "guestCidrAddress parameter is not supported for Basic zone"),
        ({"name": "zone-y", "guestcidraddress": "8.8.0.0/16"}, "Please enter a valid guest cidr"),
        ({"name": "zone-y", "dns1": "not-an-ip"}, "Please enter a valid IP address for DNS1"),
        ({"name": "zone-y", "internaldns1": "10.0.0.300"}, "Please enter a valid IP address for internal DNS1"),
    ]
    for params, text in cases:
        status, error = api_error(admin.createZone, **dict(ZONE, **params))
        assert (status, error["errortext"]) == (431, text), params


def test_disabled_zones_are_hidden_from_tenants_unless_named(admin, acme, domain_admin):
    """QueryManagerImpl.listDataCentersInternal: callers that are not root admins list only zones that are not
    Disabled, but the id/name branches skip that filter; root admins list every zone. DNS and the guest CIDR are
    answered in the full view only (DataCenterJoinDaoImpl.newDataCenterResponse: root admins)."""
    hidden = admin.createZone(name="zone-hidden", **ZONE)["zone"]
    assert "zone-hidden" in {z["name"] for z in admin.listZones()["zone"]}
    for api in (acme, domain_admin):
        assert "zone-hidden" not in {z["name"] for z in api.listZones()["zone"]}
        assert api.listZones(id=hidden["id"])["zone"][0]["allocationstate"] == "Disabled"
        assert api.listZones(name="zone-hidden")["count"] == 1
    seen = zone(acme)
    assert "dns1" not in seen and "guestcidraddress" not in seen and "internaldns1" not in seen
    assert zone(admin)["dns1"] == "8.8.8.8" and zone(admin)["tags"] == []
    assert "zone-hidden" in {z["name"] for z in admin.listZones(available=True)["zone"]}


def test_users_cannot_deploy_in_a_disabled_zone(admin, acme):
    """UserVmManagerImpl.createVirtualMachine: 531 "Cannot perform this operation, Zone is currently disabled:
    Zone {...}" for a caller that is not a root admin (before any job)."""
    params = deploy_params(acme, network(acme, "acme-web"))
    with zone_a_disabled(admin):
        status, error = api_error(acme.deployVirtualMachine, name="acme-off", **params)
    assert status == 531
    assert error["errortext"].startswith('Cannot perform this operation, Zone is currently disabled: Zone {"id": "')
    assert acme.listVirtualMachines(name="acme-off").get("count", 0) == 0


def test_the_planner_avoids_disabled_resources_for_root_admins_too(admin, acme):
    """DeploymentPlanningManagerImpl.avoidDisabledResources: a Disabled zone's hosts are avoided for every VM
    (the root admin passes the API check, and the job fails with 533), unless the VM's owner has the root admin
    role and allow.admin.vm.on.disabled.resources is true; a user's stopped VM cannot start there either."""
    params = deploy_params(admin, network(admin, "shared-a"))
    stopped = acme.deployVirtualMachine(name="acme-parked", startvm=False, fetch_result=True,
                                        **deploy_params(acme, network(acme, "acme-web")))["virtualmachine"]
    with zone_a_disabled(admin):
        code, text = job_error(admin.deployVirtualMachine, name="root-off", **params)
        # a fresh VM whose ROOT never got a pool: VMEntityManagerImpl.reserveVirtualMachine's text
        assert code == 533 and text.startswith("No destination found for a deployment for VM instance")
        code, _ = job_error(acme.startVirtualMachine, id=stopped["id"])
        assert code == 533
        admin.updateConfiguration(name="allow.admin.vm.on.disabled.resources", value="true")
        try:
            vm = admin.deployVirtualMachine(name="root-on", fetch_result=True, **params)["virtualmachine"]
            assert vm["state"] == "Running"
            code, _ = job_error(acme.startVirtualMachine, id=stopped["id"])
            assert code == 533  # the owner is not a root admin
        finally:
            admin.updateConfiguration(name="allow.admin.vm.on.disabled.resources", value="false")
    assert acme.startVirtualMachine(id=stopped["id"], fetch_result=True)["virtualmachine"]["state"] == "Running"


def test_disabled_hosts_are_avoided(admin, acme):
    """ResourceManagerImpl.updateHost: allocationstate Enable/Disable (exact case; other values fail, wrapped by
    UpdateHostCmd into 530 "Failed to update host: ..."); DeploymentPlanningManagerImpl.avoidDisabledHosts."""
    hosts = admin.listHosts(zoneid=zone(admin)["id"], type="Routing")["host"]
    for host in hosts:
        assert admin.updateHost(id=host["id"], allocationstate="Disable")["host"]["resourcestate"] == "Disabled"
    try:
        code, _ = job_error(acme.deployVirtualMachine, name="acme-nohost",
                            **deploy_params(acme, network(acme, "acme-web")))
        assert code == 533
    finally:
        for host in hosts:
            admin.updateHost(id=host["id"], allocationstate="Enable")
    status, error = api_error(admin.updateHost, id=hosts[0]["id"], allocationstate="Disabled")
    assert status == 530 and error["errortext"].startswith('Failed to update host: Host {"id":')
    assert error["errortext"].endswith("Invalid allocation state: Disabled, only Enable/Disable are allowed")


# -- pods ------------------------------------------------------------------------------------------
def test_create_pod_checks_its_range(admin):
    """ConfigurationManagerImpl.createPod / checkPodRangeParametersBasicsForNonEdgeZone / checkPodAttributes /
    checkIpRange; ApiResponseHelper.createPodResponse answers the ranges as lists; event POD.CREATE."""
    zone_id = zone(admin)["id"]
    base = {"zoneid": zone_id, "gateway": "10.1.5.1", "netmask": "255.255.255.0", "startip": "10.1.5.10"}
    cases = [({"startip": None}, "The start IP is invalid"), ({"gateway": "x"}, "The gateway is invalid"),
             ({"netmask": "255.0.255.0"}, "The netmask is invalid"),
             ({"endip": "10.1.6.20"}, "The end address of the IP range is not in the CIDR subnet."),
             ({"gateway": "10.1.5.15", "endip": "10.1.5.20"}, "The gateway shouldn't overlap start/end ip addresses")]
    for params, text in cases:
        status, error = api_error(admin.createPod, name="pod-x", **{k: v for k, v in dict(base, **params).items()
                                                                       if v is not None})
        assert (status, error["errortext"]) == (431, text), params
    status, error = api_error(admin.createPod, name="zone-a-pod1", **base)
    assert status == 431 and error["errortext"].startswith('A pod with name: zone-a-pod1 already exists in zone Zone {')
    assert error["errortext"].endswith("}. Please specify a different pod name. ")
    pod = admin.createPod(name="pod-2", **base)["pod"]
    assert (pod["startip"], pod["endip"], pod["allocationstate"]) == (["10.1.5.10"], ["10.1.5.254"], "Enabled")
    assert admin.listEvents(type="POD.CREATE")["event"][0]["description"] == "Successfully completed creating pod"


# -- clusters --------------------------------------------------------------------------------------
def test_add_cluster_answers_a_list_and_checks_its_hypervisor(admin):
    """ResourceManagerImpl.discoverCluster (AddClusterCmd answers a ListResponse): the hypervisor name is
    resolved case-insensitively and answered canonically; an unknown one has no discoverer (431); the cluster
    type is an enum (431); a duplicate name in the pod fails the insert (530)."""
    pod = admin.listPods(name="zone-a-pod1")["pod"][0]
    base = {"zoneid": pod["zoneid"], "podid": pod["id"], "clustertype": "CloudManaged"}
    made = admin.addCluster(clustername="cl-kvm", hypervisor="kvm", **base)
    assert made["count"] == 1 and made["cluster"][0]["hypervisortype"] == "KVM"
    assert made["cluster"][0]["resourcedetails"]["cpuOvercommitRatio"] == "1.0"
    status, error = api_error(admin.addCluster, clustername="cl-x", hypervisor="Hypervisor9", **base)
    assert (status, error["errortext"]) == (431, "Could not find corresponding resource manager for Hypervisor9")
    status, error = api_error(admin.addCluster, clustername="cl-x", hypervisor="KVM",
                              **dict(base, clustertype="cloudmanaged"))
    assert (status, error["errortext"]) == (431, "No enum constant com.cloud.org.Cluster.ClusterType.cloudmanaged")
    status, error = api_error(admin.addCluster, clustername="cl-kvm", hypervisor="KVM", **base)
    assert (status, error["errortext"]) == (530, ("Unable to create cluster cl-kvm in pod and data center with "
                                                 "specified ids"))


# -- hosts -----------------------------------------------------------------------------------------
def test_add_host_refusals(admin):
    """ResourceManagerImpl.discoverHostsFull / LibvirtServerDiscoverer.find: KVM needs a username; a host already
    in the zone or a cluster of another hypervisor finds no resources (530)."""
    cluster = admin.listClusters(name="zone-a-cluster1")["cluster"][0]
    host = admin.listHosts(clusterid=cluster["id"])["host"][0]
    base = {"zoneid": cluster["zoneid"], "podid": cluster["podid"], "hypervisor": "KVM"}
    status, error = api_error(admin.addHost, url="http://10.1.1.99", clusterid=cluster["id"], **base)
    assert (status, error["errortext"]) == (431, "Username need to be provided.")
    status, error = api_error(admin.addHost, url="http://10.1.1.99", clusterid=cluster["id"],
                              clustername="c", username="root", **base)
    assert (status, error["errortext"]) == (431, "Can't specify cluster by both id and name")
    url = f"http://{host['ipaddress']}"
    status, error = api_error(admin.addHost, url=url, clusterid=cluster["id"], username="root", **base)
    assert (status, error["errortext"]) == (530, f"Unable to add the host: Cannot find the server resources at {url}")


def test_hosts_answer_out_of_band_management_and_ha(admin):
    """HostJoinDaoImpl.setNewHostResponseBase: every host answers `outofbandmanagement` (not configured: power
    Disabled, not enabled) and `hostha` (no HA config: not enabled, Disabled)."""
    cluster = admin.listClusters(name="zone-b-cluster1")["cluster"][0]
    host = admin.addHost(zoneid=cluster["zoneid"], podid=cluster["podid"], clusterid=cluster["id"], hypervisor="KVM",
                         url="http://10.2.1.95", username="root", password="password")["host"][0]
    assert host["outofbandmanagement"] == {"powerstate": "Disabled", "enabled": False}
    assert host["hostha"] == {"haenable": False, "hastate": "Disabled"}
