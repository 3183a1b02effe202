"""Offerings, templates, SSH key pairs and affinity groups through the real `cs` client."""

from .test_infra_storage import api_error


def test_template_is_listed_once_per_zone_with_one_id(acme):
    rows = acme.listTemplates(templatefilter="featured", name="debian-12")["template"]
    assert len(rows) == 2 and len({r["id"] for r in rows}) == 1
    assert sorted(r["zonename"] for r in rows) == ["zone-a", "zone-b"]
    zone_b = acme.listZones(name="zone-b")["zone"][0]["id"]
    assert [r["zonename"] for r in acme.listTemplates(templatefilter="executable", zoneid=zone_b,
                                                       name="debian-12")["template"]] == ["zone-b"]
    assert acme.listTemplates(templatefilter="self") == {}


def test_template_filter_all_is_for_admins(admin, acme):
    status, error = api_error(acme.listTemplates, templatefilter="all")
    assert (status, error["errortext"]) == (431, "Filter all can be specified by admin only")
    assert admin.listTemplates(templatefilter="all")["count"] == 2


def test_service_offerings_carry_storage_tags(admin, acme):
    dr = acme.listServiceOfferings(name="dr-small")["serviceoffering"][0]
    assert (dr["cpunumber"], dr["cpuspeed"], dr["memory"], dr["storagetags"]) == (1, 1000, 512, "dr")
    status, _ = api_error(acme.createServiceOffering, name="x", displaytext="x", cpunumber=1, cpuspeed=1, memory=1)
    assert status == 432
    made = admin.createServiceOffering(name="tagged", displaytext="t", cpunumber=2, cpuspeed=500, memory=256,
                                       tags="gold", hosttags="ssd")["serviceoffering"]
    updated = admin.updateServiceOffering(id=made["id"], storagetags="dr")["serviceoffering"]
    assert (updated["storagetags"], updated["hosttags"]) == ("dr", "ssd")
    admin.deleteServiceOffering(id=made["id"])
    assert admin.listServiceOfferings(id=made["id"]) == {}


def test_disk_offerings(admin):
    names = {o["name"]: o for o in admin.listDiskOfferings()["diskoffering"]}
    assert names["dr-data-5g"]["tags"] == "dr" and names["data-20g"]["disksize"] == 20
    status, error = api_error(admin.createDiskOffering, name="nosize", displaytext="x")
    assert (status, error["errortext"]) == (431, "Disksize is required for a non-customized disk offering")


def test_ssh_key_pairs(acme, globex):
    made = acme.createSSHKeyPair(name="laptop")["keypair"]
    assert made["privatekey"].startswith("-----BEGIN RSA PRIVATE KEY-----") and made["fingerprint"].count(":") == 15
    assert {k["name"] for k in acme.listSSHKeyPairs()["sshkeypair"]} == {"acme-ops", "laptop"}
    assert globex.listSSHKeyPairs() == {}
    status, error = api_error(acme.createSSHKeyPair, name="laptop")
    assert (status, error["errortext"]) == (431, "A key pair with name 'laptop' already exists.")
    status, error = api_error(acme.registerSSHKeyPair, name="bad", publickey="not a key")
    assert (status, error["errortext"]) == (431, "Public key is invalid")
    acme.deleteSSHKeyPair(name="laptop")
    assert [k["name"] for k in acme.listSSHKeyPairs()["sshkeypair"]] == ["acme-ops"]


def test_affinity_groups(acme):
    group = acme.listAffinityGroups(name="acme-spread")["affinitygroup"][0]
    assert group["type"] == "host anti-affinity"
    made = acme.createAffinityGroup(name="pair", type="host affinity", fetch_result=True)["affinitygroup"]
    status, _ = api_error(acme.createAffinityGroup, name="pair", type="host affinity")
    assert status == 431
    acme.deleteAffinityGroup(id=made["id"], fetch_result=True)
    assert acme.listAffinityGroups(name="pair") == {}


def test_os_types_are_listed(acme):
    assert "Debian GNU/Linux 12 (64-bit)" in {o["description"] for o in acme.listOsTypes()["ostype"]}
