"""Conformance: templates, SSH key pairs, affinity groups and registered user data as Apache CloudStack 4.20
answers them.

Each test's docstring names the Java class and method whose rule it checks (apache/cloudstack, read at
4.21.0.0-SNAPSHOT); simulator/rules/infra.md lists the rules.
"""

import base64

from .test_infra_storage import api_error, job_error
from .test_offerings_rules import zone_id

TEMPLATE = {"format": "QCOW2", "hypervisor": "KVM", "url": "http://images.example.com/app.qcow2"}
USERDATA = base64.b64encode(b"#cloud-config\nruncmd: [true]\n").decode()


def os_type(api):
    return api.listOsTypes(description="Debian")["ostype"][0]["id"]


# -- templates -------------------------------------------------------------------------------------
def test_template_filter_is_a_case_sensitive_enum(acme):
    """QueryManagerImpl.searchForTemplatesInternal: TemplateFilter.valueOf (IllegalArgumentException, 431);
    `shared` is a valid filter (templates shared through launch permissions)."""
    status, error = api_error(acme.listTemplates, templatefilter="Featured")
    assert (status, error["errortext"]) == (431, ("No enum constant com.cloud.template.VirtualMachineTemplate."
                                                 "TemplateFilter.Featured"))
    assert acme.listTemplates(templatefilter="shared") == {}
    assert acme.listTemplates(templatefilter="featured", name="debian-12")["count"] == 2


def test_register_template_needs_a_zone_and_an_os_type(acme):
    """RegisterTemplateCmd.validateParameters: zoneid or zoneids (not both), and a guest OS type."""
    zone = zone_id(acme, "zone-a")
    cases = [({"ostypeid": os_type(acme)}, "Either zoneid or zoneids is required. Both cannot be null."),
             ({"zoneid": zone, "zoneids": zone, "ostypeid": os_type(acme)},
              "Both zoneid and zoneids cannot be specified at the same time"),
             ({"zoneid": zone}, "Please provide a guest OS type")]
    for params, text in cases:
        status, error = api_error(acme.registerTemplate, name="tpl-x", **TEMPLATE, **params)
        assert (status, error["errortext"]) == (431, text), params


def test_register_template_checks_format_hypervisor_url_and_zones(acme, admin):
    """TemplateAdapterBase.prepare (all zones only for admins; the image format; a Disabled zone for non-root) and
    HypervisorTemplateAdapter.prepare -> UriUtils.validateUrl (scheme, extension for the format)."""
    base = {"zoneid": zone_id(acme, "zone-a"), "ostypeid": os_type(acme)}
    cases = [
        ({"zoneid": "-1"}, "Please specify a valid zone Id. Only admins can create templates in all zones."),
        ({"format": "QCOW3"}, ("Image format: QCOW3 is incorrect. Supported formats are [QCOW2, RAW, VHD, ISO, OVA, "
                              "VHDX, BAREMETAL, VMDK, VDI, TAR, ZIP, DIR, ]")),
        ({"hypervisor": "Hyper-KVM"}, ("Hypervisor Type: Hyper-KVM is invalid. Supported Hypervisor types are: "
                                      "XenServer, KVM, VMware, Hyperv, VirtualBox, Parralels, BareMetal, Simulator, "
                                      "Ovm, Ovm3, LXC, Custom, Any")),
        ({"url": "ftp://images.example.com/app.qcow2"}, "Unsupported scheme for url: ftp://images.example.com/app.qcow2"),
        ({"url": "http://images.example.com/app.vhd"},
         "Please specify a valid URL. URL:/app.vhd is an invalid for the format qcow2"),
        ({"url": "http://images.example.com/app.exe"}, "Please specify a valid qcow2"),
    ]
    for params, text in cases:
        status, error = api_error(acme.registerTemplate, name="tpl-x", **{**TEMPLATE, **base, **params})
        assert (status, error["errortext"]) == (431, text), params
    admin.updateZone(id=base["zoneid"], allocationstate="Disabled")
    try:
        status, error = api_error(acme.registerTemplate, name="tpl-x", **TEMPLATE, **base)
    finally:
        admin.updateZone(id=base["zoneid"], allocationstate="Enabled")
    assert status == 531 and error["errortext"].startswith("Cannot perform this operation, Zone Zone {")


def test_registered_template_answers_per_zone_and_hides_its_url(acme, globex):
    """RegisterTemplateCmd answers a list, one entry per zone; displaytext defaults to the name; a user may make
    it public (allow.public.user.templates); status and url only for its owner and root admins
    (TemplateJoinDaoImpl)."""
    made = acme.registerTemplate(name="tpl-pub", ispublic=True, zoneids=",".join(
        [zone_id(acme, "zone-a"), zone_id(acme, "zone-b")]), ostypeid=os_type(acme), **TEMPLATE)
    assert made["count"] == 2 and {t["displaytext"] for t in made["template"]} == {"tpl-pub"}
    assert made["template"][0]["url"] == TEMPLATE["url"]
    seen = globex.listTemplates(templatefilter="executable", name="tpl-pub")["template"]
    assert seen and "url" not in seen[0] and "status" not in seen[0]


# -- SSH key pairs ---------------------------------------------------------------------------------
def test_ssh_key_pair_texts_and_events(acme):
    """ManagementServerImpl.createSSHKeyPair ("... already exists.", no event), registerSSHKeyPair (checkForKeyByName
    "... already exists for this account.", then the key; event REGISTER.SSH.KEYPAIR), deleteSSHKeyPair (no event);
    listSSHKeyPairs lists the newest first."""
    acme.createSSHKeyPair(name="kp-one")
    key = acme.listSSHKeyPairs(name="kp-one")["sshkeypair"][0]
    status, error = api_error(acme.registerSSHKeyPair, name="kp-one", publickey="ssh-rsa AAAA")
    assert (status, error["errortext"]) == (431, "A key pair with name 'kp-one' already exists for this account.")
    material = "ssh-ed25519 " + base64.b64encode(b"\x00\x00\x00\x0bssh-ed25519" + bytes(36)).decode() + " me@host"
    made = acme.registerSSHKeyPair(name="kp-two", publickey=material)["keypair"]
    status, error = api_error(acme.registerSSHKeyPair, name="kp-three", publickey=material)
    assert (status, error["errortext"]) == (431, f"A key pair with key '{material}' already exists for this account.")
    compact = base64.b64encode(material.encode()).decode()  # material without a space is base64-decoded first
    status, error = api_error(acme.registerSSHKeyPair, name="kp-four", publickey=compact)
    assert status == 431 and error["errortext"].startswith("A key pair with key ")
    assert [k["name"] for k in acme.listSSHKeyPairs()["sshkeypair"]][:2] == ["kp-two", "kp-one"]
    acme.deleteSSHKeyPair(name="kp-one")
    events = {e["type"] for e in acme.listEvents()["event"]}
    assert "REGISTER.SSH.KEYPAIR" in events and "DELETE.SSH.KEYPAIR" not in events
    assert made["fingerprint"] != key["fingerprint"]


# -- affinity groups -------------------------------------------------------------------------------
def test_affinity_group_types(acme, admin):
    """AffinityGroupServiceImpl.createAffinityGroup: the processors' types (non-strict ones too); an unknown type
    names the valid ones; ExplicitDedication is admin-controlled (531 for others)."""
    made = acme.createAffinityGroup(name="soft", type="non-strict host anti-affinity", fetch_result=True)
    assert made["affinitygroup"]["type"] == "non-strict host anti-affinity"
    status, error = api_error(acme.createAffinityGroup, name="x", type="rack anti-affinity")
    assert status == 431 and error["errortext"].startswith("Unable to create affinity group, invalid affinity group "
                                                           "type: rack anti-affinity. Valid values are ")
    assert {"host affinity", "host anti-affinity", "non-strict host affinity", "non-strict host anti-affinity",
            "ExplicitDedication"} == set(error["errortext"].split("Valid values are ")[1].split(","))
    status, error = api_error(acme.createAffinityGroup, name="x", type="ExplicitDedication")
    assert (status, error["errortext"]) == (531, "Cannot create the affinity group")


def test_affinity_group_is_made_at_submit_and_deleted_in_the_job(acme):
    """CreateAffinityGroupCmd is an async create command: the group exists once the call is accepted;
    deleteAffinityGroup looks a name up in its job ("Unable to find affinity group <name>", 431)."""
    submitted = acme.createAffinityGroup(name="early", type="host affinity")
    assert acme.listAffinityGroups(name="early")["count"] == 1
    acme._jobresult(submitted["jobid"])
    code, text = job_error(acme.deleteAffinityGroup, name="missing")
    assert (code, text) == (431, "Unable to find affinity group missing")
    code, text = job_error(acme.deleteAffinityGroup)
    assert (code, text) == (431, "Either the affinity group Id or group name must be specified to delete the group")


def test_affinity_group_name_is_unique_per_account_even_for_an_admin_acting_for_it(acme, admin):
    """AffinityGroupServiceImpl.createAffinityGroup: isNameInUse(accountId, domainId, name), backed by the
    affinity_group table's UNIQUE (name, account_id) (schema-410to420.sql): a second group of the same name in the
    same account is refused whoever creates it; another account may use the name."""
    root = next(d for d in admin.listDomains(listall=True)["domain"] if not d.get("parentdomainid"))
    owner = {"account": "admin", "domainid": root["id"]}
    admin.createAffinityGroup(name="lock-1", type="host anti-affinity", fetch_result=True, **owner)
    status, error = api_error(admin.createAffinityGroup, name="lock-1", type="host anti-affinity", **owner)
    text = "Unable to create affinity group, a group with name lock-1 already exists."
    assert (status, error["errortext"]) == (431, text)
    assert acme.createAffinityGroup(name="lock-1", type="host anti-affinity", fetch_result=True)["affinitygroup"]


# -- registered user data --------------------------------------------------------------------------
def test_user_data_rules(acme, globex):
    """ManagementServerImpl.registerUserData (name, then same content, then UserDataManagerImpl.validateUserData:
    "User data is not base64 encoded." with its period); listUserData newest first; deleteUserData is open to every
    role and checks no ownership."""
    acme.registerUserData(name="ud-one", userdata=USERDATA)
    status, error = api_error(acme.registerUserData, name="ud-two", userdata=USERDATA)
    assert (status, error["errortext"]) == (431, "Userdata ud-one with same content already exists for this account.")
    status, error = api_error(acme.registerUserData, name="ud-two", userdata="not base64!")
    assert (status, error["errortext"]) == (431, "User data is not base64 encoded.")
    acme.registerUserData(name="ud-two", userdata=base64.b64encode(b"two").decode())
    assert [u["name"] for u in acme.listUserData()["userdata"]] == ["ud-two", "ud-one"]
    one = acme.listUserData(name="ud-one")["userdata"][0]
    assert globex.deleteUserData(id=one["id"])["success"] in (True, "true")
    assert acme.listUserData(name="ud-one") == {}
