"""Conformance: service and disk offerings as Apache CloudStack 4.20 creates, lists, updates and deletes them.

Each test's docstring names the Java class and method whose rule it checks (apache/cloudstack, read at
4.21.0.0-SNAPSHOT); simulator/rules/infra.md lists the rules.
"""

import pytest

from .network_helpers import network_named
from .test_infra_storage import api_error

SIZES = {"cpunumber": 1, "cpuspeed": 500, "memory": 256}


@pytest.fixture(scope="module")
def domain_admin(server):
    return server.client("customers-admin")


def zone_id(api, name):
    return api.listZones(name=name)["zone"][0]["id"]


def customers(api):
    return api.listDomains(name="customers")["domain"][0]


def offering(api, **params):
    return api.listServiceOfferings(**params).get("serviceoffering", [])


# -- provisioning type and encryption (the storage side of an offering) ----------------------------
def test_provisioning_type_and_encryption_are_kept_and_answered(admin):
    """ConfigurationManagerImpl.createServiceOffering -> createDiskOfferingInternal: `provisioningtype` (thin by
    default) and `encryptroot` live on the compute-only disk offering and are answered by the service offering
    (ServiceOfferingJoinDaoImpl: provisioningtype, encryptroot from disk_offering); createDiskOffering keeps
    `encrypt` (DiskOfferingJoinDaoImpl)."""
    made = admin.createServiceOffering(name="so-fat-enc", provisioningtype="fat", encryptroot=True,
                                       **SIZES)["serviceoffering"]
    assert (made["provisioningtype"], made["encryptroot"]) == ("fat", True)
    plain = admin.createServiceOffering(name="so-plain", **SIZES)["serviceoffering"]
    assert (plain["provisioningtype"], plain["encryptroot"]) == ("thin", False)
    disk = admin.createDiskOffering(name="do-sparse-enc", disksize=3, provisioningtype="sparse",
                                    encrypt=True)["diskoffering"]
    assert (disk["provisioningtype"], disk["encrypt"]) == ("sparse", True)
    assert [o["name"] for o in offering(admin, encryptroot=True)] == ["so-fat-enc"]
    assert [o["name"] for o in admin.listDiskOfferings(encrypt=True)["diskoffering"]] == ["do-sparse-enc"]


def test_an_unknown_provisioning_type_is_a_530(admin, domain_admin):
    """Storage.ProvisioningType.getProvisioningType matches thin/sparse/fat case-sensitively and throws a
    NotImplementedException ("Code is not implemented"): ApiServer.handleRequest answers 530, with the generic
    text for callers that are not root admins."""
    status, error = api_error(admin.createServiceOffering, name="so-thick", provisioningtype="THIN", **SIZES)
    assert (status, error["errortext"]) == (530, "Code is not implemented")
    status, error = api_error(admin.createDiskOffering, name="do-thick", disksize=1, provisioningtype="thick")
    assert (status, error["errortext"]) == (530, "Code is not implemented")
    status, error = api_error(domain_admin.createDiskOffering, name="do-thick", disksize=1,
                              provisioningtype="thick", domainid=customers(admin)["id"])
    assert (status, error["errortext"]) == (530, ("Internal error executing command, please contact your system "
                                                 "administrator"))


def test_the_service_offering_answers_its_disk_offering(admin):
    """ConfigurationManagerImpl.createServiceOffering: every service offering has a disk offering (a compute-only
    one, or the one given as `diskofferingid`, which must not be compute-only); the answer names it and takes its
    storage tags, provisioning type and size from it (service_offering_view); listDiskOfferings never lists a
    compute-only disk offering (QueryManagerImpl.searchForDiskOfferingsIdsAndCount: computeOnly=false)."""
    made = admin.createServiceOffering(name="so-root", rootdisksize=12, tags="gold", **SIZES)["serviceoffering"]
    assert (made["rootdisksize"], made["storagetags"], made["diskofferingname"]) == (12, "gold", "so-root")
    listed = {o["id"] for o in admin.listDiskOfferings(state="all")["diskoffering"]}
    assert made["diskofferingid"] not in listed
    disk = admin.createDiskOffering(name="do-linked", disksize=8, tags="silver", provisioningtype="fat")
    linked = admin.createServiceOffering(name="so-linked", diskofferingid=disk["diskoffering"]["id"], tags="ignored",
                                         **SIZES)["serviceoffering"]
    assert (linked["diskofferingid"], linked["storagetags"], linked["provisioningtype"], linked["rootdisksize"]) == (
        disk["diskoffering"]["id"], "silver", "fat", 8)
    status, error = api_error(admin.createServiceOffering, name="so-bad-link", diskofferingid=made["diskofferingid"],
                              **SIZES)
    assert (status, error["errortext"]) == (431, "Please specify a valid disk offering.")


# -- creation defaults and validation --------------------------------------------------------------
def test_display_text_defaults_to_the_name(admin):
    """CreateServiceOfferingCmd.getDisplayText / CreateDiskOfferingCmd.getDisplayText: the name when not given."""
    assert admin.createServiceOffering(name="so-nodesc", **SIZES)["serviceoffering"]["displaytext"] == "so-nodesc"
    assert admin.createDiskOffering(name="do-nodesc", disksize=1)["diskoffering"]["displaytext"] == "do-nodesc"


def test_custom_offering_rules(admin):
    """ConfigurationManagerImpl.createServiceOffering(cmd): an offering without cpunumber or memory is custom
    (CreateServiceOfferingCmd.isCustomized); a custom one refuses cpu/memory, and its min/max bounds and speed
    come all together or not at all; a fixed one needs a cpu speed (0 is valid) and 32 MB or more."""
    custom = admin.createServiceOffering(name="so-custom", cpuspeed=1000, mincpunumber=1, maxcpunumber=4,
                                         minmemory=512, maxmemory=4096)["serviceoffering"]
    assert custom["iscustomized"] is True and "cpunumber" not in custom and "memory" not in custom
    assert custom["serviceofferingdetails"]["maxcpunumber"] == "4"
    status, error = api_error(admin.createServiceOffering, name="so-x", customized=True, cpunumber=1, memory=512)
    assert (status, error["errortext"]) == (431, ("For creating a custom compute offering cpu and memory all should "
                                                 "be null"))
    status, error = api_error(admin.createServiceOffering, name="so-x", cpuspeed=1000, mincpunumber=1)
    assert (status, error["errortext"]) == (431, ("For creating a custom compute offering min/max cpu and min/max "
                                                 "memory/cpu speed should all be null or all specified"))
    status, error = api_error(admin.createServiceOffering, name="so-x", customized=False, cpunumber=1, memory=512)
    assert (status, error["errortext"]) == (431, ("Failed to create service offering so-x: specify the cpu speed "
                                                 "value between 0 and 2147483647"))
    status, error = api_error(admin.createServiceOffering, name="so-x", cpunumber=1, cpuspeed=0, memory=16)
    assert (status, error["errortext"]) == (431, ("Failed to create service offering so-x: specify the memory value "
                                                 "between 32 and 2147483647 MB"))
    assert admin.createServiceOffering(name="so-speed0", cpunumber=1, cpuspeed=0,
                                       memory=32)["serviceoffering"]["cpuspeed"] == 0


def test_cpu_and_memory_limits_follow_the_settings(admin):
    """ConfigurationManagerImpl.createServiceOffering(cmd): vm.serviceoffering.cpu.cores.max and
    vm.serviceoffering.ram.size.max (0: no limit) bound a fixed offering."""
    admin.updateConfiguration(name="vm.serviceoffering.cpu.cores.max", value="8")
    try:
        status, error = api_error(admin.createServiceOffering, name="so-big", cpunumber=16, cpuspeed=1, memory=64)
        assert (status, error["errortext"]) == (431, ("Failed to create service offering so-big: specify the cpu "
                                                     "number value between 1 and 8"))
    finally:
        admin.updateConfiguration(name="vm.serviceoffering.cpu.cores.max", value="0")


def test_offering_disk_side_validation(admin):
    """ConfigurationManagerImpl.createServiceOffering / createDiskOfferingInternal: storage type local or shared
    (local refuses HA), root disk size above 0 and at most storage.max.volume.size, IOPS bounds."""
    cases = [
        ({"storagetype": "nvme"}, "Invalid storage type nvme specified, valid types are: 'local' and 'shared'"),
        ({"storagetype": "local", "offerha": True}, "HA offering with local storage is not supported. "),
        ({"rootdisksize": 0}, "The Root disk size is of 0 GB but it must be greater than 0."),
        ({"rootdisksize": 2001}, "The maximum size for a disk is 2000 GB."),
        ({"customizediops": False, "miniops": 0, "maxiops": 10}, "The min IOPS must be greater than 0."),
        ({"customizediops": False, "miniops": 20, "maxiops": 10},
         "The min IOPS must be less than or equal to the max IOPS."),
        ({"cachemode": "fast"}, ("Invalid cache mode (fast). Please specify one of the following valid cache mode "
                                "parameters: none, writeback or writethrough")),
    ]
    for params, text in cases:
        status, error = api_error(admin.createServiceOffering, name="so-bad", **SIZES, **params)
        assert (status, error["errortext"]) == (431, text), params


def test_disk_offering_size_rules(admin):
    """ConfigurationManagerImpl.createDiskOffering(cmd) / createDiskOffering(...): a size is required unless
    customized and refused when customized; it is at least 1 GB and at most storage.max.volume.size; a
    customized offering answers disksize 0."""
    cases = [({}, "Disksize is required for a non-customized disk offering"),
             ({"customized": True, "disksize": 5}, "Disksize is not allowed for a customized disk offering"),
             ({"disksize": 0}, "Please specify a disk size of at least 1 GB."),
             ({"disksize": 5000}, "The maximum size for a disk is 2000 GB."),
             ({"disksize": 1, "iopsreadrate": 10, "iopsreadratemax": 5},
              "IOPS read rate (10) cannot be greater than IOPS read maximum rate (5)")]
    for params, text in cases:
        status, error = api_error(admin.createDiskOffering, name="do-bad", **params)
        assert (status, error["errortext"]) == (431, text), params
    custom = admin.createDiskOffering(name="do-custom", customized=True)["diskoffering"]
    assert (custom["iscustomized"], custom["disksize"]) == (True, 0)


def test_event_names_the_internal_id(admin):
    """@ActionEvent(SERVICE.OFFERING.CREATE, "creating service offering") with CallContext.setEventDetails(
    "Service offering id=" + internal id): "Successfully completed creating service offering. Service offering
    id=<n>"."""
    admin.createServiceOffering(name="so-event", **SIZES)
    events = admin.listEvents(type="SERVICE.OFFERING.CREATE")["event"]
    assert all(e["description"].startswith("Successfully completed creating service offering. Service offering "
                                            "id=") for e in events)
    assert all(e["description"].rsplit("=", 1)[1].isdigit() for e in events)


# -- zone and domain scope -----------------------------------------------------------------------
def test_zone_scope_is_a_comma_list_and_filters_listing(admin, acme):
    """ConfigurationManagerImpl.createServiceOffering stores one hidden `zoneid` detail per zone;
    service_offering_view answers GROUP_CONCAT lists; QueryManagerImpl.searchForServiceOfferingIdsAndCount with
    `zoneid` keeps offerings of that zone and those of every zone."""
    zone_a, zone_b = zone_id(admin, "zone-a"), zone_id(admin, "zone-b")
    made = admin.createServiceOffering(name="so-zone-b", zoneid=zone_b, **SIZES)["serviceoffering"]
    assert (made["zoneid"], made["zone"]) == (zone_b, "zone-b")
    both = admin.createServiceOffering(name="so-zones", zoneid=f"{zone_a},{zone_b}", **SIZES)["serviceoffering"]
    assert both["zoneid"].split(",") == sorted([zone_a, zone_b])
    in_a = {o["name"] for o in offering(acme, zoneid=zone_a)}
    assert "so-zones" in in_a and "so-zone-b" not in in_a and "small" in in_a
    assert "so-zone-b" in {o["name"] for o in offering(acme, zoneid=zone_b)}
    assert "zoneid" not in admin.listServiceOfferings(name="small")["serviceoffering"][0]
    status, error = api_error(admin.createServiceOffering, name="so-nozone", zoneid="nope", **SIZES)
    assert status == 431 and "Invalid parameter zoneid value=nope" in error["errortext"]


def test_domain_scope_hides_offerings_from_other_domains(admin, acme):
    """QueryManagerImpl.searchForServiceOfferingIdsAndCount: callers that are not root admins list public
    offerings and those of their domain and its parents; root with `domainid` lists only that domain's."""
    root_domain = admin.listDomains(name="ROOT")["domain"][0]
    other = admin.createDomain(name="elsewhere")["domain"]
    admin.createServiceOffering(name="so-customers", domainid=customers(admin)["id"], **SIZES)
    admin.createServiceOffering(name="so-elsewhere", domainid=other["id"], **SIZES)
    seen = {o["name"] for o in offering(acme)}
    assert "so-customers" in seen and "so-elsewhere" not in seen and "small" in seen
    assert [o["name"] for o in offering(admin, domainid=other["id"])] == ["so-elsewhere"]
    assert offering(admin, domainid=root_domain["id"]) == []
    status, error = api_error(acme.listServiceOfferings, domainid=other["id"])
    assert (status, error["errortext"]) == (531, ("The account:acme does not fall in the same domain hierarchy as "
                                                 "the service offering"))
    status, error = api_error(acme.listServiceOfferings, isrecursive=True)
    assert (status, error["errortext"]) == (431, ("Only ROOT admins and Domain admins can list service offerings "
                                                 "with isrecursive=true"))


def test_domain_admins_create_only_for_their_domains(admin, domain_admin):
    """ConfigurationManagerImpl.createServiceOffering / createDiskOffering: a domain admin must name domains of
    its subtree, and may not add tags unless allow.domain.admins.to.create.tagged.offerings."""
    status, error = api_error(domain_admin.createServiceOffering, name="so-da", **SIZES)
    assert status == 431 and error["errortext"].startswith("Unable to create public service offering by admin: "
                                                           'User {"id":')
    assert error["errortext"].endswith(". because it is domain-admin")
    root_domain = admin.listDomains(name="ROOT")["domain"][0]
    status, error = api_error(domain_admin.createDiskOffering, name="do-da", disksize=1, domainid=root_domain["id"])
    assert status == 431 and "Unable to create disk offering by another domain-admin" in error["errortext"]
    status, error = api_error(domain_admin.createServiceOffering, name="so-da", domainid=customers(admin)["id"],
                              tags="gold", **SIZES)
    assert status == 431 and error["errortext"].endswith("is unable to create service offerings with storage tags "
                                                         "or host tags.")
    made = domain_admin.createServiceOffering(name="so-da", domainid=customers(admin)["id"], **SIZES)
    assert made["serviceoffering"]["domain"] == "customers"


# -- state, update, delete -----------------------------------------------------------------------
def test_delete_makes_the_offering_inactive(admin, acme):
    """ConfigurationManagerImpl.deleteServiceOffering sets state Inactive (the row and its VMs stay; deploys refuse
    it); ListServiceOfferingsCmd.getState: Active by default, `all` for both, any other value 431."""
    made = admin.createServiceOffering(name="so-retire", **SIZES)["serviceoffering"]
    admin.deleteServiceOffering(id=made["id"])
    assert offering(admin, id=made["id"]) == []
    zone = zone_id(acme, "zone-a")
    template = acme.listTemplates(templatefilter="executable", zoneid=zone, name="debian-12")["template"][0]["id"]
    net = network_named(acme, "acme-web")["id"]
    status, error = api_error(acme.deployVirtualMachine, zoneid=zone, templateid=template, networkids=net,
                              serviceofferingid=made["id"])  # UserVmManagerImpl.createVirtualMachine
    assert (status, error["errortext"]) == (431, f"Service offering is inactive: [{made['id']}].")
    assert [o["state"] for o in offering(admin, id=made["id"], state="inactive")] == ["Inactive"]
    assert [o["state"] for o in offering(admin, id=made["id"], state="all")] == ["Inactive"]
    status, error = api_error(admin.listServiceOfferings, state="gone")
    assert (status, error["errortext"]) == (431, "Invalid state value: gone")
    back = admin.updateServiceOffering(id=made["id"], state="Active")["serviceoffering"]
    assert back["state"] == "Active" and offering(acme, id=made["id"])


def test_update_scope_and_tags(admin):
    """ConfigurationManagerImpl.updateServiceOffering / UpdateServiceOfferingCmd.getZoneIds: `zoneid` a comma
    list (`all` clears it, omitted keeps it, an unknown uuid is refused); storage tags go to the disk offering."""
    zone_a = zone_id(admin, "zone-a")
    made = admin.createServiceOffering(name="so-move", **SIZES)["serviceoffering"]
    moved = admin.updateServiceOffering(id=made["id"], zoneid=zone_a)["serviceoffering"]
    assert moved["zoneid"] == zone_a
    assert admin.updateServiceOffering(id=made["id"], name="so-moved")["serviceoffering"]["zoneid"] == zone_a
    assert "zoneid" not in admin.updateServiceOffering(id=made["id"], zoneid="all")["serviceoffering"]
    status, error = api_error(admin.updateServiceOffering, id=made["id"], zoneid="nope")
    assert (status, error["errortext"]) == (431, ("Failed to create service offering because invalid zone has been "
                                                 "specified."))
    status, error = api_error(admin.updateServiceOffering, id=made["id"], state="Retired")
    assert (status, error["errortext"]) == (431, "Invalid state value: Retired")
    assert admin.updateServiceOffering(id=made["id"], storagetags=" dr , gold ")["serviceoffering"][
        "storagetags"] == "dr,gold"


def test_listing_by_size_follows_cloudstack(admin):
    """QueryManagerImpl.searchForServiceOfferingIdsAndCount: `cpunumber`/`memory` keep fixed offerings with at
    least that much and custom ones whose bounds hold it; `cpuspeed` keeps faster ones and those without."""
    names = {o["name"] for o in offering(admin, cpunumber=2, memory=2048)}
    assert "medium" in names and "small" not in names
    names = {o["name"] for o in offering(admin, cpunumber=1, memory=512)}
    assert {"small", "medium", "dr-small"} <= names
