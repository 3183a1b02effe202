"""Conformance: out-of-band management as Apache CloudStack 4.20 answers it (OutOfBandManagementServiceImpl), and
what powering a host off or on does to it and its VMs in the simulator.

Each test's docstring names the Java class and method whose rule it checks (apache/cloudstack, read at
4.21.0.0-SNAPSHOT); simulator/rules/infra.md lists the rules.
"""

import pytest

from .test_infra_storage import api_error, job_error

BMC = {"driver": "ipmitool", "address": "10.9.9.1", "port": "623", "username": "ADMIN", "password": "secret"}


def hosts(api, zone="zone-a"):
    zone_id = api.listZones(name=zone)["zone"][0]["id"]
    return api.listHosts(zoneid=zone_id, type="Routing")["host"]


def host_of(api, vm_name):
    vm = api.listVirtualMachines(name=vm_name, listall=True)["virtualmachine"][0]
    return vm, api.listHosts(id=vm["hostid"])["host"][0]


@pytest.fixture(scope="module")
def bare(admin):
    """Two zone-b hosts added without a BMC (the seed configures and enables one on every host it adds)."""
    cluster = admin.listClusters(zoneid=hosts(admin, "zone-b")[0]["zoneid"])["cluster"][0]
    return [admin.addHost(zoneid=cluster["zoneid"], podid=cluster["podid"], clusterid=cluster["id"], hypervisor="KVM",
                          url=f"http://10.2.1.{n}", username="root", password="password")["host"][0] for n in (90, 91)]


@pytest.fixture(scope="module")
def configured(admin):
    """Every zone-a host with a BMC configured and enabled."""
    for host in hosts(admin):
        admin.configureOutOfBandManagement(hostid=host["id"], **BMC)
        admin.enableOutOfBandManagementForHost(hostid=host["id"], fetch_result=True)
    return hosts(admin)


def test_only_root_admins_manage_bmcs(acme, server, admin):
    """@APICommand(authorized = {RoleType.Admin}) on every out-of-band management command."""
    host = hosts(admin, "zone-b")[0]
    for api in (acme, server.client("customers-admin")):
        status, _ = api_error(api.configureOutOfBandManagement, hostid=host["id"], **BMC)
        assert status == 432


def test_configure_checks_the_driver_and_masks_the_password(admin, bare):
    """OutOfBandManagementServiceImpl.configure: the driver must be one the server has (530, the row is kept);
    the answer (OutOfBandManagementResponse) masks the password; configuring does not enable."""
    host = bare[0]
    status, error = api_error(admin.configureOutOfBandManagement, hostid=host["id"], **dict(BMC, driver="ilo"))
    assert (status, error["errortext"]) == (530, ("Out-of-band management driver is not available. Please provide "
                                                 "a valid driver name."))
    made = admin.configureOutOfBandManagement(hostid=host["id"], **BMC)["outofbandmanagement"]
    assert (made["hostid"], made["password"], made["enabled"], made["status"]) == (host["id"], "s****", False, True)
    assert made["description"].startswith('Out-of-band management successfully configured for Host {"id":')
    listed = admin.listHosts(id=host["id"])["host"][0]["outofbandmanagement"]
    assert listed["enabled"] is False and listed["driver"] == "ipmitool" and listed["password"] == "s****"


def test_actions_need_a_configured_and_enabled_bmc(admin, bare):
    """OutOfBandManagementServiceImpl.enableOutOfBandManagement(host) / executePowerOperation, in the job (530):
    an unconfigured host cannot be enabled; a configured but disabled one takes no action."""
    unconfigured, configured_only = bare[1], bare[0]
    code, text = job_error(admin.enableOutOfBandManagementForHost, hostid=unconfigured["id"])
    assert (code, text) == (530, ("Out-of-band management is not configured for the host. Please configure the host "
                                 "before enabling/disabling it."))
    for host in (unconfigured, configured_only):
        code, text = job_error(admin.issueOutOfBandManagementPowerAction, hostid=host["id"], action="STATUS")
        assert (code, text) == (530, ("Out-of-band management is disabled or not configured for the host. Aborting "
                                     "Operation."))


def test_enabling_syncs_the_power_state(admin, configured):
    """enableOutOfBandManagement(host): enabled, power state Disabled until the background STATUS sync (at once in
    the simulator) finds it On; listHosts filters on both."""
    assert {h["outofbandmanagement"]["powerstate"] for h in configured} == {"On"}
    zone_id = configured[0]["zoneid"]
    assert len(admin.listHosts(zoneid=zone_id, outofbandmanagementenabled=True)["host"]) == len(configured)
    status = admin.issueOutOfBandManagementPowerAction(hostid=configured[0]["id"], action="STATUS",
                                                       fetch_result=True)["outofbandmanagement"]
    assert (status["action"], status["powerstate"], status["description"]) == ("STATUS", "On", "Chassis Power is on")


def test_the_action_is_an_upper_case_enum(admin, configured):
    """IssueOutOfBandManagementPowerActionCmd.execute: PowerOperation.valueOf (an IllegalArgumentException in the
    job: 530)."""
    code, text = job_error(admin.issueOutOfBandManagementPowerAction, hostid=configured[0]["id"], action="off")
    assert (code, text) == (530, ("No enum constant org.apache.cloudstack.outofbandmanagement.OutOfBandManagement."
                                 "PowerOperation.off"))


def test_zone_and_cluster_switches_come_first(admin, configured):
    """checkOutOfBandManagementEnabledByZoneClusterHost: the zone's, then the cluster's outOfBandManagementEnabled
    detail; disabling a zone also puts its hosts' power state to Disabled."""
    host = configured[0]
    admin.disableOutOfBandManagementForZone(zoneid=host["zoneid"], fetch_result=True)
    try:
        code, text = job_error(admin.issueOutOfBandManagementPowerAction, hostid=host["id"], action="STATUS")
        assert (code, text) == (530, "Out-of-band management is disabled for the host's zone. Aborting Operation.")
        assert admin.listHosts(id=host["id"])["host"][0]["outofbandmanagement"]["powerstate"] == "Disabled"
        zone = admin.listZones(id=host["zoneid"])["zone"][0]
        assert zone["resourcedetails"]["outOfBandManagementEnabled"] == "false"
    finally:
        admin.enableOutOfBandManagementForZone(zoneid=host["zoneid"], fetch_result=True)
    admin.disableOutOfBandManagementForCluster(clusterid=host["clusterid"], fetch_result=True)
    try:
        code, text = job_error(admin.issueOutOfBandManagementPowerAction, hostid=host["id"], action="STATUS")
        assert text == "Out-of-band management is disabled for the host's cluster. Aborting Operation."
    finally:
        admin.enableOutOfBandManagementForCluster(clusterid=host["clusterid"], fetch_result=True)


def test_power_off_stops_the_hosts_vms_and_power_on_brings_it_back(admin, configured):
    """executePowerOperation OFF: the driver powers the machine off; the answer carries the power state the
    database held (only STATUS updates it; the background sync then finds it Off). The host goes Down and its VMs
    Stopped (HighAvailabilityManagerImpl.scheduleRestartForVmsOnHost, no HA restart); ON brings the host Up."""
    vm, host = host_of(admin, "acme-plain-1")
    off = admin.issueOutOfBandManagementPowerAction(hostid=host["id"], action="OFF",
                                                    fetch_result=True)["outofbandmanagement"]
    assert (off["action"], off["powerstate"], off["description"]) == ("OFF", "On", "Chassis Power Control: Down/Off")
    after = admin.listHosts(id=host["id"])["host"][0]
    assert (after["state"], after["outofbandmanagement"]["powerstate"]) == ("Down", "Off")
    stopped = admin.listVirtualMachines(id=vm["id"], listall=True)["virtualmachine"][0]
    assert stopped["state"] == "Stopped" and "hostid" not in stopped
    events = admin.listEvents(type="HOST.OOBM.ACTION")["event"]
    assert events[0]["description"].endswith(" Action: OFF")
    on = admin.issueOutOfBandManagementPowerAction(hostid=host["id"], action="ON", fetch_result=True)
    assert on["outofbandmanagement"]["powerstate"] == "Off"
    assert admin.listHosts(id=host["id"])["host"][0]["state"] == "Up"


def test_a_fenced_host_stays_down_when_its_zone_comes_back(server, admin, configured):
    """A host powered off through its BMC while its zone is failed (the BMCs stay reachable) stays Down when the
    zone recovers; an unreachable BMC fails the action with the driver's error."""
    host = configured[1]
    server.ctl("fail-zone", zone="zone-a")
    try:
        admin.issueOutOfBandManagementPowerAction(hostid=host["id"], action="OFF", fetch_result=True)
    finally:
        server.ctl("recover-zone", zone="zone-a")
    states = {h["id"]: h["state"] for h in hosts(admin)}
    assert states[host["id"]] == "Down" and states[configured[0]["id"]] == "Up"
    server.ctl("bmc", host=host["name"], reachable="false")
    try:
        code, text = job_error(admin.issueOutOfBandManagementPowerAction, hostid=host["id"], action="ON")
        assert code == 530 and text.startswith('Out-of-band Management action [ON] on Host {"id":')
        assert text.endswith("failed with error: Error: Unable to establish IPMI v2 / RMCP+ session")
    finally:
        server.ctl("bmc", host=host["name"], reachable="true")
    admin.issueOutOfBandManagementPowerAction(hostid=host["id"], action="ON", fetch_result=True)
    assert admin.listHosts(id=host["id"])["host"][0]["state"] == "Up"
