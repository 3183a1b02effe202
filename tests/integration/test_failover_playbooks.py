"""playbooks/failover.yml and failback.yml through Ansible, on a simulator of this module's own:
validation stops before any change, tier 1 runs before tier 2, ids and data survive the round
trip, a re-run changes nothing, and the report has its timeline."""

import re
from contextlib import contextmanager

import pytest

from .. import drapi
from .conftest import ROOT, playbook
from .engine.conftest import client_for, protected_cloud

INVENTORY = str(ROOT / "inventory" / "demo.cloudstack.dr.vms.yml")
PROTECTED = ("acme-app-1", "acme-web-1", "globex-db-1")


@contextmanager
def tiered_cloud(tmp_path_factory, name):
    """A protected demo cloud of its own in which globex-db-1 is tier 2 (the acme VMs stay tier 1)."""
    tmp = tmp_path_factory.mktemp(name)
    with protected_cloud(tmp) as (server, api, zones):
        db = next(vm for vm in api.list("listVirtualMachines", listall=True) if vm["name"] == "globex-db-1")
        drapi.in_tier(api, db, 2)
        yield server, api, zones, tmp


@pytest.fixture(scope="module")
def cloud(tmp_path_factory):
    with tiered_cloud(tmp_path_factory, "failover") as tiered:
        yield tiered


def run(server, name, tmp, *extra):
    env = {"CLOUDSTACK_CONFIG": str(server.ini), "PATH": "/usr/bin:/bin"}
    return playbook(ROOT / "playbooks" / name, env, "-i", INVENTORY, "-e", "move_zone=zone-a",
                    "-e", f"move_progress_log={tmp / 'progress.log'}", *extra)


def volume_markers(server, api, vm_id):
    """The content markers of a VM's volumes, root first."""
    volumes = sorted(api.list("listVolumes", virtualmachineid=vm_id, listall=True), key=lambda v: v["deviceid"])
    return [server.ctl("read-marker", volume=v["id"])["marker"] for v in volumes]


def visible(api, zone_id=None):
    return {vm["name"]: vm for vm in api.list("listVirtualMachines", listall=True, **({"zoneid": zone_id} if zone_id
                                                                                     else {}))
            if vm.get("displayvm", True)}


def test_an_option_under_its_old_name_stops_the_run_before_any_call(cloud):
    """-e dr_zone (before the move role) would have been read as an inventory host variable: refused."""
    server, _, _, tmp = cloud
    before = server.ctl("status")["api_calls"]
    proc = run(server, "failover.yml", tmp, "-e", "dr_zone=zone-a")
    assert proc.returncode != 0 and "-e dr_zone and the other dr_ options of this playbook are now -e move_zone" \
        in proc.stdout, proc.stdout[-2000:]
    writes = {c: n for c, n in server.ctl("status")["api_calls"].items()
              if not c.startswith(("list", "query")) and n != before.get(c)}
    assert writes == {}


def test_an_unprepared_vm_stops_the_failover_before_any_change(cloud):
    server, api, zones, tmp = cloud
    zone_a = zones["zone-a"]["id"]
    template = api.list("listTemplates", templatefilter="all", zoneid=zone_a)[0]
    offering = next(o for o in api.list("listServiceOfferings") if o["name"] == "dr-small")
    net = next(n for n in api.list("listNetworks", listall=True) if n["name"] == "acme-web" and n["zoneid"] == zone_a)
    [job] = api.run([api.submit("deployVirtualMachine", zoneid=zone_a, serviceofferingid=offering["id"],
                                templateid=template["id"], name="acme-late-1", networkids=net["id"],
                                account="acme", domainid=net["domainid"])])
    before = {n: (vm["zoneid"], vm["state"]) for n, vm in visible(api).items()}
    # zone-a is up (the unprepared VM must be destroyed afterwards): the operator confirms its loss
    proc = run(server, "failover.yml", tmp, "-e", f"move_report={tmp / 'refused.html'}",
               "-e", "move_confirm_zone_lost=zone-a")
    assert proc.returncode != 0 and "REFUSED: the VM is not prepared" in proc.stdout
    assert "nothing was changed" in proc.stdout
    assert {n: (vm["zoneid"], vm["state"]) for n, vm in visible(api).items()} == before
    api.run([api.submit("destroyVirtualMachine", id=job.result["virtualmachine"]["id"], expunge=True)])


def test_failover_tier_by_tier_with_a_report(cloud):
    server, api, zones, tmp = cloud
    before = visible(api, zones["zone-a"]["id"])
    markers = {name: volume_markers(server, api, before[name]["id"]) for name in PROTECTED}
    assert all(markers.values())
    server.ctl("fail-zone", zone="zone-a")
    since = server.ctl("joblog")[-1]["ended"]
    proc = run(server, "failover.yml", tmp, "-e", f"move_report={tmp / 'failover.html'}")
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr
    after = visible(api)
    for name in PROTECTED:
        assert (after[name]["id"], after[name]["zoneid"], after[name]["state"]) == \
            (before[name]["id"], zones["zone-b"]["id"], "Running")
        assert volume_markers(server, api, after[name]["id"]) == markers[name], name  # the replicas, in order
    starts = [j for j in server.ctl("joblog", since=since) if j["cmd"] == "startVirtualMachine"]
    tier2 = before["globex-db-1"]["id"]
    assert max(j["ended"] for j in starts if j["instanceid"] != tier2) <= \
        min(j["started"] for j in starts if j["instanceid"] == tier2)
    page = (tmp / "failover.html").read_text()
    assert "<svg" in page and "globex-db-1" in page and "tier 2" in page
    assert "tail -f" in proc.stdout and (tmp / "progress.log").read_text().count("failover tier") >= 10


def test_a_rerun_changes_nothing(cloud):
    server, _, _, tmp = cloud
    proc = run(server, "failover.yml", tmp, "-e", f"move_report={tmp / 'again.html'}")
    assert proc.returncode == 0, proc.stdout[-3000:]
    assert "nothing: already done" in proc.stdout
    recap = proc.stdout.rpartition("PLAY RECAP")[2]
    assert re.findall(r"changed=(\d+)", recap) and set(re.findall(r"changed=(\d+)", recap)) == {"0"}, recap
    assert set(re.findall(r"failed=(\d+)", recap)) == {"0"}, recap


def test_the_owner_sees_one_vm_with_its_id(cloud):
    server = cloud[0]
    acme = client_for(server, "acme")
    names = [vm["name"] for vm in acme.list("listVirtualMachines")]
    assert sorted(names) == ["acme-app-1", "acme-plain-1", "acme-web-1"]


def test_failback_brings_the_data_written_in_the_recovery_zone_home(cloud):
    server, api, zones, tmp = cloud
    web = visible(api)["acme-web-1"]
    root = next(v for v in api.list("listVolumes", virtualmachineid=web["id"], listall=True) if v["type"] == "ROOT")
    server.ctl("write-marker", volume=root["id"], text="written in zone-b")
    server.ctl("recover-zone", zone="zone-a")
    proc = run(server, "failback.yml", tmp, "-e", f"move_report={tmp / 'failback.html'}")
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr
    home = visible(api)["acme-web-1"]
    assert (home["id"], home["zoneid"], home["state"]) == (web["id"], zones["zone-a"]["id"], "Running")
    root = next(v for v in api.list("listVolumes", virtualmachineid=home["id"], listall=True) if v["type"] == "ROOT")
    assert server.ctl("read-marker", volume=root["id"])["marker"] == "written in zone-b"


@pytest.fixture(scope="module")
def failing_cloud(tmp_path_factory):
    """A second tiered cloud, for a run whose VM starts fail until the test lifts the fault."""
    with tiered_cloud(tmp_path_factory, "failing") as tiered:
        yield tiered


def test_a_failed_tier_holds_the_next_one_and_a_rerun_finishes(failing_cloud):
    server, api, zones, tmp = failing_cloud
    before = visible(api, zones["zone-a"]["id"])
    server.ctl("fail-zone", zone="zone-a")
    server.ctl("faults", commands={"startVirtualMachine": 1.0})
    since = server.ctl("joblog")[-1]["ended"]
    proc = run(server, "failover.yml", tmp, "-e", f"move_report={tmp / 'failed.html'}")
    assert proc.returncode != 0
    assert "tier 2 not started: acme-app-1, acme-web-1 of an earlier tier did not finish" in proc.stdout
    assert "did not finish" in proc.stdout and (tmp / "failed.html").exists()
    moved = {j["instanceid"] for j in server.ctl("joblog", since=since) if j["cmd"] == "detachVolume"}
    tier2 = {v["id"] for v in api.list("listVolumes", listall=True, virtualmachineid=before["globex-db-1"]["id"])}
    assert moved, "tier 1 detached its volumes"
    assert tier2 and not moved & tier2, "tier 2 was not touched"

    server.ctl("faults", commands={})
    proc = run(server, "failover.yml", tmp, "-e", f"move_report={tmp / 'resumed.html'}")
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr
    after = visible(api)
    for name in PROTECTED:
        assert (after[name]["id"], after[name]["zoneid"], after[name]["state"]) == \
            (before[name]["id"], zones["zone-b"]["id"], "Running"), name
