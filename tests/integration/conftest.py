"""A simulator for the whole session, and helpers that run Ansible against it."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import cs
import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "scripts"))

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
        rows = api.listResourceDetails(resourcetype=resourcetype, resourceid=item["id"], fetch_list=True)
        out[item["name"]] = {r["key"]: r["value"] for r in rows if r["key"].startswith("dr.")}
    return out


def ansible(args, env) -> subprocess.CompletedProcess:
    env = dict(env, ANSIBLE_CONFIG=str(ROOT / "ansible.cfg"), ANSIBLE_NOCOLOR="1", ANSIBLE_FORCE_COLOR="0")
    return subprocess.run(args, check=False, env=env, cwd=ROOT, capture_output=True, text=True, timeout=300)


def zone_link(env, options: dict, check=False, diff=False) -> tuple[int, dict, str]:
    """One ad-hoc zone_link call: its exit code, the module's result, and what was printed before it."""
    return module("zone_link", env, options, check, diff)


def module(name, env, options: dict, check=False, diff=False) -> tuple[int, dict, str]:
    """One ad-hoc call of cloudstack.dr.<name>: its exit code, the module's result, what was printed before it."""
    args = [str(BIN / "ansible"), "localhost", "-m", f"cloudstack.dr.{name}", "-a", json.dumps(options)]
    proc = ansible(args + ["--check"] * check + ["--diff"] * diff, env)
    # The ad-hoc output ends with "localhost | CHANGED => {...json...}", after any diff.
    printed, _, result = ("\n" + proc.stdout).rpartition("\nlocalhost | ")
    try:
        return proc.returncode, json.loads(result.split(" => ", 1)[1]), printed
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
