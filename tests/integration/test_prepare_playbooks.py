"""Preparation through Ansible: the prepare playbook over the vms inventory, vm_prepare check
mode, diff and idempotence, --limit to one account, and a tenant's key refused."""

import json

import pytest
from simhost import ansible_env, running

from .conftest import DEMO_CONFIG, ROOT, module, playbook
from .engine.conftest import client_for

INVENTORY = str(ROOT / "inventory" / "demo.cloudstack.dr.vms.yml")
PREPARE = ROOT / "playbooks" / "prepare.yml"


@pytest.fixture(scope="module")
def cloud(tmp_path_factory):
    """A simulator of this module's own, configured by the configure playbook."""
    with running(tmp_path_factory.mktemp("prepare"), seed="demo") as server:
        proc = playbook(ROOT / "playbooks" / "configure.yml", ansible_env(server), "-e", f"dr_config={DEMO_CONFIG}")
        assert proc.returncode == 0, proc.stdout + proc.stderr
        yield server


def dr_states(server):
    api = client_for(server)
    states = {}
    for vm in api.list("listVirtualMachines", listall=True):
        details = {d["key"]: d["value"] for d in api.list("listResourceDetails", resourcetype="UserVm",
                                                           resourceid=vm["id"])}
        if details.get("dr.role") != "recovery":
            states[vm["name"]] = details.get("dr.state")
    return states


def recovery_vms(server):
    api = client_for(server)
    zone_b = next(z for z in api.list("listZones") if z["name"] == "zone-b")
    return sorted(vm["name"] for vm in api.list("listVirtualMachines", listall=True, zoneid=zone_b["id"],
                                                displayvm=False))


def test_check_mode_changes_nothing(cloud):
    rc, result, _ = module("vm_prepare", ansible_env(cloud), {"zone": "zone-a"}, check=True, diff=True)
    assert rc == 0 and result["changed"] and result["summary"]["selected"] == 3
    assert recovery_vms(cloud) == []
    assert set(dr_states(cloud).values()) == {None}


def test_limit_prepares_one_account(cloud):
    proc = playbook(PREPARE, ansible_env(cloud), "-i", INVENTORY, "--limit", "account_acme")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "2 VMs: 2 prepared, 0 failed, 2 changed" in proc.stdout
    states = dr_states(cloud)
    assert states["acme-web-1"] == states["acme-app-1"] == "Prepared"
    assert states["globex-db-1"] is None
    assert recovery_vms(cloud) == ["acme-app-1", "acme-web-1"]


def test_the_whole_inventory_then_nothing_to_do(cloud):
    proc = playbook(PREPARE, ansible_env(cloud), "-i", INVENTORY)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "3 VMs: 3 prepared, 0 failed, 1 changed" in proc.stdout
    again = playbook(PREPARE, ansible_env(cloud), "-i", INVENTORY)
    assert again.returncode == 0 and "3 VMs: 3 prepared, 0 failed, 0 changed" in again.stdout
    assert "changed=1" not in again.stdout


def test_diff_names_what_drifted(cloud):
    api = client_for(cloud)
    web = next(vm for vm in api.list("listVirtualMachines", listall=True) if vm["name"] == "acme-web-1"
               and vm["displayvm"])
    ip = next(i for i in api.list("listPublicIpAddresses", listall=True) if i.get("virtualmachineid") == web["id"])
    api.run([api.submit("createFirewallRule", ipaddressid=ip["id"], protocol="tcp", startport=8443, endport=8443)])
    rc, result, printed = module("vm_prepare", ansible_env(cloud), {"vms": ["acme-web-1"]}, check=True, diff=True)
    assert rc == 0 and result["changed"]
    assert any("firewall rule tcp/8443/8443" in c for c in result["vms"][0]["changes"])
    assert "8443" in printed  # --diff shows the recovery VM's rules before and after
    rc, result, _ = module("vm_prepare", ansible_env(cloud), {"vms": ["acme-web-1"]})
    assert rc == 0 and result["changed"]
    rc, result, _ = module("vm_prepare", ansible_env(cloud), {"vms": ["acme-web-1"]})
    assert rc == 0 and not result["changed"]


@pytest.mark.parametrize(("options", "field", "text"), [
    ({"vms": ["no-such-vm"]}, "vms[0]", "no VM with the name or id"),
    ({"vms": ["acme-plain-1"]}, "vms[0]", "not DR-enabled"),
    ({"zone": "zone-z"}, "zone", "Use one of: zone-a, zone-b"),
    ({"zone": "zone-a", "batch_size": 0}, "batch_size", "at least 1"),
])
def test_bad_input_fails_before_any_change(cloud, options, field, text):
    before = recovery_vms(cloud)
    rc, result, _ = module("vm_prepare", ansible_env(cloud), options)
    assert rc != 0 and result["failure"]["field"] == field and text in result["msg"]
    assert recovery_vms(cloud) == before


def test_a_tenant_key_is_refused(cloud):
    conf = cloud.section("acme")
    env = ansible_env(cloud, CLOUDSTACK_REGION="acme")
    rc, result, _ = module("vm_prepare", env, {"zone": "zone-a"})
    assert rc != 0 and result["failure"]["field"] == "api_key" and "root admin" in result["msg"]
    assert conf["secret"] not in json.dumps(result)
