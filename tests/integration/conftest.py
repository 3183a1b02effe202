"""A simulator for the whole session, and helpers that run Ansible against it."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from pathlib import Path

import cs
import pytest

ROOT = Path(__file__).resolve().parents[2]
DEMO_CONFIG = ROOT / "playbooks" / "vars" / "demo.yml"  # playbooks/configure.yml -e dr_config=...
sys.path.insert(0, str(ROOT / "scripts"))

from csread import both, details
from simhost import ansible_env, running

BIN = Path(sys.executable).parent


@pytest.fixture(scope="session")
def sim(tmp_path_factory):
    with running(tmp_path_factory.mktemp("simulator"), seed="demo") as server:
        yield server


@pytest.fixture
def env(sim):
    """The environment of an Ansible run against the session's simulator."""
    return lambda **extra: ansible_env(sim, **extra)


def zone_details(sim) -> dict:
    """zone name -> its dr.* details, read directly with a root admin's `cs` client."""
    return resource_details(sim, "Zone", "listZones")


def resource_details(sim, resourcetype: str, listing: str) -> dict:
    """name -> dr.* details of every object `listing` answers, read with a root admin's `cs` client."""
    conf = sim.section()
    api = cs.CloudStack(endpoint=conf["endpoint"], key=conf["key"], secret=conf["secret"])
    out = {}
    for item in getattr(api, listing)(fetch_list=True):
        out[item["name"]] = {k: v for k, v in details(api, resourcetype, item["id"]).items() if k.startswith("dr.")}
    return out





def ansible(args, env) -> subprocess.CompletedProcess:
    env = dict(env, ANSIBLE_CONFIG=str(ROOT / "ansible.cfg"), ANSIBLE_NOCOLOR="1", ANSIBLE_FORCE_COLOR="0")
    return subprocess.run(args, check=False, env=env, cwd=ROOT, capture_output=True, text=True, timeout=300)


def zone_link(env, options: dict, check=False, diff=False) -> tuple[int, dict, str]:
    """One ad-hoc zone_link call: its exit code, the module's result, and what was printed before it."""
    return module("zone_link", env, options, check, diff)


def module(name, env, options: dict, check=False, diff=False) -> tuple[int, dict, str]:
    """One ad-hoc call of cloudstack.dr.<name>: its exit code, the module's result, what was printed before it."""
    proc, result, printed = adhoc(name, env, options, check, diff)
    return proc.returncode, result, printed


def adhoc(name, env, options: dict, check=False, diff=False) -> tuple[subprocess.CompletedProcess, dict, str]:
    """`module`, with the whole process (its stdout and stderr) instead of the exit code."""
    args = [str(BIN / "ansible"), "localhost", "-m", f"cloudstack.dr.{name}", "-a", json.dumps(options)]
    proc = ansible(args + ["--check"] * check + ["--diff"] * diff, env)
    # The ad-hoc output ends with "localhost | CHANGED => {...json...}", after any diff.
    printed, _, result = ("\n" + proc.stdout).rpartition("\nlocalhost | ")
    try:
        return proc, json.loads(result.split(" => ", 1)[1]), printed
    except (IndexError, json.JSONDecodeError):
        pytest.fail(f"no module result (rc {proc.returncode}):\n{proc.stdout}\n{proc.stderr}")


def playbook(path, env, *extra) -> subprocess.CompletedProcess:
    return ansible([str(BIN / "ansible-playbook"), str(path), *extra], env)


def absent(env, name, option, values) -> None:
    """Cleanup: cloudstack.dr.<name> with `option` set to each value and state=absent."""
    for value in values:
        module(name, env, {option: value, "state": "absent"})


def run_target(name, env) -> None:
    """Run tests/integration/targets/<name>/main.yml with --diff; it must pass."""
    proc = playbook(ROOT / "tests/integration/targets" / name / "main.yml", env, "--diff")
    assert proc.returncode == 0 and "failed=0" in proc.stdout, proc.stdout + proc.stderr


@pytest.fixture
def linked(env):
    """zone-a protected by zone-b during the test."""
    rc, result, _ = zone_link(env(), {"active_zone": "zone-a", "recovery_zone": "zone-b"})
    assert rc == 0, result.get("msg")


def untouched(sim, resourcetype: str, listing: str) -> bool:
    """No object of `listing` has a dr.* detail."""
    return all(details == {} for details in resource_details(sim, resourcetype, listing).values())


# What a fingerprint of the cloud lists as a root admin, and the resource types whose details it reads:
# everything the collection could change. ALL: every account's objects.
ALL = {"listall": True}
CLOUD_LISTINGS = {
    "zones": ("listZones", {}), "pods": ("listPods", {}), "clusters": ("listClusters", {}), "hosts": ("listHosts", {}),
    "storage_pools": ("listStoragePools", {}), "service_offerings": ("listServiceOfferings", {}),
    "disk_offerings": ("listDiskOfferings", {}), "alerts": ("listAlerts", {}),
    "templates": ("listTemplates", {"templatefilter": "all", **ALL}),
    "vms": ("listVirtualMachines", {"userdata": True, **ALL}),
    "volumes": ("listVolumes", ALL), "networks": ("listNetworks", ALL), "vpcs": ("listVPCs", ALL),
    "public_ips": ("listPublicIpAddresses", ALL), "firewall_rules": ("listFirewallRules", ALL),
    "port_forwarding_rules": ("listPortForwardingRules", ALL), "egress_rules": ("listEgressFirewallRules", ALL),
    "tags": ("listTags", ALL), "accounts": ("listAccounts", ALL), "users": ("listUsers", ALL),
}
# resource type -> the listing of its objects (CloudStack lists details one resource at a time)
DETAIL_TYPES = {"Zone": "zones", "Storage": "storage_pools", "ServiceOffering": "service_offerings",
                "DiskOffering": "disk_offerings", "Template": "templates", "UserVm": "vms", "Volume": "volumes",
                "Network": "networks", "Vpc": "vpcs", "PublicIpAddress": "public_ips", "FirewallRule": "firewall_rules"}


def fingerprint(server) -> dict:
    """The whole cloud as a root admin sees it: every listing of CLOUD_LISTINGS (VMs with their state, zone
    and displayvm, hidden ones included), every resource detail of DETAIL_TYPES, and the simulator's object
    counts. Two fingerprints are equal when nothing in the cloud changed. Users (with their API keys) are
    kept as digests, so a failed comparison prints no key."""
    conf = server.section()
    api = cs.CloudStack(endpoint=conf["endpoint"], key=conf["key"], secret=conf["secret"])

    def canonical(items):
        return sorted(json.dumps(item, sort_keys=True) for item in items)

    out, items = {"objects": server.ctl("status")["objects"]}, {}
    for name, (command, params) in CLOUD_LISTINGS.items():
        items[name] = both(api, command, **params)
        out[name] = canonical(items[name])
    out["users"] = [hashlib.sha256(user.encode()).hexdigest() for user in out["users"]]
    for resourcetype, name in DETAIL_TYPES.items():
        ids = sorted({item["id"] for item in items[name]})
        out[f"details {resourcetype}"] = {i: details(api, resourcetype, i) for i in ids}
    return out


def api_writes(before: dict, after: dict) -> dict:
    """Commands other than list/query/get that the simulator answered between two `ctl status` api_calls."""
    return {command: count - before.get(command, 0) for command, count in after.items()
            if count != before.get(command, 0) and not command.startswith(("list", "query", "get"))}
