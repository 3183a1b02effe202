"""The vms inventory, dr_info and playbooks/status.yml through Ansible, against a simulator of their own.

The demo cloud is configured (zone link, DR offering) and, part-way, prepared by the engine, so
this module's simulator is not shared: the other tests expect an unconfigured cloud.
"""

from __future__ import annotations

import base64
import json
import re

import pytest
from ansible_collections.cloudstack.dr.plugins.module_utils.engine.prepare import PrepareRun
from ansible_collections.cloudstack.dr.plugins.module_utils.model.snapshot import Snapshot

from .. import drapi
from .conftest import BIN, ROOT, ansible, ansible_env, playbook, running
from .engine.conftest import client_for, configure_demo

INVENTORY = ROOT / "inventory" / "demo.cloudstack.dr.vms.yml"
DR_VMS = ["acme-app-1", "acme-web-1", "globex-db-1"]


@pytest.fixture(scope="module")
def cloud(tmp_path_factory):
    """A configured, not yet prepared demo cloud: (server, root client)."""
    with running(tmp_path_factory.mktemp("status")) as server:
        api = client_for(server)
        configure_demo(api)
        yield server, api


@pytest.fixture(scope="module")
def prepared(cloud):
    _, api = cloud
    snap = Snapshot(api)
    results = PrepareRun(api, snap).run(snap.originals())
    assert [r["error"] for r in results] == [None] * 3, results
    return cloud


def inventory(server, *args, inventory_file=INVENTORY, **env) -> dict | str:
    proc = ansible([str(BIN / "ansible-inventory"), "-i", str(inventory_file), *args], ansible_env(server, **env))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return json.loads(proc.stdout, object_hook=_plain) if "--list" in args else proc.stdout


def _plain(obj):
    """ansible-inventory marks strings from inventory plugins as unsafe (not templated): unwrap them."""
    return obj.get("__ansible_unsafe", obj) if list(obj) == ["__ansible_unsafe"] else obj


def dr_info(server, tmp, check=False, **options) -> dict:
    """One ad-hoc dr_info call; its result, as the tree callback writes it."""
    args = [str(BIN / "ansible"), "localhost", "-m", "cloudstack.dr.dr_info",
            "-a", json.dumps(options or {"drift": True})]
    env = ansible_env(server, ANSIBLE_LOAD_CALLBACK_PLUGINS="1", ANSIBLE_CALLBACKS_ENABLED="ansible.builtin.tree",
                      ANSIBLE_CALLBACK_TREE_DIR=str(tmp))
    proc = ansible(args + ["--check"] * check, env)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return json.loads((tmp / "localhost").read_text())


def hosts_of(listing, group):
    return sorted(listing.get(group, {}).get("hosts", []))


def test_inventory_lists_dr_vms_unprepared_before_preparation(cloud):
    server, _ = cloud
    listing = inventory(server, "--list")
    assert sorted(listing["_meta"]["hostvars"]) == DR_VMS  # acme-plain-1 is not of a DR offering
    assert hosts_of(listing, "dr_state_Unprepared") == DR_VMS
    web = listing["_meta"]["hostvars"]["acme-web-1"]
    assert (web["dr_tier"], web["dr_rto"], web["dr_recovery_zone"], web["ansible_connection"]) == (1, "1h", "zone-b",
                                                                                                     "local")


def test_inventory_after_preparation(prepared):
    server, api = prepared
    listing = inventory(server, "--list")
    hostvars = listing["_meta"]["hostvars"]
    # The recovery VMs carry the same names: none of them became a host (no name_<id> hosts).
    assert sorted(hostvars) == DR_VMS
    assert hosts_of(listing, "dr_state_Prepared") == hosts_of(listing, "tier_1") == DR_VMS
    assert hosts_of(listing, "zone_zone_a") == hosts_of(listing, "domain_ROOT_customers") == DR_VMS
    assert hosts_of(listing, "account_acme") == ["acme-app-1", "acme-web-1"]
    assert hosts_of(listing, "rto_1h") == DR_VMS  # the demo file's keyed group
    assert set(listing["cloudstack_dr"]["children"]) >= {"zone_zone_a", "account_acme", "account_globex", "tier_1",
                                                         "dr_state_Prepared", "domain_ROOT_customers", "rto_1h"}
    web = hostvars["acme-web-1"]
    original = api.list("listVirtualMachines", listall=True, name="acme-web-1", zoneid=web["dr_zone_id"])[0]
    assert web["dr_vm_id"] == original["id"] and web["dr_account"] == "acme" and web["dr_alert"] == ""
    assert web["dr_recovery_public_ips"] and all(ip.count(".") == 3 for ip in web["dr_recovery_public_ips"].values())


def test_a_group_selects_one_account(prepared):
    server, _ = prepared
    graph = inventory(server, "--graph", "account_acme")
    assert graph.split() == ["@account_acme:", "|--acme-app-1", "|--acme-web-1"]


def test_inventory_with_a_tenant_key_and_options(prepared, tmp_path):
    server, _ = prepared
    listing = inventory(server, "--list", CLOUDSTACK_REGION="acme")
    assert sorted(listing["_meta"]["hostvars"]) == ["acme-app-1", "acme-web-1"]
    assert hosts_of(listing, "dr_state_Prepared") == ["acme-app-1", "acme-web-1"]
    custom = tmp_path / "dr.cloudstack.dr.vms.yml"
    custom.write_text("plugin: cloudstack.dr.vms\naccounts: [globex]\nzones: [zone-a]\nonly_prepared: true\n"
                      "connection: ''\n")
    listing = inventory(server, "--list", inventory_file=custom)
    assert list(listing["_meta"]["hostvars"]) == ["globex-db-1"]
    assert "ansible_connection" not in listing["_meta"]["hostvars"]["globex-db-1"]


def test_dr_info_as_root_after_preparation(prepared, tmp_path):
    server, api = prepared
    result = dr_info(server, tmp_path, check=True)
    assert result["changed"] is False and result["admin"] and result["notes"] == []
    assert [(link["active_zone"]["name"], link["recovery_zone"]["name"]) for link in result["links"]] == [
        ("zone-a", "zone-b")]
    assert [n["active"]["name"] for n in result["links"][0]["network_map"]] == ["shared-a"]
    assert [(o["name"], o["tier"], o["rto"]) for o in result["offerings"]] == [("dr-small", 1, "1h")]
    vms = {vm["name"]: vm for vm in result["vms"]}
    assert sorted(vms) == DR_VMS
    for vm in vms.values():
        assert (vm["state"], vm["recovery_zone"], vm["tier"], vm["drift"], vm["drift_error"]) == (
            "Prepared", "zone-b", 1, [], None), vm
        recovery = api.list("listVirtualMachines", listall=True, id=vm["recovery_vm"], displayvm=False)[0]
        assert (recovery["name"], recovery["zonename"], recovery["displayvm"]) == (vm["name"], "zone-b", False)
    assert result["table"][2].split() == ["zone-a", "1", "Prepared", "3", "acme-app-1,", "acme-web-1,", "globex-db-1"]


def test_dr_info_as_a_tenant_shows_only_what_it_may_see(prepared, tmp_path):
    server, _ = prepared
    result = dr_info(server, tmp_path, api_region="acme")
    assert not result["admin"] and result["notes"] and result["links"] == [] and result["storage_maps"] == []
    assert [vm["name"] for vm in result["vms"]] == ["acme-app-1", "acme-web-1"]
    for vm in result["vms"]:
        assert (vm["state"], vm["recovery_zone"], vm["recovery_vm"], vm["drift"]) == ("Prepared", "zone-b", None,
                                                                                      None)
        assert vm["recovery_public_ips"]


def test_dr_info_storage_maps(prepared, tmp_path):
    server, api = prepared
    pool = next(p for p in api.list("listStoragePools") if p["zonename"] == "zone-a")
    drapi.write(api, "Storage", pool["id"], {"dr.replica_url": "nfs://10.2.0.11/export/replica",
                                             "dr.replica_scope": "cluster"}, visible=False)
    maps = dr_info(server, tmp_path, drift=False)["storage_maps"]
    assert {m["pool"]["name"]: m["replica"] for m in maps}[pool["name"]] == {
        "url": "nfs://10.2.0.11/export/replica", "scope": "cluster"}


def test_dr_info_shows_drift_and_status_playbook(prepared, tmp_path):
    """Last: it changes the original VM, so the recovery VM drifts."""
    server, api = prepared
    zone_a = next(z for z in api.list("listZones") if z["name"] == "zone-a")
    web = api.list("listVirtualMachines", listall=True, name="acme-web-1", zoneid=zone_a["id"])[0]
    api.call("updateVirtualMachine", id=web["id"], userdata=base64.b64encode(b"#cloud-config\n").decode())
    result = dr_info(server, tmp_path, vm="acme-web-1")
    assert [vm["name"] for vm in result["vms"]] == ["acme-web-1"]
    drift = result["vms"][0]["drift"]
    assert len(drift) == 1 and "user data" in drift[0], drift
    page = tmp_path / "status.html"
    proc = playbook(ROOT / "playbooks" / "status.yml", ansible_env(server), "-e", "dr_status_drift=true",
                    "-e", f"dr_status_html={page}")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert '"zone-a  1     Prepared  3    acme-app-1, acme-web-1, globex-db-1"' in proc.stdout
    # The VM in trouble comes first, with what is wrong; zones and the storage's replication are shown too.
    assert '"VMs in trouble: 1",\n        "  acme-web-1 (acme, zone-a, Prepared): drifted: ' in proc.stdout, proc.stdout
    assert re.search(r'"zone-a +Enabled +2 of 2 +no +zone-b +no +-"', proc.stdout), proc.stdout
    html = page.read_text()
    assert f"Status page: {page}" in proc.stdout and '<tr class="bad"><td>acme-web-1</td>' in html
    assert "no replication adapter: promoted by hand" in html, html  # this module's map names no adapter
