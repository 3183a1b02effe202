"""Conformance: the VM commands as Apache CloudStack 4.20 answers them (simulator/rules/vm.md): deploy,
the lifecycle, update, change of offering and listVirtualMachines.

Each test's docstring names the Java class and method whose rule it checks (apache/cloudstack, read at
4.21.0.0-SNAPSHOT).
"""

import re
import uuid

from .network_helpers import network_named
from .test_infra_storage import api_error, job_error

USER_ERROR = "Internal error executing command, please contact your system administrator"


def ids(api, offering="dr-small"):
    zone = api.listZones(name="zone-a")["zone"][0]
    return {"zoneid": zone["id"], "serviceofferingid": api.listServiceOfferings(name=offering)["serviceoffering"][0][
        "id"], "templateid": api.listTemplates(templatefilter="executable", zoneid=zone["id"], name="debian-12")[
        "template"][0]["id"]}


def network_id(api, name):
    return network_named(api, name)["id"]


def deploy(api, name, **params):
    params = {"networkids": network_id(api, "acme-web"), **ids(api), **params}
    return api.deployVirtualMachine(name=name, fetch_result=True, **params)["virtualmachine"]


def as_root(admin, vm_id, **params):
    found = admin.listVirtualMachines(id=vm_id, **params).get("virtualmachine")
    return found[0] if found else None


def acme_owner(admin):
    acct = admin.listAccounts(name="acme", listall=True)["account"][0]
    return {"account": "acme", "domainid": acct["domainid"]}


# -- deployVirtualMachine ----------------------------------------------------------------------
def test_a_taken_ip_leaves_an_error_vm_holding_its_customid(admin, acme):
    """VirtualMachineManagerImpl.allocate: the VM row exists before its NICs; an IP that cannot be had moves it to
    Error and UserVmManagerImpl.getUncheckedUserVmResource wraps the capacity exception (530). UUIDManagerImpl
    .checkUuid then finds its id taken; an Error VM is destroyed to Expunging and can be expunged; a removed VM's
    id fails in the database."""
    taken = deploy(acme, "acme-ipholder", startvm=False)["nic"][0]["ipaddress"]
    custom = str(uuid.uuid4())
    params = dict(acme_owner(admin), networkids=network_id(admin, "acme-web"), ipaddress=taken, startvm=False,
                  customid=custom, **ids(admin))
    status, error = api_error(admin.deployVirtualMachine, name="acme-ipclash", **params)
    assert status == 530
    assert error["errortext"].startswith("com.cloud.exception.InsufficientVirtualNetworkCapacityException: Unable "
                                         "to acquire Guest IP address for network Network {")
    assert re.search(r"\}Scope=interface com\.cloud\.dc\.DataCenter; id=\d+$", error["errortext"])
    assert as_root(admin, custom)["state"] == "Error"
    status, error = api_error(admin.deployVirtualMachine, name="acme-ipclash2", **params)
    assert (status, error["errortext"]) == (431, f"UUID: {custom} already exists so can't create/update with custom id")
    status, error = api_error(acme.deployVirtualMachine, name="acme-ipclash3", ipaddress=taken, startvm=False,
                              networkids=network_id(acme, "acme-web"), **ids(acme))
    assert (status, error["errortext"]) == (530, USER_ERROR)  # a tenant gets the generic text
    assert admin.destroyVirtualMachine(id=custom, fetch_result=True)["virtualmachine"]["state"] == "Expunging"
    assert admin.expungeVirtualMachine(id=custom, fetch_result=True)["success"] is True
    status, error = api_error(admin.deployVirtualMachine, name="acme-ipclash4", **dict(params, ipaddress=None))
    assert status == 530 and error["errortext"].startswith(f"DB Exception on: Duplicate entry '{custom}'")


def test_non_root_customid_and_hostid_are_refused(admin, acme):
    """DeployVMCmd declares customid and hostid without `authorized`: UUIDManagerImpl.checkUuid and
    UserVmManagerImpl.getDestinationHost refuse them from callers that are not root admins (531)."""
    status, error = api_error(acme.deployVirtualMachine, name="acme-custom", customid=str(uuid.uuid4()),
                              startvm=False, networkids=network_id(acme, "acme-web"), **ids(acme))
    assert (status, error["errortext"]) == (531, ("Please check your permissions, you are not allowed to create/update "
                                                 "custom id"))
    host = admin.listHosts(zoneid=ids(admin)["zoneid"])["host"][0]
    status, error = api_error(acme.deployVirtualMachine, name="acme-hosted", hostid=host["id"], startvm=False,
                              networkids=network_id(acme, "acme-web"), **ids(acme))
    assert (status, error["errortext"]) == (531, ("Parameter hostid can only be specified by a Root Admin, permission "
                                                 "denied"))
    assert acme.listVirtualMachines(name="acme-hosted") == {}


def test_deploy_owner(admin, acme):
    """AccountManagerImpl.finalyzeAccountId (DeployVMCmd.getEntityOwnerId): `account` needs `domainid` (431);
    ParamProcessWorker.doAccessChecks: the caller must have access to the owner account (531)."""
    status, error = api_error(acme.deployVirtualMachine, name="acme-owned", account="acme", startvm=False,
                              networkids=network_id(acme, "acme-web"), **ids(acme))
    assert (status, error["errortext"]) == (431, "Account must be specified with domainId parameter")
    globex = admin.listAccounts(name="globex", listall=True)["account"][0]
    status, error = api_error(acme.deployVirtualMachine, name="acme-stolen", account="globex",
                              domainid=globex["domainid"], startvm=False, networkids=network_id(acme, "acme-web"),
                              **ids(acme))
    assert (status, error["errortext"]) == (531, "Caller does not have permission to operate with provided resource.")


def test_host_name_defaults_to_vm_and_its_uuid(acme):
    """UserVmManagerImpl.createVirtualMachine: without `name` the host name is VM-<uuid> (generateHostName); the
    display name is never used for it, so it may hold spaces."""
    vm = acme.deployVirtualMachine(displayname="Acme web server", startvm=False, fetch_result=True,
                                   networkids=network_id(acme, "acme-web"), **ids(acme))["virtualmachine"]
    assert (vm["name"], vm["displayname"]) == (f"VM-{vm['id']}", "Acme web server")


def test_name_is_checked_at_the_parameter_layer(acme):
    """ParamProcessWorker.validateNameForRFCCompliance (ApiArgValidator.RFCComplianceDomainName on `name`)."""
    status, error = api_error(acme.deployVirtualMachine, name="9lives", startvm=False,
                              networkids=network_id(acme, "acme-web"), **ids(acme))
    assert (status, error["errortext"]) == (
        431, ("Unable to execute API command deployvirtualmachine due to invalid value. Invalid value provided for API "
             "arg: name - it can contain ASCII letters 'a' through 'z', the digits '0' through '9', and the hyphen "
             "('-'), must be between 1 and 63 characters long, and can't start or end with \"-\" and can't start "
             "with digit"))


def test_deploy_details_are_literal_and_deployvm_marks_a_never_started_vm(acme):
    """BaseCmd.convertDetailsToMap: every details[i].<name> is a detail of that name (key and value included);
    UserVmManagerImpl.commitUserVm adds deployvm=true, which VirtualMachineManagerImpl.orchestrateStart removes."""
    vm = deploy(acme, "acme-literal", startvm=False, details=[{"key": "foo", "value": "bar"}])
    assert vm["details"] == {"key": "foo", "value": "bar", "deployvm": "true"}
    started = acme.startVirtualMachine(id=vm["id"], fetch_result=True)["virtualmachine"]
    assert "deployvm" not in started["details"]


def test_iptonetworklist_excludes_networkids(acme):
    """DeployVMCmd.getNetworkIds: ipToNetworkMap can't be specified along with networkIds or ipAddress."""
    net = network_id(acme, "acme-web")
    status, error = api_error(acme.deployVirtualMachine, name="acme-both", networkids=net, startvm=False,
                              iptonetworklist=[{"networkid": net, "ip": "10.1.1.90"}], **ids(acme))
    assert (status, error["errortext"]) == (431, ("ipToNetworkMap can't be specified along with networkIds or "
                                                 "ipAddress"))


# -- the lifecycle -----------------------------------------------------------------------------
def test_start_refusals_are_in_the_job(admin, acme):
    """UserVmManagerImpl.startVirtualMachine: already running (431), hostid from a caller other than a root admin
    (PermissionDeniedException: 530 in a job); VirtualMachineManagerImpl.changeToStartState: a Destroyed VM
    (530)."""
    vm = deploy(acme, "acme-starter")
    code, text = job_error(acme.startVirtualMachine, id=vm["id"])
    assert (code, text) == (431, f"The virtual machine {vm['id']} (acme-starter) is already running")
    acme.stopVirtualMachine(id=vm["id"], fetch_result=True)
    host = admin.listHosts(zoneid=ids(admin)["zoneid"])["host"][0]
    code, text = job_error(acme.startVirtualMachine, id=vm["id"], hostid=host["id"])
    assert (code, text) == (530, "Parameter hostid can only be specified by a Root Admin, permission denied")
    acme.destroyVirtualMachine(id=vm["id"], fetch_result=True)
    code, text = job_error(admin.startVirtualMachine, id=vm["id"])
    assert code == 530 and text.startswith("Cannot start VM instance {") and text.endswith("} in Destroyed state")


def test_stop_of_a_destroyed_or_failed_vm_succeeds(admin, acme):
    """VirtualMachineManagerImpl.advanceStop: Destroyed, Expunging and Error VMs are left as they are."""
    vm = deploy(acme, "acme-gone", startvm=False)
    acme.destroyVirtualMachine(id=vm["id"], fetch_result=True)
    assert admin.stopVirtualMachine(id=vm["id"], fetch_result=True)["virtualmachine"]["state"] == "Destroyed"


def test_reboot_of_a_stopped_vm_fails_in_the_job(acme):
    """UserVmManagerImpl.rebootVirtualMachine(RebootVMCmd): only a Running VM (InvalidParameterValueException)."""
    vm = deploy(acme, "acme-sleeper", startvm=False, displayname="Sleeper")
    code, text = job_error(acme.rebootVirtualMachine, id=vm["id"])
    assert (code, text) == (431, f"The VM {vm['id']} (Sleeper) is not running, unable to reboot it")


def test_a_failed_zone(server, admin, acme):
    """VirtualMachineManagerImpl.advanceStop: a host that cannot be reached fails a plain stop (530) and the VM
    stays Running; a forced stop releases it. AgentManagerImpl.send: a reboot cannot reach the agent.
    UserVmManagerImpl.destroyVm stops first, so it fails too. VMEntityManagerImpl.reserveVirtualMachine: no
    destination for a never-started VM (533), which deploy leaves in Error with its volumes destroyed and an
    ALERT.USERVM alert (UserVmManagerImpl.updateVmStateForFailedVmCreation)."""
    running = deploy(acme, "acme-zonedown")
    server.ctl("fail-zone", zone="zone-a")
    try:
        code, text = job_error(acme.stopVirtualMachine, id=running["id"])
        assert code == 530 and text.startswith("Unable to stop VM instance {")
        code, text = job_error(acme.rebootVirtualMachine, id=running["id"])
        assert code == 530 and text.startswith("Resource [Host:") and text.endswith("Unable to find agent ")
        code, text = job_error(acme.destroyVirtualMachine, id=running["id"])
        assert code == 530 and text.startswith("Unable to stop VM instance {")
        assert as_root(admin, running["id"])["state"] == "Running"
        code, text = job_error(acme.deployVirtualMachine, name="acme-nowhere", networkids=network_id(acme, "acme-web"),
                               **ids(acme))
        assert code == 533 and text.startswith("No destination found for a deployment for VM instance {")
        failed = acme.listVirtualMachines(name="acme-nowhere")["virtualmachine"][0]
        assert failed["state"] == "Error"
        vols = admin.listVolumes(virtualmachineid=failed["id"], listall=True)["volume"]
        assert {v["state"] for v in vols} == {"Destroy"}
        assert any(a["type"] == 8 and failed["id"] in a["description"] for a in admin.listAlerts()["alert"])
        assert acme.stopVirtualMachine(id=running["id"], forced=True, fetch_result=True)["virtualmachine"][
            "state"] == "Stopped"
    finally:
        server.ctl("recover-zone", zone="zone-a")


def test_destroy_keeps_the_root_and_destroys_named_data_disks(admin, acme):
    """UserVmManagerImpl.destroyVm: the ROOT keeps its state (destroy.root.volume.on.vm.destruction=false); data
    disks are detached; the volumeids are destroyed (state Destroy, recoverable), not expunged; any other volume
    is refused in the job (checkForUnattachedVolumes)."""
    disk = acme.listDiskOfferings(name="data-5g")["diskoffering"][0]["id"]
    vm = deploy(acme, "acme-doomed2", diskofferingid=disk)
    vols = {v["type"]: v for v in acme.listVolumes(virtualmachineid=vm["id"])["volume"]}
    code, text = job_error(acme.destroyVirtualMachine, id=vm["id"], volumeids=vols["ROOT"]["id"])
    assert code == 431 and text.startswith("The following supplied volumes are not DATADISK attached to the VM: "
                                           "Volume {")
    acme.destroyVirtualMachine(id=vm["id"], volumeids=vols["DATADISK"]["id"], fetch_result=True)
    root, data = (admin.listVolumes(id=vols[t]["id"], listall=True)["volume"][0] for t in ("ROOT", "DATADISK"))
    assert (root["state"], root["virtualmachineid"]) == ("Ready", vm["id"])
    assert data["state"] == "Destroy" and "virtualmachineid" not in data


def test_expunge_refusals_are_in_the_job(admin, acme):
    """UserVmManagerImpl.expungeVm (ExpungeVMCmd: CloudRuntimeExceptions are 530): only a Destroyed, Expunging or
    Error VM, then an admin (allow.user.expunge.recover.vm is false)."""
    vm = deploy(acme, "acme-expungee", startvm=False)
    code, text = job_error(admin.expungeVirtualMachine, id=vm["id"])
    assert (code, text) == (530, "Please destroy vm with specified vmId before expunge")
    acme.destroyVirtualMachine(id=vm["id"], fetch_result=True)
    code, text = job_error(acme.expungeVirtualMachine, id=vm["id"])
    assert (code, text) == (530, ("Expunging a vm can only be done by an Admin. Or when the "
                                 "allow.user.expunge.recover.vm key is set."))


def test_recover_answers_the_full_view(admin, acme):
    """UserVmManagerImpl.recoverVirtualMachine: allowed to users by allow.user.expunge.recover.vm; RecoverVMCmd
    answers ResponseView.Full (instancename) to every caller."""
    vm = deploy(acme, "acme-phoenix", startvm=False)
    acme.destroyVirtualMachine(id=vm["id"], fetch_result=True)
    status, error = api_error(acme.recoverVirtualMachine, id=vm["id"])
    assert (status, error["errortext"]) == (531, ("Recovering a vm can only be done by an Admin. Or when the "
                                                 "allow.user.expunge.recover.vm key is set."))
    admin.updateConfiguration(name="allow.user.expunge.recover.vm", value="true")
    try:
        recovered = acme.recoverVirtualMachine(id=vm["id"])["virtualmachine"]
    finally:
        admin.updateConfiguration(name="allow.user.expunge.recover.vm", value="false")
    assert recovered["state"] == "Stopped" and recovered["instancename"].startswith("i-")
