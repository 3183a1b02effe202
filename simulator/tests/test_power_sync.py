"""Conformance: what a host that reconnects after its zone was lost reports, and what CloudStack makes of it; why a
VM without its ROOT volume cannot start.

Each test's docstring names the Java class and method whose rule it checks (apache/cloudstack, read at
4.21.0.0-SNAPSHOT; docs/design/fencing.md has the reading); simulator/rules/vm.md lists the rules.
"""

from .test_infra_storage import job_error
from .test_vm import ids, network_id, one

SYNC_ALERT = 27


def deploy(api, name):
    return api.deployVirtualMachine(name=name, networkids=network_id(api, "acme-web"), fetch_result=True,
                                    **ids(api))["virtualmachine"]


def sync_alerts(admin):
    return [a for a in admin.listAlerts(type=SYNC_ALERT).get("alert", []) if a["type"] == SYNC_ALERT]


def test_a_vm_force_stopped_while_its_host_was_lost_comes_back_running(server, admin, acme):
    """VirtualMachineManagerImpl.handlePowerOnReportWithNoPendingJobsOnVM (case Stopped): the reconnected host
    reports the domain PowerOn, the VM follows (FollowAgentPowerOnReport) to Running on that host, an
    ALERT_TYPE_SYNC alert "VM state sync alert" is sent and a VM.START event "Out of band VM power on" recorded.
    Whatever its zone's and host's allocation state (VirtualMachinePowerStateSyncImpl checks neither)."""
    vm = deploy(acme, "acme-resurrect")
    host = one(admin, "acme-resurrect")["hostid"]
    server.ctl("fail-zone", zone="zone-a")
    acme.stopVirtualMachine(id=vm["id"], forced=True, fetch_result=True)
    zone_id = ids(admin)["zoneid"]
    admin.updateZone(id=zone_id, allocationstate="Disabled")
    admin.updateHost(id=host, allocationstate="Disable")
    try:
        back = server.ctl("recover-zone", zone="zone-a")
        now = one(acme, "acme-resurrect")
        assert "acme-resurrect" in back["resynced"]
        assert now["state"] == "Running" and one(admin, "acme-resurrect")["hostid"] == host
        assert [a["description"] for a in sync_alerts(admin)][-1:] == ["VM state sync alert"]
        events = admin.listEvents(type="VM.START", listall=True, page=1, pagesize=500)["event"]
        assert any(e["description"] == "Out of band VM power on" and e["account"] == "system" for e in events)
    finally:
        admin.updateZone(id=zone_id, allocationstate="Enabled")
        admin.updateHost(id=host, allocationstate="Enable")
        admin.destroyVirtualMachine(id=vm["id"], expunge=True, fetch_result=True)


def test_a_vm_stopped_before_the_loss_stays_stopped(server, admin, acme):
    """VirtualMachineManagerImpl.sendStop: a stop that reached the host leaves nothing running there, so the host's
    report (KVM reports only PowerOn domains: LibvirtComputingResource.getHostVmStateReport) does not name it."""
    vm = deploy(acme, "acme-stopped-first")
    acme.stopVirtualMachine(id=vm["id"], fetch_result=True)
    server.ctl("fail-zone", zone="zone-a")
    back = server.ctl("recover-zone", zone="zone-a")
    assert "acme-stopped-first" not in back["resynced"] and one(acme, "acme-stopped-first")["state"] == "Stopped"
    admin.destroyVirtualMachine(id=vm["id"], expunge=True, fetch_result=True)


def test_a_host_powered_off_out_of_band_resurrects_nothing(server, admin, acme):
    """OutOfBandManagementServiceImpl.executePowerOperation (OFF) works while the host is Down (no agent involved);
    the machine is off, so its domains are gone and, when the zone comes back, it stays Down and reports nothing."""
    vm = deploy(acme, "acme-fenced")
    host = one(admin, "acme-fenced")["hostid"]
    server.ctl("fail-zone", zone="zone-a")
    acme.stopVirtualMachine(id=vm["id"], forced=True, fetch_result=True)
    admin.issueOutOfBandManagementPowerAction(hostid=host, action="OFF", fetch_result=True)
    assert admin.listHosts(id=host)["host"][0]["outofbandmanagement"]["powerstate"] == "Off"
    try:
        back = server.ctl("recover-zone", zone="zone-a")
        assert "acme-fenced" not in back["resynced"] and one(acme, "acme-fenced")["state"] == "Stopped"
        assert admin.listHosts(id=host)["host"][0]["state"] == "Down"
    finally:
        admin.issueOutOfBandManagementPowerAction(hostid=host, action="ON", fetch_result=True)
        admin.destroyVirtualMachine(id=vm["id"], expunge=True, fetch_result=True)


def test_a_destroyed_vm_is_not_resurrected(server, admin, acme):
    """VirtualMachineManagerImpl.handlePowerOnReportWithNoPendingJobsOnVM: a PowerOn report for a Destroyed or
    Expunging VM is only logged ("Receive power on report when VM is in destroyed or expunging state")."""
    vm = deploy(acme, "acme-destroyed")
    server.ctl("fail-zone", zone="zone-a")
    acme.stopVirtualMachine(id=vm["id"], forced=True, fetch_result=True)
    acme.destroyVirtualMachine(id=vm["id"], fetch_result=True)
    back = server.ctl("recover-zone", zone="zone-a")
    assert "acme-destroyed" not in back["resynced"]
    assert one(admin, "acme-destroyed")["state"] == "Destroyed"
    admin.expungeVirtualMachine(id=vm["id"], fetch_result=True)


def test_a_vm_without_its_root_volume_cannot_start(admin, acme):
    """DeploymentPlanningManagerImpl.findSuitablePoolsForVolumes: once the planner has a host, a VM with no usable
    volume, or with volumes but no ROOT, is refused (CloudRuntimeException, 530), a root admin's start as well as
    its owner's."""
    vm = deploy(acme, "acme-rootless")
    acme.stopVirtualMachine(id=vm["id"], fetch_result=True)
    root = admin.listVolumes(virtualmachineid=vm["id"], type="ROOT", listall=True)["volume"][0]
    admin.detachVolume(id=root["id"], fetch_result=True)
    offering = admin.listDiskOfferings()["diskoffering"][0]
    data = acme.createVolume(name="acme-rootless-data", diskofferingid=offering["id"], zoneid=vm["zoneid"],
                             fetch_result=True)["volume"]
    for api in (acme, admin):
        code, text = job_error(api.startVirtualMachine, id=vm["id"])
        assert (code, text) == (530, f"Unable to create deployment, no usable volumes found for the VM: {vm['id']}")
    acme.attachVolume(id=data["id"], virtualmachineid=vm["id"], fetch_result=True)
    for api in (acme, admin):
        code, text = job_error(api.startVirtualMachine, id=vm["id"])
        assert (code, text) == (530, f"Unable to deploy VM [{vm['id']}] because the ROOT volume is missing.")
    assert one(acme, "acme-rootless")["state"] == "Stopped"
    admin.attachVolume(id=root["id"], virtualmachineid=vm["id"], deviceid=0, fetch_result=True)  # ROOT again
    assert acme.startVirtualMachine(id=vm["id"], fetch_result=True)["virtualmachine"]["state"] == "Running"
    admin.destroyVirtualMachine(id=vm["id"], expunge=True, fetch_result=True)
