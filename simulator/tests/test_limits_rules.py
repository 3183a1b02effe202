"""Conformance: resource limits and resource counts, as Apache CloudStack 4.20 keeps and checks them.

Each test's docstring names the Java class and method whose rule it checks (apache/cloudstack, read at
4.21.0.0-SNAPSHOT); simulator/rules/limits.md lists the rules. Most tests act on a fresh account of
domain customers (an admin acting for it with account + domainid), so the demo tenants keep their counts.
"""

import itertools
import re

import cs
import pytest

GIB = 1024 ** 3
USER_VM, PUBLIC_IP, VOLUME, TEMPLATE, NETWORK, VPC, CPU, MEMORY, PRIMARY = 0, 1, 2, 4, 6, 7, 8, 9, 10
NUMBERS = itertools.count(1)


def api_error(call, **params):
    with pytest.raises(cs.CloudStackApiException) as info:
        call(**params)
    return info.value.response.status_code, info.value.error


def job_error(call, **params):
    """The error of an async call's job (the call itself is accepted)."""
    with pytest.raises(cs.CloudStackApiException) as info:
        call(fetch_result=True, **params)
    return info.value.error["errorcode"], info.value.error["errortext"]


def account_text(name, rtype, limit, count, requested, reserved=0):
    """ResourceLimitManagerImpl.checkAccountResourceLimit's message, the internal domain id left as a pattern."""
    return re.escape(f"Maximum amount of resources of Type = '{rtype}', tag = 'null' for Account Name = {name} in "
                     "Domain Id = ") + r"\d+" + re.escape(
        f" is exceeded: Account Resource Limit = {limit}, Current Account Resource Amount = {count}, Current Account "
        f"Resource Reservation = {reserved}, Requested Resource Amount = {requested}.")


@pytest.fixture(scope="module")
def ids(admin):
    zone = admin.listZones(name="zone-a")["zone"][0]
    return {"zone": zone["id"],
            "template": admin.listTemplates(templatefilter="all", name="debian-12")["template"][0]["id"],
            "small": admin.listServiceOfferings(name="dr-small")["serviceoffering"][0]["id"],
            "medium": admin.listServiceOfferings(name="medium")["serviceoffering"][0]["id"],
            "disk": admin.listDiskOfferings(name="data-5g")["diskoffering"][0]["id"],
            "isolated": admin.listNetworkOfferings(name="DefaultIsolatedNetworkOfferingWithSourceNatService")[
                "networkoffering"][0]["id"],
            "customers": admin.listDomains(name="customers")["domain"][0]["id"]}


@pytest.fixture
def tenant(admin, ids):
    """A fresh user account of domain customers with an isolated network in zone-a: the owner params
    (account + domainid) an admin acting for it passes, its network, and a reader of its account fields."""
    name = f"limits-{next(NUMBERS)}"
    admin.createAccount(accounttype=0, username=name, password="pw", firstname=name, lastname="t",
                        email=f"{name}@example.com", domainid=ids["customers"])
    owner = {"account": name, "domainid": ids["customers"]}
    network = admin.createNetwork(name=f"{name}-net", zoneid=ids["zone"], networkofferingid=ids["isolated"],
                                  **owner)["network"]

    class Tenant:
        params, net = owner, network["id"]

        @staticmethod
        def fields():
            return admin.listAccounts(name=name, domainid=ids["customers"])["account"][0]

        @staticmethod
        def deploy(**extra):
            args = dict(zoneid=ids["zone"], templateid=ids["template"], serviceofferingid=ids["small"],
                        networkids=network["id"], startvm=False, **owner)
            args.update(extra)
            return admin.deployVirtualMachine(fetch_result=True, **args)["virtualmachine"]

        @staticmethod
        def limit(rtype, max_):
            return admin.updateResourceLimit(resourcetype=rtype, max=max_, **owner)["resourcelimit"]

    Tenant.name = name
    return Tenant


def totals(fields, *prefixes):
    return {p: fields[f"{p}total"] for p in prefixes}


# -- what counts -----------------------------------------------------------------------------
def test_demo_accounts_answer_their_counts_and_limits(admin):
    """AccountJoinDaoImpl.setResourceLimits on the counts of ResourceLimitManagerImpl.recalculateAccountResourceCount:
    acme's three running VMs (1 core, 512 MB or 1 GB each), four volumes (three 2 GiB ROOTs and a 5 GiB data
    disk), its networks (acme-web and two VPC tiers) and VPC; the default limits max.account.* as strings,
    available = limit - total, primary storage in GiB."""
    acme = admin.listAccounts(name="acme", listall=True)["account"][0]
    assert totals(acme, "vm", "cpu", "memory", "volume", "primarystorage", "network", "vpc") == {
        "vm": 3, "cpu": 3, "memory": 2048, "volume": 4, "primarystorage": 11, "network": 3, "vpc": 1}
    assert (acme["vmlimit"], acme["vmavailable"], acme["volumelimit"], acme["volumeavailable"]) == (
        "20", "17", "20", "16")
    assert (acme["cpulimit"], acme["memorylimit"], acme["primarystoragelimit"], acme["primarystorageavailable"]) == (
        "40", "40960", "200", "189")
    assert acme["vmrunning"] == 3 and acme["vmstopped"] == 0 and acme["iptotal"] == 4


def test_root_admin_accounts_and_the_root_domain_are_unlimited(admin, ids):
    """ResourceLimitManagerImpl.findCorrectResourceLimitForAccount/ForDomain: no limit for root-admin accounts nor
    for ROOT (Resource.UNLIMITED in the answers); updateResourceLimit refuses a limit on them."""
    root_account = admin.listAccounts(name="admin")["account"][0]
    assert root_account["vmlimit"] == root_account["vmavailable"] == "Unlimited"
    root = admin.listDomains(name="ROOT")["domain"][0]
    assert root["vmlimit"] == root["primarystoragelimit"] == "Unlimited"
    customers = admin.listDomains(name="customers")["domain"][0]
    assert customers["vmlimit"] == "40" and customers["primarystoragelimit"] == "400"
    status, error = api_error(admin.updateResourceLimit, account="admin", domainid=root["id"], resourcetype=USER_VM,
                              max=5)
    assert (status, error["errortext"]) == (431, "Only -1 limit is supported for Root Admin accounts")
    status, error = api_error(admin.updateResourceLimit, domainid=root["id"], resourcetype=USER_VM, max=5)
    assert status == 531 and re.fullmatch(r"Cannot update resource limit for ROOT domain \d+, permission denied",
                                          error["errortext"])


def test_never_started_vms_count_and_hidden_ones_do_not(admin, tenant):
    """UserVmManagerImpl.resourceCountIncrement at allocation (resource.count.running.vms.only=false) and
    VolumeOrchestrator.allocateTemplatedVolume: a stopped, never-started VM counts user_vm, cpu, memory, its
    ROOT volume and its size; ResourceLimitManagerImpl.getResourceLimitHostTagsForResourceCountOperation: one
    deployed hidden (displayvm=false) counts nothing; UserVmManagerImpl.updateDisplayVmFlag moves the counts."""
    vm = tenant.deploy()
    assert totals(tenant.fields(), "vm", "cpu", "memory", "volume", "primarystorage") == {
        "vm": 1, "cpu": 1, "memory": 512, "volume": 1, "primarystorage": 2}
    tenant.deploy(displayvm=False)
    assert totals(tenant.fields(), "vm", "volume") == {"vm": 1, "volume": 1}
    admin.updateVirtualMachine(id=vm["id"], displayvm=False)
    assert totals(tenant.fields(), "vm", "cpu", "volume", "primarystorage") == {
        "vm": 0, "cpu": 0, "volume": 0, "primarystorage": 0}
    admin.updateVirtualMachine(id=vm["id"], displayvm=True)
    assert totals(tenant.fields(), "vm", "volume") == {"vm": 1, "volume": 1}


def test_destroy_expunge_and_recover_move_the_counts(admin, tenant):
    """UserVmManagerImpl.destroyVm / expunge / recoverVirtualMachine: a destroyed VM no longer counts user_vm, cpu
    and memory (VMs Destroyed, Error or Expunging are not counted), a recovered one counts again; expunging removes
    its volumes from the counts."""
    vm = tenant.deploy(diskofferingid=tenant_disk(admin))
    assert totals(tenant.fields(), "vm", "volume", "primarystorage") == {"vm": 1, "volume": 2, "primarystorage": 7}
    admin.destroyVirtualMachine(id=vm["id"], fetch_result=True)
    assert totals(tenant.fields(), "vm", "cpu", "memory") == {"vm": 0, "cpu": 0, "memory": 0}
    admin.recoverVirtualMachine(id=vm["id"])
    assert totals(tenant.fields(), "vm", "cpu") == {"vm": 1, "cpu": 1}
    admin.destroyVirtualMachine(id=vm["id"], expunge=True, fetch_result=True)
    fields = tenant.fields()
    assert totals(fields, "vm", "volume", "primarystorage") == {"vm": 0, "volume": 1, "primarystorage": 5}


def test_hiding_a_vm_hides_only_the_volumes_still_attached(admin, tenant, ids):
    """UserVmManagerImpl.updateDisplayVmFlag -> VolumeApiServiceImpl.updateDisplay on the VM's ROOT and DATADISK
    volumes (VolumeDao.findByInstanceAndType): a volume detached before the VM is hidden stays displayed, so it
    still counts; the replicas a failover imports then need room next to it."""
    vm = tenant.deploy(diskofferingid=ids["disk"])
    data = admin.listVolumes(virtualmachineid=vm["id"], type="DATADISK", listall=True)["volume"][0]
    admin.detachVolume(id=data["id"], fetch_result=True)
    admin.updateVirtualMachine(id=vm["id"], displayvm=False)
    assert totals(tenant.fields(), "vm", "volume", "primarystorage") == {"vm": 0, "volume": 1, "primarystorage": 5}


def test_limits_and_counts_survive_a_restart(server, admin, tenant):
    """The resource_limit rows are kept and the counts are those of the objects kept (the simulator rebuilds them
    from its database, as RLM.recalculateAccountResourceCount would)."""
    tenant.deploy()
    tenant.limit(USER_VM, 1)
    server.restart()
    fields = tenant.fields()
    assert (fields["vmtotal"], fields["vmlimit"], fields["volumetotal"]) == (1, "1", 1)
    status, error = api_error(tenant.deploy)
    assert status == 535 and re.fullmatch(account_text(tenant.name, "user_vm", 1, 1, 1), error["errortext"])


def tenant_disk(admin):
    return admin.listDiskOfferings(name="data-5g")["diskoffering"][0]["id"]


# -- deployVirtualMachine ----------------------------------------------------------------------
def test_deploy_over_the_vm_limit_is_refused_with_535(admin, tenant):
    """UserVmManagerImpl.getCheckedUserVmResource (CheckedReservation -> checkResourceLimitWithTag), DeployVMCmd
    .create: sync 535 with ResourceLimitManagerImpl.checkAccountResourceLimit's text, nothing created; a VM deployed
    hidden is checked all the same."""
    tenant.deploy()
    tenant.limit(USER_VM, 1)
    for extra in ({}, {"displayvm": False}):
        status, error = api_error(tenant.deploy, **extra)
        assert status == 535 and error["cserrorcode"] == 9999
        assert re.fullmatch(account_text(tenant.name, "user_vm", 1, 1, 1), error["errortext"]), error["errortext"]
    assert admin.listVirtualMachines(account=tenant.name, domainid=tenant.params["domainid"])["count"] == 1


def test_deploy_checks_cpu_memory_volumes_and_storage_in_order(admin, tenant):
    """UserVmManagerImpl.getCheckedUserVmResource then getUncheckedUserVmResource: user_vm, cpu, memory, the ROOT's
    volume, the data disk's volume (the ROOT's reservation counted), the ROOT's primary storage, the data disk's
    (the ROOT's bytes reserved); storage printed by NumbersUtil.toHumanReadableSize."""
    disk = tenant_disk(admin)
    tenant.limit(CPU, 0)
    status, error = api_error(tenant.deploy)
    assert status == 535 and re.fullmatch(account_text(tenant.name, "cpu", 0, 0, 1), error["errortext"])
    tenant.limit(CPU, -1)
    tenant.limit(VOLUME, 1)
    status, error = api_error(tenant.deploy, diskofferingid=disk)
    assert re.fullmatch(account_text(tenant.name, "volume", 1, 0, 1, reserved=1), error["errortext"])
    tenant.limit(VOLUME, -1)
    tenant.limit(PRIMARY, 6)
    status, error = api_error(tenant.deploy, diskofferingid=disk)
    assert re.fullmatch(account_text(tenant.name, "primary_storage", "(6.00 GB) 6442450944", "(0 bytes) 0",
                                     "(5.00 GB) 5368709120", reserved="(2.00 GB) 2147483648"), error["errortext"])
    assert totals(tenant.fields(), "volume", "primarystorage") == {"volume": 0, "primarystorage": 0}


def test_a_domain_limit_refuses_every_account_below_it(admin, ids):
    """ResourceLimitManagerImpl.checkDomainResourceLimit: each non-ROOT domain up the tree, its count that of every
    account in it and below it, its limit its own or its nearest ancestor's (findCorrectResourceLimitForDomain);
    updateResourceLimit refuses a domain limit above its parent's."""
    parent = admin.createDomain(name="limits-parent", parentdomainid=ids["customers"])["domain"]
    child = admin.createDomain(name="limits-child", parentdomainid=parent["id"])["domain"]
    admin.createAccount(accounttype=0, username="limits-deep", password="pw", firstname="d", lastname="d",
                        email="d@example.com", domainid=child["id"])
    owner = {"account": "limits-deep", "domainid": child["id"]}
    net = admin.createNetwork(name="deep-net", zoneid=ids["zone"], networkofferingid=ids["isolated"], **owner)
    admin.updateResourceLimit(domainid=parent["id"], resourcetype=USER_VM, max=1)
    status, error = api_error(admin.updateResourceLimit, domainid=child["id"], resourcetype=USER_VM, max=2)
    assert status == 431 and re.fullmatch(
        r'Domain Domain \{"id":\d+,"name":"limits-parent","path":"\\/customers\\/limits-parent\\/","uuid":"'
        + parent["id"] + r'"\} has maximum allowed resource limit 1 for user_vm, please specify a value less than '
        r"or equal to 1", error["errortext"]), error["errortext"]
    deploy = dict(zoneid=ids["zone"], templateid=ids["template"], serviceofferingid=ids["small"], startvm=False,
                  networkids=net["network"]["id"], **owner)
    admin.deployVirtualMachine(fetch_result=True, **deploy)
    status, error = api_error(admin.deployVirtualMachine, **deploy)
    assert (status, error["errortext"]) == (535, (
        f"Maximum domain resource limits of Type 'user_vm' for Domain Id = {child['id']} is exceeded: Domain "
        "Resource Limit = 1, Current Domain Resource Amount = 1, Current Resource Reservation = 0, Requested "
        "Resource Amount = 1."))
    listed = admin.listDomains(id=parent["id"])["domain"][0]
    assert (listed["vmtotal"], listed["vmlimit"], listed["vmavailable"]) == (1, "1", "0")
    assert admin.listDomains(id=child["id"])["domain"][0]["vmlimit"] == "1"  # the nearest ancestor's


# -- the other commands that allocate ----------------------------------------------------------
def test_create_volume_over_the_limit_is_refused_with_535(admin, tenant, ids):
    """VolumeApiServiceImpl.allocVolume -> ResourceLimitManagerImpl.checkVolumeResourceLimit: volume, then primary
    storage; sync 535 (ResourceAllocationException, cserrorcode 4370)."""
    tenant.limit(VOLUME, 0)
    status, error = api_error(admin.createVolume, name="v1", zoneid=ids["zone"], diskofferingid=ids["disk"],
                              **tenant.params)
    assert status == 535 and error["cserrorcode"] == 4370
    assert re.fullmatch(account_text(tenant.name, "volume", 0, 0, 1), error["errortext"])
    tenant.limit(VOLUME, -1)
    tenant.limit(PRIMARY, 4)
    status, error = api_error(admin.createVolume, name="v1", zoneid=ids["zone"], diskofferingid=ids["disk"],
                              **tenant.params)
    assert re.fullmatch(account_text(tenant.name, "primary_storage", "(4.00 GB) 4294967296", "(0 bytes) 0",
                                     "(5.00 GB) 5368709120", reserved="(0 bytes) 0"), error["errortext"])
    assert totals(tenant.fields(), "volume", "primarystorage") == {"volume": 0, "primarystorage": 0}


def test_import_volume_over_the_limit_fails_the_job_with_530(admin, tenant, ids):
    """VolumeImportUnmanageManagerImpl.checkResourceLimitForImportVolume: in the job, 530 "VM resource allocation
    error for account: <uuid>. <limit text>"; unmanageVolume and importVolume move the volume counts
    (updateResourceLimitForVolumeImport/Unmanage). A failover's hidden originals do not count, its replicas do."""
    vm = tenant.deploy(diskofferingid=ids["disk"], startvm=True)
    data = admin.listVolumes(virtualmachineid=vm["id"], type="DATADISK", listall=True)["volume"][0]
    admin.detachVolume(id=data["id"], fetch_result=True)
    admin.unmanageVolume(id=data["id"], fetch_result=True)
    assert totals(tenant.fields(), "volume", "primarystorage") == {"volume": 1, "primarystorage": 2}
    tenant.limit(VOLUME, 1)
    code, text = job_error(admin.importVolume, storageid=data["storageid"], path=data["path"], **tenant.params)
    account_id = tenant.fields()["id"]
    assert code == 530 and text.startswith(f"VM resource allocation error for account: {account_id}. ")
    assert re.fullmatch(account_text(tenant.name, "volume", 1, 1, 1), text.split(". ", 1)[1])
    admin.updateVirtualMachine(id=vm["id"], displayvm=False)  # the original kept, hidden
    admin.importVolume(storageid=data["storageid"], path=data["path"], fetch_result=True, **tenant.params)
    assert totals(tenant.fields(), "volume", "primarystorage") == {"volume": 1, "primarystorage": 5}


def test_associate_ip_over_the_limit_fails_the_job(admin, tenant):
    """IpAddressManagerImpl.associateIPToGuestNetwork: the public_ip reservation fails inside the job, wrapped as
    CloudRuntimeException "Failed to associate ip address <ip> to network <network>" (530); the IP is left on no
    network and not counted."""
    admin.associateIpAddress(networkid=tenant.net, fetch_result=True)
    assert tenant.fields()["iptotal"] == 1
    tenant.limit(PUBLIC_IP, 1)
    code, text = job_error(admin.associateIpAddress, networkid=tenant.net)
    assert code == 530 and text.startswith("Failed to associate ip address ") and " to network " in text
    fields = tenant.fields()
    assert (fields["iptotal"], fields["iplimit"], fields["ipavailable"]) == (1, "1", "0")


def test_create_network_and_vpc_over_the_limit_are_refused_with_535(admin, tenant, ids):
    """NetworkOrchestrator.createGuestNetwork (isolated, account-scoped, displayed networks) and VpcManagerImpl
    .createVpc: sync 535; a network created hidden by a root admin is neither checked nor counted."""
    tenant.limit(NETWORK, 1)
    status, error = api_error(admin.createNetwork, name="n2", zoneid=ids["zone"], networkofferingid=ids["isolated"],
                              **tenant.params)
    assert status == 535 and re.fullmatch(account_text(tenant.name, "network", 1, 1, 1), error["errortext"])
    admin.createNetwork(name="n3", zoneid=ids["zone"], networkofferingid=ids["isolated"], displaynetwork=False,
                        **tenant.params)
    assert tenant.fields()["networktotal"] == 1
    tenant.limit(VPC, 0)
    offering = admin.listVPCOfferings(name="Default VPC offering")["vpcoffering"][0]["id"]
    status, error = api_error(admin.createVPC, name="v", cidr="10.20.0.0/16", zoneid=ids["zone"],
                              vpcofferingid=offering, **tenant.params)
    assert status == 535 and re.fullmatch(account_text(tenant.name, "vpc", 0, 0, 1), error["errortext"])


def test_change_service_recover_and_register_template_check_their_limits(admin, tenant, ids):
    """UserVmManagerImpl.upgradeStoppedVirtualMachine (the cpu/memory it adds), recoverVirtualMachine
    (checkVmResourceLimit) and TemplateAdapterBase.prepare (template): sync 535."""
    vm = tenant.deploy()
    tenant.limit(CPU, 1)
    status, error = api_error(admin.changeServiceForVirtualMachine, id=vm["id"], serviceofferingid=ids["medium"])
    assert status == 535 and re.fullmatch(account_text(tenant.name, "cpu", 1, 1, 1), error["errortext"])
    admin.destroyVirtualMachine(id=vm["id"], fetch_result=True)
    tenant.limit(USER_VM, 1)
    tenant.deploy()
    status, error = api_error(admin.recoverVirtualMachine, id=vm["id"])
    assert status == 535 and re.fullmatch(account_text(tenant.name, "user_vm", 1, 1, 1), error["errortext"])
    tenant.limit(TEMPLATE, 0)
    status, error = api_error(admin.registerTemplate, name="t", displaytext="t", format="QCOW2", hypervisor="KVM",
                              ostypeid=admin.listOsTypes()["ostype"][0]["id"], url="http://example.com/t.qcow2",
                              zoneid=ids["zone"], **tenant.params)
    assert status == 535 and re.fullmatch(account_text(tenant.name, "template", 0, 0, 1), error["errortext"])


# -- updateResourceLimit / listResourceLimits / updateResourceCount -----------------------------
def test_update_resource_limit_answers_and_refuses(admin, acme, tenant, ids):
    """ResourceLimitManagerImpl.updateResourceLimit (and AccountManagerImpl.finalyzeAccountId): the limit row in
    GiB for storage; 431 for a max below -1, an unknown type, a tag on a type without tags, an account without
    domainid or unknown, neither account nor domain; users may not call it (432)."""
    row = tenant.limit(PRIMARY, 300)
    assert {k: row[k] for k in ("account", "resourcetype", "resourcetypename", "max", "domainpath")} == {
        "account": tenant.name, "resourcetype": "10", "resourcetypename": "primary_storage", "max": 300,
        "domainpath": "/customers/"}
    assert tenant.fields()["primarystoragelimit"] == "300"
    owner = tenant.params
    refusals = [
        ({"resourcetype": USER_VM, "max": -2, **owner},
         "Please specify either '-1' for an infinite limit, or a limit that is at least '0'."),
        ({"resourcetype": 99, **owner}, "Please specify valid resource type"),
        ({"resourcetype": VPC, "tag": "ssd", **owner},
         "Resource limit with a tag is not supported for resource type 7"),
        ({"resourcetype": USER_VM, "account": tenant.name}, "Account must be specified with domainId parameter"),
        ({"resourcetype": USER_VM, "account": "nobody", "domainid": ids["customers"]},
         "Unable to find account by name nobody in domain with specified id"),
        ({"resourcetype": USER_VM, "max": 3},
         "AccountId or domainId have to be specified in order to update resource limit"),
    ]
    for params, text in refusals:
        assert api_error(admin.updateResourceLimit, **params) == (431, {
            "uuidList": [], "errorcode": 431, "cserrorcode": 4350, "errortext": text})
    assert api_error(acme.updateResourceLimit, resourcetype=USER_VM, max=3)[0] == 432


def test_domain_admins_may_not_raise_their_own_limits(server, admin, ids):
    """ResourceLimitManagerImpl.updateResourceLimit: a domain admin may set the limits of the accounts and domains
    below it, but not of its own account (531) nor of its own domain (531)."""
    dadmin = server.client("customers-admin")
    status, error = api_error(dadmin.updateResourceLimit, account="customers-admin", domainid=ids["customers"],
                              resourcetype=USER_VM, max=100)
    assert status == 531 and re.fullmatch(
        r'Unable to update resource limit for their own account Account \[\{"accountName":"customers-admin",'
        r'"id":\d+,"uuid":"[0-9a-f-]+"\}\], permission denied', error["errortext"]), error["errortext"]
    status, error = api_error(dadmin.updateResourceLimit, domainid=ids["customers"], resourcetype=USER_VM, max=100)
    assert status == 531 and re.fullmatch(r"Unable to update resource limit for domain \d+, permission denied",
                                          error["errortext"])
    row = dadmin.updateResourceLimit(account="globex", domainid=ids["customers"], resourcetype=VPC, max=5)
    assert row["resourcelimit"]["max"] == 5


def test_list_resource_limits(admin, acme, tenant, ids):
    """ResourceLimitManagerImpl.searchForLimits: a user gets its own account's limits (its account/domainid ignored),
    one per type: the rows updateResourceLimit wrote first, then the effective limit of every other type;
    ListResourceLimitsCmd: resourcetypename wins over resourcetype, 431 for a bad one; a domain's limits."""
    mine = acme.listResourceLimits(account="globex", domainid=ids["customers"])["resourcelimit"]
    assert [r["resourcetypename"] for r in mine][:3] == ["user_vm", "public_ip", "volume"] and len(mine) == 16
    assert {r["account"] for r in mine} == {"acme"} and mine[0]["max"] == 20
    tenant.limit(CPU, 7)
    rows = admin.listResourceLimits(**tenant.params)["resourcelimit"]
    assert (rows[0]["resourcetypename"], rows[0]["max"]) == ("cpu", 7) and len(rows) == 16
    assert {r["resourcetypename"]: r["max"] for r in rows}["primary_storage"] == 200
    one = admin.listResourceLimits(resourcetype=MEMORY, resourcetypename="cpu", **tenant.params)["resourcelimit"]
    assert [(r["resourcetypename"], r["max"]) for r in one] == [("cpu", 7)]
    assert api_error(admin.listResourceLimits, resourcetypename="cores")[1]["errortext"] == (
        "Please specify a valid resource type name.")
    assert api_error(admin.listResourceLimits, resourcetype=42)[1]["errortext"] == (
        "Please specify a valid resource type.")
    domain = admin.listResourceLimits(domainid=ids["customers"], resourcetype=USER_VM)["resourcelimit"]
    assert [(r["max"], "account" in r) for r in domain] == [(40, False)]


def test_update_resource_count_answers_the_counts(admin, acme, tenant, ids):
    """ResourceLimitManagerImpl.recalculateResourceCount (UpdateResourceCountCmd: a list of resourcecount): every type
    of an account or of a domain (its accounts and the domains below), equal to the account's fields."""
    tenant.deploy()
    counts = admin.updateResourceCount(**tenant.params)
    assert counts["count"] == 16
    by_type = {c["resourcetypename"]: c["resourcecount"] for c in counts["resourcecount"]}
    fields = tenant.fields()
    assert (by_type["user_vm"], by_type["volume"], by_type["network"]) == (
        fields["vmtotal"], fields["volumetotal"], fields["networktotal"]) == (1, 1, 1)
    assert by_type["primary_storage"] == 2 * GIB
    one = admin.updateResourceCount(domainid=ids["customers"], resourcetype=USER_VM)["resourcecount"]
    assert [(c["resourcetypename"], "account" in c) for c in one] == [("user_vm", False)]
    assert one[0]["resourcecount"] == admin.listDomains(id=ids["customers"])["domain"][0]["vmtotal"]
    assert api_error(acme.updateResourceCount, domainid=ids["customers"])[0] == 432


def test_default_limits_are_the_max_account_settings(admin, tenant):
    """ResourceLimitManagerImpl.findCorrectResourceLimitForAccount: an account without its own limit has the
    max.account.* setting; ListAccountsCmd.getDetails: details=min answers no limits, an unknown value is a 431."""
    admin.updateConfiguration(name="max.account.vpcs", value="3")
    try:
        assert tenant.fields()["vpclimit"] == "3"
    finally:
        admin.updateConfiguration(name="max.account.vpcs", value="20")
    bare = admin.listAccounts(name=tenant.name, domainid=tenant.params["domainid"], details="min")["account"][0]
    assert "vmlimit" not in bare and "vmtotal" not in bare
    status, error = api_error(admin.listAccounts, details="everything")
    assert (status, error["errortext"]) == (
        431, "The details parameter contains a non permitted value. The allowed values are [all, resource, min]")
