"""The VM lifecycle through the real `cs` client on the demo seed: metadata-only recovery VMs,
visibility, reserved IPs, capacity, customid, NICs, destroy/recover/expunge, failed zones, the
per-VM job queue and restart persistence."""

import time
import uuid

import pytest

from .conftest import Server
from .network_helpers import network_named
from .test_infra_storage import api_error, job_error


def one(api, name, **params):
    return api.listVirtualMachines(name=name, listall=True, **params)["virtualmachine"][0]


def ids(api):
    zone = api.listZones(name="zone-a")["zone"][0]
    return {
        "zoneid": zone["id"],
        "templateid": api.listTemplates(templatefilter="executable", zoneid=zone["id"], name="debian-12")["template"][
            0]["id"],
        "serviceofferingid": api.listServiceOfferings(name="dr-small")["serviceoffering"][0]["id"],
    }


def network_id(api, name):
    return network_named(api, name)["id"]


def memory_allocated(admin):
    return sum(h["memoryallocated"] for h in admin.listHosts(zoneid=ids(admin)["zoneid"])["host"])


def test_demo_vms_run_with_files_and_rules(admin, server):
    web = one(admin, "acme-web-1")
    assert web["state"] == "Running" and web["hostid"] and web["account"] == "acme"
    vols = admin.listVolumes(virtualmachineid=web["id"], listall=True)["volume"]
    assert {v["type"]: v["state"] for v in vols} == {"ROOT": "Ready", "DATADISK": "Ready"}
    root = next(v for v in vols if v["type"] == "ROOT")
    assert server.ctl("read-marker", volume=root["id"])["marker"] == "acme-web-1:ROOT"
    assert admin.listNetworks(id=web["nic"][0]["networkid"], listall=True)["network"][0]["state"] == "Implemented"


def test_tenant_view_hides_host(acme):
    web = one(acme, "acme-web-1")
    assert "hostid" not in web and "hostname" not in web and "instancename" not in web
    assert "userdata" not in web


def test_recovery_vm_is_metadata_only_and_hidden_from_the_tenant(admin, acme):
    before = memory_allocated(admin)
    vm = admin.deployVirtualMachine(name="acme-web-1-dr", account="acme", domainid=one(admin, "acme-web-1")[
        "domainid"], networkids=network_id(admin, "acme-web"), startvm=False, displayvm=False,
        fetch_result=True, **ids(admin))["virtualmachine"]
    assert vm["state"] == "Stopped" and "hostid" not in vm and vm["displayvm"] is False
    # VolumeOrchestrator.allocateTemplatedVolume: the ROOT takes the VM's display flag, so it is hidden too
    assert admin.listVolumes(virtualmachineid=vm["id"], listall=True) == {}
    [root] = admin.listVolumes(virtualmachineid=vm["id"], listall=True, displayvolume=False)["volume"]
    assert root["state"] == "Allocated" and "path" not in root and "storageid" not in root
    assert memory_allocated(admin) == before
    assert acme.listVirtualMachines(name="acme-web-1-dr") == {}
    # QueryManagerImpl.searchForUserVMs: hidden VMs are listed only when a root admin asks for them
    assert admin.listVirtualMachines(name="acme-web-1-dr", listall=True) == {}
    assert admin.listVirtualMachines(name="acme-web-1-dr", listall=True, displayvm=False)["virtualmachine"][0][
        "id"] == vm["id"]
    # only the list commands hide it: its owner still operates it by id (UserVmManagerImpl has no display check)
    assert acme.getVirtualMachineUserData(virtualmachineid=vm["id"])["virtualmachineuserdata"]["virtualmachineid"] == \
        vm["id"]


def test_tenant_cannot_hide_its_vm(admin, acme):
    vm = acme.deployVirtualMachine(name="acme-shown", networkids=network_id(acme, "acme-web"), startvm=False,
                                   displayvm=False, fetch_result=True, **ids(acme))["virtualmachine"]
    assert one(acme, "acme-shown")["id"] == vm["id"]
    # UserVmResponse.displayVm is @Param(authorized = Admin): answered to root admins only
    assert "displayvm" not in vm and one(admin, "acme-shown")["displayvm"] is True


def test_iptonetworklist_reserves_the_ip(acme):
    net = network_id(acme, "acme-web")
    vm = acme.deployVirtualMachine(name="acme-fixed-ip", iptonetworklist=[{"networkid": net, "ip": "10.1.1.77"}],
                                   startvm=False, fetch_result=True, **ids(acme))["virtualmachine"]
    assert vm["nic"][0]["ipaddress"] == "10.1.1.77" and vm["nic"][0]["isdefault"] is True
    status, error = api_error(acme.deployVirtualMachine, name="acme-ip-clash", networkids=net,
                              ipaddress="10.1.1.77", startvm=False, **ids(acme))
    # VirtualMachineManagerImpl.allocate: the VM is left in Error; a tenant gets the generic text of a 530
    assert (status, error["errortext"]) == (530, ("Internal error executing command, please contact your system "
                                                 "administrator"))
    assert acme.listVirtualMachines(name="acme-ip-clash")["virtualmachine"][0]["state"] == "Error"


def test_duplicate_hostname_in_network_is_refused(acme):
    status, error = api_error(acme.deployVirtualMachine, name="acme-web-1", networkids=network_id(acme, "acme-web"),
                              startvm=False, **ids(acme))
    assert status == 431
    assert error["errortext"].startswith("The vm with hostName acme-web-1 already exists in the network domain")


def test_start_and_stop_change_state_host_and_capacity(admin, acme):
    vm = acme.deployVirtualMachine(name="acme-cycle", networkids=network_id(acme, "acme-web"), startvm=False,
                                   fetch_result=True, **ids(acme))["virtualmachine"]
    before = memory_allocated(admin)
    started = acme.startVirtualMachine(id=vm["id"], fetch_result=True)["virtualmachine"]
    assert started["state"] == "Running" and memory_allocated(admin) == before + 512 * 1024 ** 2
    assert admin.listVolumes(virtualmachineid=vm["id"], listall=True)["volume"][0]["state"] == "Ready"
    stopped = acme.stopVirtualMachine(id=vm["id"], fetch_result=True)["virtualmachine"]
    assert stopped["state"] == "Stopped" and memory_allocated(admin) == before
    types = [e["type"] for e in acme.listEvents(keyword=vm["id"])["event"]]
    assert {"VM.CREATE", "VM.START", "VM.STOP"} <= set(types)


def test_capacity_exhaustion_fails_with_533(admin, acme):
    domain = acme.listAccounts()["account"][0]["domainid"]  # memory limits (40/80 GiB) raised, as an operator would
    admin.updateResourceLimit(domainid=domain, resourcetype=9, max=-1)
    admin.updateResourceLimit(account="acme", domainid=domain, resourcetype=9, max=-1)
    huge = admin.createServiceOffering(name="huge", displaytext="huge", cpunumber=1, cpuspeed=1000,
                                       memory=400 * 1024)["serviceoffering"]
    params = dict(ids(acme), serviceofferingid=huge["id"], networkids=network_id(acme, "acme-web"))
    placed = [acme.deployVirtualMachine(name=f"acme-huge-{i}", fetch_result=True, **params)["virtualmachine"]
              for i in (1, 2)]
    assert {vm["state"] for vm in placed} == {"Running"}
    code, text = job_error(acme.deployVirtualMachine, name="acme-huge-3", **params)
    assert code == 533 and text.startswith("No destination found for a deployment for VM instance")
    assert one(acme, "acme-huge-3")["state"] == "Error"
    for vm in placed:
        acme.destroyVirtualMachine(id=vm["id"], fetch_result=True)


def test_customid_is_root_only_and_unique(admin, acme):
    vm = acme.deployVirtualMachine(name="acme-custom", networkids=network_id(acme, "acme-web"), startvm=False,
                                   fetch_result=True, **ids(acme))["virtualmachine"]
    ignored = acme.updateVirtualMachine(id=vm["id"], customid=str(uuid.uuid4()), displayname="renamed")
    assert ignored["virtualmachine"]["id"] == vm["id"]  # CloudStack drops unauthorized parameters
    new_id = str(uuid.uuid4())
    changed = admin.updateVirtualMachine(id=vm["id"], customid=new_id)["virtualmachine"]
    assert changed["id"] == new_id and changed["displayname"] == "renamed"
    assert admin.listVolumes(virtualmachineid=new_id, listall=True)["count"] == 1
    taken = one(admin, "acme-web-1")["id"]
    status, error = api_error(admin.updateVirtualMachine, id=new_id, customid=taken)
    assert (status, error["errortext"]) == (431, f"UUID: {taken} already exists so can't create/update with custom id")


def test_nics_can_be_added_and_removed(acme):
    extra = acme.createNetwork(name="acme-extra", zoneid=ids(acme)["zoneid"], gateway="10.9.9.1",
                               netmask="255.255.255.0", networkofferingid=acme.listNetworkOfferings(
                                   name="DefaultIsolatedNetworkOfferingWithSourceNatService")["networkoffering"][0][
                                   "id"])["network"]
    vm = one(acme, "acme-plain-1")
    added = acme.addNicToVirtualMachine(virtualmachineid=vm["id"], networkid=extra["id"], ipaddress="10.9.9.9",
                                        fetch_result=True)["virtualmachine"]
    nic = next(n for n in added["nic"] if n["networkid"] == extra["id"])
    assert nic["ipaddress"] == "10.9.9.9" and nic["isdefault"] is False
    assert acme.listNetworks(id=extra["id"])["network"][0]["state"] == "Implemented"  # the VM runs
    default = next(n for n in added["nic"] if n["isdefault"])
    code, text = job_error(acme.removeNicFromVirtualMachine, virtualmachineid=vm["id"], nicid=default["id"])
    assert code == 431 and text.endswith("nic is default.")
    left = acme.removeNicFromVirtualMachine(virtualmachineid=vm["id"], nicid=nic["id"],
                                            fetch_result=True)["virtualmachine"]
    assert [n["networkid"] for n in left["nic"]] == [default["networkid"]]
    types = {e["type"] for e in acme.listEvents()["event"]}
    assert {"NIC.CREATE", "NIC.DELETE"} <= types


def test_destroy_recover_expunge(admin, acme):
    disk = acme.listDiskOfferings(name="data-5g")["diskoffering"][0]
    vm = acme.deployVirtualMachine(name="acme-doomed", networkids=network_id(acme, "acme-web"),
                                   diskofferingid=disk["id"], fetch_result=True, **ids(acme))["virtualmachine"]
    code, text = job_error(acme.destroyVirtualMachine, id=vm["id"], expunge=True)
    assert (code, text) == (530, "Account does not have permission for expunging.")  # allow.user.expunge.recover.vm
    acme.destroyVirtualMachine(id=vm["id"], fetch_result=True)
    assert acme.listVirtualMachines(id=vm["id"]) == {}  # tenants do not see destroyed VMs
    assert one(admin, "acme-doomed")["state"] == "Destroyed"
    vols = admin.listVolumes(account="acme", domainid=vm["domainid"], listall=True)["volume"]
    root = next(v for v in vols if v.get("virtualmachineid") == vm["id"])
    assert (root["type"], root["state"]) == ("ROOT", "Ready")  # destroy.root.volume.on.vm.destruction is false
    assert any(v["name"].startswith("DATA-") and "virtualmachineid" not in v and v["state"] == "Ready"
               for v in vols)  # the data disk is detached, not destroyed
    assert admin.recoverVirtualMachine(id=vm["id"])["virtualmachine"]["state"] == "Stopped"
    assert admin.listVolumes(id=root["id"], listall=True)["volume"][0]["state"] == "Ready"
    admin.destroyVirtualMachine(id=vm["id"], expunge=True, fetch_result=True)
    assert admin.listVirtualMachines(id=vm["id"], listall=True) == {}
    types = {e["type"] for e in admin.listEvents(account="acme", domainid=vm["domainid"])["event"]}
    assert {"VM.DESTROY", "VM.RECOVER", "VM.EXPUNGE"} <= types


def test_forced_stop_works_in_a_failed_zone(server, acme):
    vm = acme.deployVirtualMachine(name="acme-zonefail", networkids=network_id(acme, "acme-web"), fetch_result=True,
                                   **ids(acme))["virtualmachine"]
    server.ctl("fail-zone", zone="zone-a")
    try:
        code, text = job_error(acme.stopVirtualMachine, id=vm["id"])
        assert code == 530 and text.startswith("Unable to stop VM instance")
        assert one(acme, "acme-zonefail")["state"] == "Running"
        stopped = acme.stopVirtualMachine(id=vm["id"], forced=True, fetch_result=True)["virtualmachine"]
        assert stopped["state"] == "Stopped"
        code, text = job_error(acme.startVirtualMachine, id=vm["id"])
        assert code == 533 and text.startswith("Unable to create a deployment for VM instance")  # its ROOT is Ready
    finally:
        back = server.ctl("recover-zone", zone="zone-a")
    # the forced stop never reached the host: its first power report turns the VM Running (test_power_sync.py)
    assert "acme-zonefail" in back["resynced"] and one(acme, "acme-zonefail")["state"] == "Running"


def test_user_data_is_only_answered_by_its_own_command(acme):
    data = "I2Nsb3VkLWNvbmZpZwo="
    vm = acme.deployVirtualMachine(name="acme-ud", networkids=network_id(acme, "acme-web"), userdata=data,
                                   startvm=False, fetch_result=True, **ids(acme))["virtualmachine"]
    assert "userdata" not in vm
    answer = acme.getVirtualMachineUserData(virtualmachineid=vm["id"])["virtualmachineuserdata"]
    assert answer == {"virtualmachineid": vm["id"], "userdata": data}
    status, error = api_error(acme.deployVirtualMachine, name="acme-bad-ud", networkids=network_id(acme, "acme-web"),
                              userdata="not base64!", startvm=False, **ids(acme))
    assert (status, error["errortext"]) == (431, "User data is not base64 encoded.")


@pytest.fixture(scope="module")
def slow(tmp_path_factory):
    srv = Server(tmp_path_factory.mktemp("slow"), job_latency=0.4).start()
    yield srv
    srv.stop()
    assert not srv.violations, "answers that break the spec:\n" + "\n".join(srv.violations)


def test_jobs_on_one_vm_run_one_after_another(slow):
    api = slow.client("acme")
    vm = one(api, "acme-plain-1")
    stop = api.stopVirtualMachine(id=vm["id"])
    start = api.startVirtualMachine(id=vm["id"])
    for job in (stop, start):
        api.queryAsyncJobResult(jobid=job["jobid"])
    deadline = time.monotonic() + 10
    log = {}
    while time.monotonic() < deadline and not all(log.get(j["jobid"], {}).get("ended") for j in (stop, start)):
        log = {j["jobid"]: j for j in slow.ctl("joblog")}
        time.sleep(0.1)
    first, second = log[stop["jobid"]], log[start["jobid"]]
    assert first["status"] == second["status"] == 1
    assert second["started"] >= first["ended"]  # the VM's work queue serialises them


def test_restart_keeps_vms_and_fails_jobs_in_flight(slow):
    api = slow.client("acme")
    vm = one(api, "acme-web-1")
    job = api.rebootVirtualMachine(id=vm["id"])
    slow.restart()
    api = slow.client("acme")
    assert one(api, "acme-web-1")["id"] == vm["id"]
    result = api.queryAsyncJobResult(jobid=job["jobid"])
    assert result["jobstatus"] == 2
    # AsyncJobManagerImpl.cleanupPendingJobs at start
    assert result["jobresult"]["errortext"] == "job cancelled because of management server restart or shutdown"
