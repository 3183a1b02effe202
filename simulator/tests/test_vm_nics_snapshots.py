"""Conformance: a VM's NICs (add, remove, default, listNics), VM snapshots and backup offerings as Apache
CloudStack 4.20 answers them (simulator/rules/vm.md).

Each test's docstring names the Java class and method whose rule it checks (apache/cloudstack, read at
4.21.0.0-SNAPSHOT).
"""

import re

from .test_infra_storage import api_error, job_error
from .test_vm_rules import deploy, ids

ISOLATED = "DefaultIsolatedNetworkOfferingWithSourceNatService"


def new_network(api, name, octet):
    offering = api.listNetworkOfferings(name=ISOLATED)["networkoffering"][0]["id"]
    return api.createNetwork(name=name, zoneid=ids(api)["zoneid"], gateway=f"10.{octet}.0.1", netmask="255.255.255.0",
                             networkofferingid=offering)["network"]


# -- NICs --------------------------------------------------------------------------------------
def test_nic_checks_are_in_the_job(acme):
    """UserVmManagerImpl.addNicToVirtualMachine / updateDefaultNicForVirtualMachine: their refusals are made in
    the job, and a CloudRuntimeException there is 530 with its message for every caller
    (ApiAsyncJobDispatcher.runJob)."""
    vm = deploy(acme, "acme-nics", startvm=False)
    net = vm["nic"][0]["networkid"]
    code, text = job_error(acme.addNicToVirtualMachine, virtualmachineid=vm["id"], networkid=net)
    assert code == 530 and re.fullmatch(rf"A NIC already exists for VM:i-\d+-\d+-VM in network: {net}", text)
    code, text = job_error(acme.updateDefaultNicForVirtualMachine, virtualmachineid=vm["id"], nicid=vm["nic"][0]["id"])
    assert (code, text) == (530, "refusing to set default nic because chosen nic is already the default")
    code, text = job_error(acme.addNicToVirtualMachine, virtualmachineid=vm["id"],
                           networkid=new_network(acme, "acme-badip", 31)["id"], ipaddress="10.31.0.300")
    assert (code, text) == (431, "Invalid format for IP address parameter: 10.31.0.300")


def test_a_taken_ip_fails_the_nic_job(acme):
    """UserVmManagerImpl.addNicToVirtualMachine wraps the InsufficientCapacityException of an IP that cannot be
    had: "Insufficient capacity when adding NIC to <vm>: <exception>" (530)."""
    net = new_network(acme, "acme-crowded", 32)
    first = deploy(acme, "acme-first", networkids=net["id"], startvm=False)
    second = deploy(acme, "acme-second", startvm=False)
    code, text = job_error(acme.addNicToVirtualMachine, virtualmachineid=second["id"], networkid=net["id"],
                           ipaddress=first["nic"][0]["ipaddress"])
    assert code == 530 and text.startswith("Insufficient capacity when adding NIC to VM instance {")
    assert ("InsufficientVirtualNetworkCapacityException: Unable to acquire Guest IP address for network "
            "Network {") in text


def test_default_nic_change_swaps_device_ids(acme):
    """VirtualMachineManagerImpl.orchestrateUpdateDefaultNicForVM: the new default NIC and the old one swap their
    device ids."""
    vm = deploy(acme, "acme-twonics", startvm=False)
    net = new_network(acme, "acme-second-net", 33)
    added = acme.addNicToVirtualMachine(virtualmachineid=vm["id"], networkid=net["id"],
                                        fetch_result=True)["virtualmachine"]
    extra = next(n for n in added["nic"] if n["networkid"] == net["id"])
    assert extra["deviceid"] == "1"
    after = acme.updateDefaultNicForVirtualMachine(virtualmachineid=vm["id"], nicid=extra["id"],
                                                   fetch_result=True)["virtualmachine"]
    nics = {n["id"]: n for n in after["nic"]}
    assert (nics[extra["id"]]["isdefault"], nics[extra["id"]]["deviceid"]) == (True, "0")


def test_a_nic_with_static_nat_cannot_be_removed(acme):
    """UserVmManagerImpl.removeNicFromVirtualMachine: RulesManagerImpl.listAssociatedRulesForGuestNic finds the
    static NAT to the NIC's address; the job fails 431 and the NIC and its NAT stay."""
    vm = acme.listVirtualMachines(name="acme-plain-1")["virtualmachine"][0]
    net = new_network(acme, "acme-natted", 34)
    added = acme.addNicToVirtualMachine(virtualmachineid=vm["id"], networkid=net["id"],
                                        fetch_result=True)["virtualmachine"]
    nic = next(n for n in added["nic"] if n["networkid"] == net["id"])
    acme.associateIpAddress(networkid=net["id"], fetch_result=True)  # the network's source NAT IP
    ip = acme.associateIpAddress(networkid=net["id"], fetch_result=True)["ipaddress"]
    acme.enableStaticNat(ipaddressid=ip["id"], virtualmachineid=vm["id"], networkid=net["id"])
    code, text = job_error(acme.removeNicFromVirtualMachine, virtualmachineid=vm["id"], nicid=nic["id"])
    assert code == 431 and text.startswith("Unable to remove nic from VM instance {")
    assert text.endswith(", nic has associated Port forwarding or Load balancer or Static NAT rules.")
    assert acme.listPublicIpAddresses(id=ip["id"])["publicipaddress"][0]["isstaticnat"] is True
    acme.disableStaticNat(ipaddressid=ip["id"], fetch_result=True)
    left = acme.removeNicFromVirtualMachine(virtualmachineid=vm["id"], nicid=nic["id"],
                                            fetch_result=True)["virtualmachine"]
    assert net["id"] not in [n["networkid"] for n in left["nic"]]


def test_list_nics(admin, acme, globex):
    """ListNicsCmd.execute (every exception: 530 with its message) -> NetworkServiceImpl.listNics: a hidden VM
    does not exist for a User; the caller's access; the VM's NICs, by nicid and networkid."""
    vm = deploy(acme, "acme-listed", startvm=False)
    [nic] = acme.listNics(virtualmachineid=vm["id"])["nic"]
    assert (nic["id"], nic["virtualmachineid"], nic["isdefault"], nic["extradhcpoption"]) == (
        vm["nic"][0]["id"], vm["id"], True, [])
    status, error = api_error(globex.listNics, virtualmachineid=vm["id"])
    assert (status, error["errortext"]) == (530, "Caller does not have permission to operate with provided resource.")
    admin.updateVirtualMachine(id=vm["id"], displayvm=False)
    status, error = api_error(acme.listNics, virtualmachineid=vm["id"])
    assert (status, error["errortext"]) == (530, "Virtual machine id does not exist")
    assert admin.listNics(virtualmachineid=vm["id"])["count"] == 1
    status, error = api_error(acme.listNics)
    assert (status, error["errortext"]) == (431, ("Unable to execute API command listnics due to missing parameter "
                                                 "virtualmachineid"))


# -- VM snapshots ------------------------------------------------------------------------------
def test_vm_snapshot_refusals_answer_the_call(acme):
    """CreateVMSnapshotCmd.create wraps every CloudRuntimeException of VMSnapshotManagerImpl.allocVMSnapshot
    (InvalidParameterValueExceptions too): 530 "Failed to create vm snapshot: ...". A never-started VM has no
    Ready ROOT; DefaultVMSnapshotStrategy.canHandle: a Running KVM VM only with its memory."""
    never = deploy(acme, "acme-nosnap", startvm=False)
    status, error = api_error(acme.createVMSnapshot, virtualmachineid=never["id"])
    assert (status, error["errortext"]) == (530, ("Failed to create vm snapshot: Unable to find root volume for the "
                                                 f"user vm:{never['id']}"))
    running = deploy(acme, "acme-snaprun")
    status, error = api_error(acme.createVMSnapshot, virtualmachineid=running["id"])
    assert (status, error["errortext"]) == (530, ("Failed to create vm snapshot: Creating a snapshot of a running KVM "
                                                 "instance without memory is not supported"))


def test_vm_snapshots_chain_and_block_nic_changes(acme):
    """VMSnapshotManagerImpl.allocVMSnapshot/createVMSnapshot: a Stopped VM whose volumes are Ready is snapshotted
    (<instancename>_VS_<timestamp>, Disk); DefaultVMSnapshotStrategy: the newest is current and the parent of the
    next; a duplicate display name is refused. UserVmManagerImpl refuses NIC changes on a VM with VM snapshots;
    finalizeDelete makes the parent current again."""
    vm = deploy(acme, "acme-snapped")
    acme.stopVirtualMachine(id=vm["id"], fetch_result=True)
    first = acme.createVMSnapshot(virtualmachineid=vm["id"], name="before", fetch_result=True)["vmsnapshot"]
    assert (first["state"], first["type"], first["current"]) == ("Ready", "Disk", True)
    assert re.fullmatch(r"i-\d+-\d+-VM_VS_\d{14}", first["name"]) and first["displayname"] == "before"
    status, error = api_error(acme.createVMSnapshot, virtualmachineid=vm["id"], name="before")
    assert (status, error["errortext"]) == (530, ("Failed to create vm snapshot: Creating VM snapshot failed due to VM "
                                                 "snapshot with namebefore  already exists"))
    second = acme.createVMSnapshot(virtualmachineid=vm["id"], name="after", fetch_result=True)["vmsnapshot"]
    assert (second["parent"], second["parentName"], second["current"]) == (first["id"], "before", True)
    listed = acme.listVMSnapshot(virtualmachineid=vm["id"])["vmSnapshot"]
    assert [s["id"] for s in listed] == [second["id"], first["id"]] and listed[1]["current"] is False
    code, text = job_error(acme.addNicToVirtualMachine, virtualmachineid=vm["id"],
                           networkid=new_network(acme, "acme-snapnet", 35)["id"])
    assert (code, text) == (431, "NIC cannot be added to VM with VM Snapshots")
    acme.deleteVMSnapshot(vmsnapshotid=second["id"], fetch_result=True)
    assert acme.listVMSnapshot(vmsnapshotid=first["id"])["vmSnapshot"][0]["current"] is True
    acme.destroyVirtualMachine(id=vm["id"], fetch_result=True)  # VirtualMachineManagerImpl.destroy deletes them
    assert acme.listVMSnapshot(virtualmachineid=vm["id"]) == {}


def test_vm_snapshot_limit(admin, acme):
    """VMSnapshotManagerImpl.allocVMSnapshot: at most vmsnapshot.max VM snapshots per VM."""
    vm = deploy(acme, "acme-snaplimit")
    acme.stopVirtualMachine(id=vm["id"], fetch_result=True)
    admin.updateConfiguration(name="vmsnapshot.max", value="1")
    try:
        acme.createVMSnapshot(virtualmachineid=vm["id"], fetch_result=True)
        status, error = api_error(acme.createVMSnapshot, virtualmachineid=vm["id"], name="one-too-many")
    finally:
        admin.updateConfiguration(name="vmsnapshot.max", value="10")
    assert (status, error["errortext"]) == (530, ("Failed to create vm snapshot: Creating vm snapshot failed due to a "
                                                 "VM can just have : 1 VM snapshots. Please delete old ones"))


# -- backup offerings --------------------------------------------------------------------------
def test_backup_commands_exist_only_with_the_framework(admin, acme):
    """BackupManagerImpl.getCommands registers nothing while backup.framework.enabled is false: ApiServer answers
    the root admin "Unknown API command", DynamicRoleBasedAPIAccessChecker.checkAccess refuses others (432), and
    listApis does not list them."""
    status, error = api_error(admin.listBackupOfferings)
    assert (status, error["errortext"]) == (432, "Unknown API command: listBackupOfferings")
    assert "listBackupOfferings" not in [a["name"] for a in admin.listApis()["api"]]
    user = acme.listUsers(account="acme")["user"][0]
    status, error = api_error(acme.listBackupOfferings)
    assert (status, error["errortext"]) == (432, ("The API [listBackupOfferings] does not exist or is not available "
                                                 f"for the account for user id [{user['id']}]."))


def test_backup_offering_assignment(admin, acme):
    """BackupManagerImpl.importBackupOffering / listBackupOfferings / assignVMToBackupOffering /
    removeVMFromBackupOffering (their commands answer every failure 530 with its message): users list only
    offerings allowing user-driven backups; a VM is assigned once and answers backupofferingid/name
    (UserVmJoinDaoImpl); the dummy provider deletes backups on removal, so `forced` is required."""
    admin.updateConfiguration(name="backup.framework.enabled", value="true")
    try:
        zone = ids(admin)["zoneid"]
        gold = admin.importBackupOffering(name="gold", description="Gold", externalid="gold-policy", zoneid=zone,
                                          allowuserdrivenbackups=True, fetch_result=True)["backupoffering"]
        admin.importBackupOffering(name="silver", description="Silver", externalid="silver-policy", zoneid=zone,
                                   allowuserdrivenbackups=False, fetch_result=True)
        assert [o["name"] for o in acme.listBackupOfferings()["backupoffering"]] == ["gold"]
        vm = acme.listVirtualMachines(name="acme-web-1")["virtualmachine"][0]
        acme.assignVirtualMachineToBackupOffering(virtualmachineid=vm["id"], backupofferingid=gold["id"],
                                                  fetch_result=True)
        shown = acme.listVirtualMachines(id=vm["id"])["virtualmachine"][0]
        assert (shown["backupofferingid"], shown["backupofferingname"]) == (gold["id"], "gold")
        code, text = job_error(acme.assignVirtualMachineToBackupOffering, virtualmachineid=vm["id"],
                               backupofferingid=gold["id"])
        assert (code, text) == (530, ("VM already is assigned to a backup offering, please remove the VM from its "
                                     "previous offering"))
        code, text = job_error(acme.removeVirtualMachineFromBackupOffering, virtualmachineid=vm["id"])
        assert code == 530 and "please specify the forced:true option" in text
        acme.removeVirtualMachineFromBackupOffering(virtualmachineid=vm["id"], forced=True, fetch_result=True)
        assert "backupofferingid" not in acme.listVirtualMachines(id=vm["id"])["virtualmachine"][0]
    finally:
        admin.updateConfiguration(name="backup.framework.enabled", value="false")
