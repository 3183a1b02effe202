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
    conf = sim.section()
    api = cs.CloudStack(endpoint=conf["endpoint"], key=conf["key"], secret=conf["secret"])
    out = {}
    for zone in api.listZones(fetch_list=True):
        rows = api.listResourceDetails(resourcetype="Zone", resourceid=zone["id"], fetch_list=True)
        out[zone["name"]] = {r["key"]: r["value"] for r in rows if r["key"].startswith("dr.")}
    return out


def ansible(args, env) -> subprocess.CompletedProcess:
    env = dict(env, ANSIBLE_CONFIG=str(ROOT / "ansible.cfg"), ANSIBLE_NOCOLOR="1", ANSIBLE_FORCE_COLOR="0")
    return subprocess.run(args, check=False, env=env, cwd=ROOT, capture_output=True, text=True, timeout=300)


def zone_link(env, options: dict, check=False, diff=False) -> tuple[int, dict, str]:
    """One ad-hoc zone_link call: its exit code, the module's result, and what was printed before it."""
    args = [str(BIN / "ansible"), "localhost", "-m", "cloudstack.dr.zone_link", "-a", json.dumps(options)]
    proc = ansible(args + ["--check"] * check + ["--diff"] * diff, env)
    # The ad-hoc output ends with "localhost | CHANGED => {...json...}", after any diff.
    printed, _, result = ("\n" + proc.stdout).rpartition("\nlocalhost | ")
    try:
        return proc.returncode, json.loads(result.split(" => ", 1)[1]), printed
    except (IndexError, json.JSONDecodeError):
        pytest.fail(f"no module result (rc {proc.returncode}):\n{proc.stdout}\n{proc.stderr}")


def playbook(path, env, *extra) -> subprocess.CompletedProcess:
    return ansible([str(BIN / "ansible-playbook"), str(path), *extra], env)
