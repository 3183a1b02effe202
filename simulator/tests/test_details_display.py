"""Conformance: resource details, display flags, alerts and async jobs, as Apache CloudStack 4.20 answers them.

Each test's docstring names the Java class and method whose rule it checks (apache/cloudstack, read at
4.21.0.0-SNAPSHOT); simulator/MODEL.md lists the rules.
"""

import cs
import pytest

ZONE_KEYS = [{"key": "dr.test_visible", "value": "yes"}]


def api_error(call, **params):
    with pytest.raises(cs.CloudStackApiException) as info:
        call(**params)
    return info.value.response.status_code, info.value.error


def job_error(api, call, **params):
    """The error of an async call's job (the call itself is accepted)."""
    submitted = call(**params)
    with pytest.raises(cs.CloudStackApiException) as info:
        api._jobresult(submitted["jobid"])
    return info.value.error


def zone(api, name="zone-a"):
    return api.listZones(name=name)["zone"][0]


def network_named(api, name):
    """listNetworks has no `name` filter (ListNetworksCmd): its keyword matches names, then pick the exact one."""
    return next(n for n in api.listNetworks(keyword=name, listall=True)["network"] if n["name"] == name)


def details(api, resourcetype, resourceid, **params):
    rows = api.listResourceDetails(resourcetype=resourcetype, resourceid=resourceid, **params)
    return {r["key"]: r["value"] for r in rows.get("resourcedetail", [])}


# -- addResourceDetail -------------------------------------------------------------------------
def test_details_are_read_only_in_key_value_form(admin):
    """AddResourceDetailCmd.getDetails (TaggedResources.parseKeyValueMap): only details[i].key/.value; a map sent
    as details[0].<key>=<value> fails the job (a NullPointerException: 530, no error text) and writes nothing."""
    zone_id = zone(admin)["id"]
    error = job_error(admin, admin.addResourceDetail, resourcetype="Zone", resourceid=zone_id,
                      details={"dr.map_form": "v"})
    assert error == {"errorcode": 530}
    admin.addResourceDetail(resourcetype="Zone", resourceid=zone_id, details=[{"key": "dr.kv_form", "value": "v"}],
                            fetch_result=True)
    found = details(admin, "Zone", zone_id)
    assert found.get("dr.kv_form") == "v" and "dr.map_form" not in found


def test_an_empty_value_refuses_the_whole_call(admin):
    """ResourceMetaDataManagerImpl.addResourceMetaData: 431 "Value for the key <k> is either null or empty", in
    one transaction: the other keys of the call are not written either."""
    zone_id = zone(admin)["id"]
    error = job_error(admin, admin.addResourceDetail, resourcetype="Zone", resourceid=zone_id,
                      details=[{"key": "dr.first", "value": "1"}, {"key": "dr.empty", "value": ""}])
    assert error["errorcode"] == 431 and error["errortext"] == "Value for the key dr.empty is either null or empty"
    assert "dr.first" not in details(admin, "Zone", zone_id)


def test_a_value_longer_than_its_column_fails_the_job(admin):
    """storage_pool_details.value is varchar(255) (schema-41520to41600.sql): GenericDaoBase.persist fails (530)."""
    pool = admin.listStoragePools(zoneid=zone(admin)["id"])["storagepool"][0]
    error = job_error(admin, admin.addResourceDetail, resourcetype="Storage", resourceid=pool["id"],
                      details=[{"key": "dr.long", "value": "x" * 256}], fordisplay=False)
    assert error["errorcode"] == 530 and "Data too long for column 'value'" in error["errortext"]
    admin.addResourceDetail(resourcetype="Storage", resourceid=pool["id"], fordisplay=False,
                            details=[{"key": "dr.long", "value": "x" * 255}], fetch_result=True)
    assert details(admin, "Storage", pool["id"], fordisplay=False)["dr.long"] == "x" * 255


def test_types_without_metadata_and_unknown_types(admin):
    """ResourceManagerUtilImpl.getResourceType: 431 "Invalid resource type <x>"; ResourceMetaDataManagerImpl
    .DetailDaoHelper: a type with no details table is a 530 "ResourceType <T> doesn't support metadata"."""
    domain = admin.listDomains(name="ROOT")["domain"][0]
    error = job_error(admin, admin.addResourceDetail, resourcetype="Domain", resourceid=domain["id"],
                      details=[{"key": "dr.x", "value": "1"}])
    assert error == {"errorcode": 530, "errortext": "ResourceType Domain doesn't support metadata"}
    error = job_error(admin, admin.addResourceDetail, resourcetype="Pod", resourceid=domain["id"],
                      details=[{"key": "dr.x", "value": "1"}])
    assert error == {"errorcode": 431, "errortext": "Invalid resource type Pod"}
    error = job_error(admin, admin.addResourceDetail, resourcetype="zone", resourceid="no-such-zone",
                      details=[{"key": "dr.x", "value": "1"}])
    assert error == {"errorcode": 431, "errortext": "Unable to find resource by uuid no-such-zone and type Zone"}


def test_a_key_written_again_takes_the_new_display_flag(admin):
    """ResourceDetailsDaoBase.addDetail: the row is replaced, value and display flag."""
    zone_id = zone(admin)["id"]
    admin.addResourceDetail(resourcetype="Zone", resourceid=zone_id, details=[{"key": "dr.flip", "value": "1"}],
                            fetch_result=True)
    assert details(admin, "Zone", zone_id)["dr.flip"] == "1"
    admin.addResourceDetail(resourcetype="Zone", resourceid=zone_id, details=[{"key": "dr.flip", "value": "2"}],
                            fordisplay=False, fetch_result=True)
    assert "dr.flip" not in details(admin, "Zone", zone_id)
    assert details(admin, "Zone", zone_id, fordisplay=False)["dr.flip"] == "2"


def test_remove_without_a_key_removes_every_detail(admin):
    """ResourceMetaDataManagerImpl.deleteResourceMetaData: no key removes all the resource's details."""
    pool = admin.listStoragePools(zoneid=zone(admin, "zone-b")["id"])["storagepool"][0]
    admin.addResourceDetail(resourcetype="Storage", resourceid=pool["id"], fordisplay=False,
                            details=[{"key": "dr.a", "value": "1"}, {"key": "dr.b", "value": "2"}], fetch_result=True)
    admin.removeResourceDetail(resourcetype="Storage", resourceid=pool["id"], key="dr.a", fetch_result=True)
    assert set(details(admin, "Storage", pool["id"], fordisplay=False)) >= {"dr.b"}
    admin.removeResourceDetail(resourcetype="Storage", resourceid=pool["id"], fetch_result=True)
    assert details(admin, "Storage", pool["id"], fordisplay=False) == {}


# -- listResourceDetails ---------------------------------------------------------------------
def test_listing_needs_a_resource_id_or_a_key_and_value(admin):
    """QueryManagerImpl.listResourceDetails: validations 1.1 and 1.2."""
    status, error = api_error(admin.listResourceDetails, resourcetype="UserVm")
    assert status == 431 and error["errortext"] == ("Insufficient parameters passed for listing by resourceId OR "
                                                    "key,value pair. Please check your params and try again.")
    status, error = api_error(admin.listResourceDetails, resourcetype="UserVm", key="dr.state")
    assert status == 431
    status, error = api_error(admin.listResourceDetails, resourcetype="UserVm", value="Prepared")
    assert status == 431 and error["errortext"].startswith("Listing by (key, value) but key is null")


def test_key_and_value_list_every_resource_of_the_type(admin):
    """QueryManagerImpl.listResourceDetails -> ResourceDetailsDaoBase.findDetails(name, value, display): across the
    type, with the display flag asked (true by default)."""
    zones = admin.listZones()["zone"]
    for z in zones:
        admin.addResourceDetail(resourcetype="Zone", resourceid=z["id"], fordisplay=False,
                                details=[{"key": "dr.mark", "value": "same"}], fetch_result=True)
    found = admin.listResourceDetails(resourcetype="Zone", key="dr.mark", value="same", fordisplay=False)
    assert {r["resourceid"] for r in found["resourcedetail"]} == {z["id"] for z in zones}
    assert set(found["resourcedetail"][0]) == {"key", "value", "resourceid", "resourcetype", "fordisplay"}
    assert admin.listResourceDetails(resourcetype="Zone", key="dr.mark", value="same") == {}


def test_a_tenant_lists_displayed_details_of_any_resource_by_id(admin, acme):
    """ListResourceDetailsCmd: `value` and `fordisplay` are authorized = {RoleType.Admin} (dropped for others);
    QueryManagerImpl.listResourceDetails checks no access."""
    zone_id = zone(admin)["id"]
    admin.addResourceDetail(resourcetype="Zone", resourceid=zone_id, details=ZONE_KEYS, fetch_result=True)
    status, _ = api_error(acme.listResourceDetails, resourcetype="Zone", key="dr.test_visible", value="yes")
    assert status == 431  # value dropped: neither a resource id nor a value
    assert details(acme, "Zone", zone_id, fordisplay=False)["dr.test_visible"] == "yes"  # fordisplay dropped


# -- details answered inline -------------------------------------------------------------------
def test_vm_listings_carry_only_displayed_details(admin, acme):
    """UserVmJoinDaoImpl.newUserVmResponse: `details` holds the displayed details, for root admins too; callers
    that are not root admins lose the user.vm.denied.details keys and get `readonlydetails`."""
    vm = admin.listVirtualMachines(name="acme-web-1", listall=True)["virtualmachine"][0]
    admin.addResourceDetail(resourcetype="UserVm", resourceid=vm["id"], details=[{"key": "dr.shown", "value": "1"}],
                            fetch_result=True)
    admin.addResourceDetail(resourcetype="UserVm", resourceid=vm["id"], fordisplay=False,
                            details=[{"key": "dr.truth", "value": "1"}], fetch_result=True)
    admin.addResourceDetail(resourcetype="UserVm", resourceid=vm["id"],
                            details=[{"key": "rootdisksize", "value": "20"}], fetch_result=True)
    as_root = admin.listVirtualMachines(id=vm["id"], listall=True)["virtualmachine"][0]
    assert as_root["details"]["dr.shown"] == "1" and "dr.truth" not in as_root["details"]
    assert "readonlydetails" not in as_root and as_root["details"]["rootdisksize"] == "20"
    as_owner = acme.listVirtualMachines(id=vm["id"])["virtualmachine"][0]
    assert "dr.truth" not in as_owner["details"] and "rootdisksize" not in as_owner["details"]
    assert as_owner["readonlydetails"] == "dataDiskController, rootDiskController"


def test_zones_and_offerings_carry_their_details(admin, acme):
    """ApiDBUtils.getResourceDetails (DataCenterJoinDaoImpl `resourcedetails`, ServiceOfferingJoinDaoImpl
    `serviceofferingdetails`): every detail for an admin, the displayed ones for others."""
    z = zone(admin)
    admin.addResourceDetail(resourcetype="Zone", resourceid=z["id"], fordisplay=False,
                            details=[{"key": "dr.zone_hidden", "value": "1"}], fetch_result=True)
    assert zone(admin)["resourcedetails"]["dr.zone_hidden"] == "1"
    assert "dr.zone_hidden" not in (zone(acme).get("resourcedetails") or {})
    offering = admin.listServiceOfferings(name="dr-small")["serviceoffering"][0]
    admin.addResourceDetail(resourcetype="ServiceOffering", resourceid=offering["id"], fordisplay=False,
                            details=[{"key": "dr.offering_hidden", "value": "1"}], fetch_result=True)
    admin.addResourceDetail(resourcetype="ServiceOffering", resourceid=offering["id"],
                            details=[{"key": "dr.offering_shown", "value": "1"}], fetch_result=True)
    as_root = admin.listServiceOfferings(id=offering["id"])["serviceoffering"][0]["serviceofferingdetails"]
    as_tenant = acme.listServiceOfferings(id=offering["id"])["serviceoffering"][0]["serviceofferingdetails"]
    assert {"dr.offering_hidden", "dr.offering_shown"} <= set(as_root)
    assert "dr.offering_shown" in as_tenant and "dr.offering_hidden" not in as_tenant


def test_networks_carry_every_detail_to_root_admins_only(admin, acme):
    """ApiResponseHelper.createNetworkResponse: `details` (hidden ones too) in ResponseView.Full only."""
    net = network_named(admin, "acme-web")
    admin.addResourceDetail(resourcetype="Network", resourceid=net["id"], fordisplay=False,
                            details=[{"key": "dr.network_hidden", "value": "1"}], fetch_result=True)
    assert admin.listNetworks(id=net["id"], listall=True)["network"][0]["details"]["dr.network_hidden"] == "1"
    assert "details" not in acme.listNetworks(id=net["id"])["network"][0]
    assert acme.listNetworks(id=net["id"])["network"][0]["tags"] == []


# -- display flags -------------------------------------------------------------------------------
def test_hidden_vms_and_their_volumes_are_listed_only_when_asked(admin, acme):
    """ListVMsCmd.getDisplay / ListVolumesCmd.getDisplay default to true (QueryManagerImpl.searchForUserVMs,
    searchForVolumes): hidden objects are listed to a root admin only with displayvm/displayvolume=false, and
    then only they; UserVmManagerImpl.updateDisplayVmFlag gives the VM's volumes its flag."""
    vm = admin.listVirtualMachines(name="acme-app-1", listall=True)["virtualmachine"][0]
    admin.updateVirtualMachine(id=vm["id"], displayvm=False)
    try:
        assert admin.listVirtualMachines(id=vm["id"], listall=True) == {}
        assert admin.listVirtualMachines(id=vm["id"], listall=True, displayvm=False)["count"] == 1
        assert acme.listVirtualMachines(id=vm["id"], displayvm=False) == {}  # dropped: a root admin's parameter
        assert admin.listVolumes(virtualmachineid=vm["id"], listall=True) == {}
        hidden = admin.listVolumes(virtualmachineid=vm["id"], listall=True, displayvolume=False)["volume"]
        assert hidden and all(v["displayvolume"] is False for v in hidden)
        shown = admin.listVirtualMachines(listall=True, displayvm=False)["virtualmachine"]
        assert all(v["displayvm"] is False for v in shown)
    finally:
        admin.updateVirtualMachine(id=vm["id"], displayvm=True)
    assert admin.listVolumes(virtualmachineid=vm["id"], listall=True)["count"] >= 1


def test_hidden_networks_ips_and_rules(admin):
    """CreateNetworkCmd displaynetwork, AssociateIPAddrCmd and the rule commands' fordisplay are root-admin-only
    and stored; their list commands answer displayed objects unless a root admin asks for hidden ones."""
    acme_net = network_named(admin, "acme-web")
    net = admin.createNetwork(name="acme-hidden", displaytext="hidden", zoneid=acme_net["zoneid"],
                              networkofferingid=acme_net["networkofferingid"], account="acme",
                              domainid=acme_net["domainid"], displaynetwork=False)["network"]
    assert admin.listNetworks(id=net["id"], listall=True) == {}
    assert admin.listNetworks(id=net["id"], listall=True, displaynetwork=False)["network"][0]["displaynetwork"] is False
    ip = admin.associateIpAddress(networkid=net["id"], fordisplay=False, fetch_result=True)["ipaddress"]
    assert admin.listPublicIpAddresses(id=ip["id"], listall=True) == {}
    assert admin.listPublicIpAddresses(id=ip["id"], listall=True, fordisplay=False)["count"] == 1
    rule = admin.createFirewallRule(ipaddressid=ip["id"], protocol="tcp", startport=22, endport=22,
                                    fordisplay=False, fetch_result=True)["firewallrule"]
    assert admin.listFirewallRules(id=rule["id"], listall=True) == {}
    assert admin.listFirewallRules(id=rule["id"], listall=True, fordisplay=False)["count"] == 1


def test_a_vpc_is_created_displayed_and_hidden_by_update(admin):
    """VpcManagerImpl.createVpc does not use CreateVPCCmd's fordisplay in 4.20; updateVpc sets it (root only)."""
    z = zone(admin)
    acme = admin.listAccounts(name="acme", listall=True)["account"][0]
    offering = admin.listVPCOfferings(isdefault=True)["vpcoffering"][0]
    vpc = admin.createVPC(name="acme-hidden-vpc", displaytext="x", cidr="10.99.0.0/16", zoneid=z["id"],
                          vpcofferingid=offering["id"], start=False, fordisplay=False, account="acme",
                          domainid=acme["domainid"], fetch_result=True)["vpc"]
    assert admin.listVPCs(id=vpc["id"], listall=True)["vpc"][0]["fordisplay"] is True
    admin.updateVPC(id=vpc["id"], fordisplay=False, fetch_result=True)
    assert admin.listVPCs(id=vpc["id"], listall=True) == {}
    assert admin.listVPCs(id=vpc["id"], listall=True, fordisplay=False)["vpc"][0]["fordisplay"] is False


def test_update_ip_address_custom_id_and_a_released_ip(admin, acme):
    """NetworkServiceImpl.updateIP with UUIDManagerImpl.checkUuid; IPAddressDaoImpl.unassignIpAddress: a released
    IP is displayed again, loses its details and keeps its id, which then cannot be given to another IP."""
    net = network_named(admin, "acme-web")
    ip = admin.associateIpAddress(networkid=net["id"], fordisplay=False, fetch_result=True)["ipaddress"]
    wanted = "5f6d1c2e-8a51-4b0e-9c63-2f1d7e4b9a77"
    admin.updateIpAddress(id=ip["id"], customid=wanted, fetch_result=True)
    admin.addResourceDetail(resourcetype="PublicIpAddress", resourceid=wanted, fordisplay=False,
                            details=[{"key": "dr.x", "value": "1"}], fetch_result=True)
    error = job_error(admin, admin.updateIpAddress, id=wanted, customid="not-a-uuid")
    assert error == {"errorcode": 431, "errortext": "UUID: not-a-uuid doesn't follow the UUID format"}
    admin.disassociateIpAddress(id=wanted, fetch_result=True)
    other = admin.associateIpAddress(networkid=net["id"], fetch_result=True)["ipaddress"]
    error = job_error(admin, admin.updateIpAddress, id=other["id"], customid=wanted)
    assert error["errorcode"] == 431 and "already exists" in error["errortext"]
    assert details(admin, "PublicIpAddress", wanted, fordisplay=False) == {}
    assert acme.updateIpAddress(id=other["id"], customid=wanted, fetch_result=True)["ipaddress"]["id"] == other["id"]


def test_custom_ids_of_removed_vms_are_never_free(admin):
    """UUIDManagerImpl.checkUuid (findByUuid skips removed rows) and the unique key uc_vm_instance_uuid: the id of
    an expunged VM cannot be given again; a VM's own id counts as taken."""
    ids = {"zoneid": zone(admin)["id"],
           "templateid": admin.listTemplates(templatefilter="all", name="debian-12", zoneid=zone(admin)["id"])[
               "template"][0]["id"],
           "serviceofferingid": admin.listServiceOfferings(name="dr-small")["serviceoffering"][0]["id"]}
    net = network_named(admin, "acme-web")
    acme = admin.listAccounts(name="acme", listall=True)["account"][0]
    chosen = "11111111-2222-4333-8444-555555555555"
    vm = admin.deployVirtualMachine(name="acme-custom", networkids=net["id"], startvm=False, customid=chosen,
                                    account="acme", domainid=acme["domainid"], fetch_result=True, **ids)
    assert vm["virtualmachine"]["id"] == chosen
    status, error = api_error(admin.updateVirtualMachine, id=chosen, customid=chosen)
    assert status == 431 and "already exists" in error["errortext"]
    admin.destroyVirtualMachine(id=chosen, expunge=True, fetch_result=True)
    status, error = api_error(admin.deployVirtualMachine, name="acme-custom-2", networkids=net["id"], startvm=False,
                              customid=chosen, account="acme", domainid=acme["domainid"], **ids)
    assert status == 530 and "Duplicate entry" in error["errortext"]


# -- alerts ----------------------------------------------------------------------------------------
def test_generate_alert_rules(admin):
    """AlertService.AlertType.generateAlert: a built-in type under another name is refused (431); AlertManagerImpl
    .sendAlert records nothing without a zone, and one unarchived alert per custom type and zone."""
    error = job_error(admin, admin.generateAlert, type=27, name="DR.PREPARE.FAILED", description="x",
                      zoneid=zone(admin)["id"])
    assert error == {"errorcode": 431, "errortext": "There is a default alert having type 27 and name ALERT.TYPE.SYNC"}
    admin.generateAlert(type=1000, name="DR.TEST", description="no zone", fetch_result=True)
    assert admin.listAlerts(type=1000) == {}
    for text in ("first", "second"):
        admin.generateAlert(type=1000, name="DR.TEST", description=text, zoneid=zone(admin)["id"], fetch_result=True)
    assert [a["description"] for a in admin.listAlerts(type=1000)["alert"]] == ["first"]
    admin.archiveAlerts(type=1000)
    admin.generateAlert(type=1000, name="DR.TEST", description="third", zoneid=zone(admin)["id"], fetch_result=True)
    assert [a["description"] for a in admin.listAlerts(type=1000)["alert"]] == ["third"]


def test_alerts_are_root_admin_only(acme):
    """create-default-role-api-mappings.sql: no role but root admin (and resource admin) gets listAlerts."""
    status, _ = api_error(acme.listAlerts)
    assert status == 432


# -- async jobs ------------------------------------------------------------------------------------
def test_a_permission_error_in_a_job_is_530(admin, acme, globex):
    """ApiAsyncJobDispatcher.runJob: only an InvalidParameterValueException (431) or a ServerApiException keeps its
    code; anything else, a PermissionDeniedException too, fails the job with 530, and jobresultcode says so."""
    net = network_named(admin, "acme-web")
    ip = admin.associateIpAddress(networkid=net["id"], fetch_result=True)["ipaddress"]
    submitted = globex.updateIpAddress(id=ip["id"])
    with pytest.raises(cs.CloudStackApiException) as info:
        globex._jobresult(submitted["jobid"])
    assert info.value.error == {"errorcode": 530,
                                "errortext": "Caller does not have permission to operate with provided resource."}
    job = globex.queryAsyncJobResult(jobid=submitted["jobid"])
    assert job["jobresultcode"] == 530


def test_events_about_hidden_objects_are_hidden_from_end_users(admin, acme):
    """BaseCmd.isDisplay / DeployVMCmd.isDisplay set CallContext's event display flag; QueryManagerImpl
    .searchForEvents shows end users only displayed events, root admins all."""
    net = network_named(admin, "acme-web")
    ids = {"zoneid": net["zoneid"], "serviceofferingid": admin.listServiceOfferings(name="dr-small")[
        "serviceoffering"][0]["id"], "templateid": admin.listTemplates(templatefilter="all", name="debian-12",
                                                                        zoneid=net["zoneid"])["template"][0]["id"]}
    vm = admin.deployVirtualMachine(name="acme-hidden-vm", networkids=net["id"], startvm=False, displayvm=False,
                                    account="acme", domainid=net["domainid"], fetch_result=True, **ids)
    vm_id = vm["virtualmachine"]["id"]

    def mentions(api):
        return [e for e in api.listEvents(listall=True, fetch_list=True) if vm_id in e["description"]]

    assert mentions(admin) and mentions(acme) == []
