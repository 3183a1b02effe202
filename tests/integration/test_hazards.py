"""Safe at 3 a.m. (issue 14): the dangerous mistakes an operator makes, each refused before any change.

Each row of HAZARDS is a mistake (a playbook run as someone would mistype it), the refusal it must meet, and
the proof that nothing changed: the whole cloud's fingerprint is the same and the simulator answered no
write. The outcome rows after it show what the same run does once the mistake is corrected."""

import pytest
import yaml

from .conftest import DEMO_CONFIG, ROOT, api_writes, fingerprint, playbook
from .engine.conftest import protected_cloud

INVENTORY = str(ROOT / "inventory" / "demo.cloudstack.dr.vms.yml")


def config_file(tmp, name, change):
    """The demo's configuration file with `change(data)` applied, written as `name`."""
    data = yaml.safe_load(DEMO_CONFIG.read_text())
    change(data)
    path = tmp / name
    path.write_text(yaml.safe_dump(data))
    return path


def misspelled(data):
    data["dr_offering"] = data.pop("dr_offerings")


def no_links(data):
    del data["dr_zone_links"]


def not_a_list(data):
    data["dr_storage_maps"] = data["dr_storage_maps"][0]


# (id, playbook, its arguments (a callable of the test's folder for files), what the refusal says)
HAZARDS = [
    ("configure-without-a-file", "configure.yml", lambda tmp: [],
     "Name your DR configuration file: -e dr_config=my-dr.yml"),
    ("configure-with-the-file-as-extra-vars", "configure.yml", lambda tmp: ["-e", f"@{DEMO_CONFIG}"],
     "Pass the configuration file as -e dr_config=PATH, not -e @PATH"),
    ("configure-with-a-misspelled-key", "configure.yml",
     lambda tmp: ["-e", f"dr_config={config_file(tmp, 'typo.yml', misspelled)}"],
     "unknown key dr_offering: did you mean dr_offerings?"),
    ("configure-without-zone-links", "configure.yml",
     lambda tmp: ["-e", f"dr_config={config_file(tmp, 'nolinks.yml', no_links)}"], "missing key dr_zone_links"),
    ("configure-with-a-map-not-a-list", "configure.yml",
     lambda tmp: ["-e", f"dr_config={config_file(tmp, 'dict.yml', not_a_list)}"],
     "dr_storage_maps must be a list of items"),
    ("disaster-failover-of-a-zone-that-is-up", "failover.yml", lambda tmp: ["-e", "move_zone=zone-a"],
     "zone zone-a does not look lost: CloudStack reports 2 of 2 hypervisor hosts up"),
    ("disaster-failover-naming-the-recovery-zone", "failover.yml", lambda tmp: ["-e", "move_zone=zone-b"],
     "The inventory's protected zones: zone-a (recovers in zone-b)."),
    ("failover-of-an-unknown-zone", "failover.yml", lambda tmp: ["-e", "move_zone=zone-z"],
     "move_zone names the protected zone whose VMs move"),
    ("a-confirmation-naming-another-zone", "failover.yml",
     lambda tmp: ["-e", "move_zone=zone-a", "-e", "move_confirm_zone_lost=zone-b"], "zone zone-a does not look lost"),
    ("cleanup-confirmed-for-another-zone", "cleanup.yml",
     lambda tmp: ["-e", "cleanup_zone=zone-a", "-e", "cleanup_confirm=zone-b"], "must name the same zone"),
    ("unfence-confirmed-for-another-zone", "unfence.yml",
     lambda tmp: ["-e", "unfence_zone=zone-a", "-e", "unfence_confirm=zone-b"], "must name the same zone"),
]


@pytest.fixture(scope="module")
def cloud(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("hazards")
    with protected_cloud(tmp) as (server, api, zones):
        yield server, api, zones, tmp


def run(server, tmp, name, *extra):
    """The playbook with the simulator's credentials; reports and progress files go to tmp/cache (XDG)."""
    env = {"CLOUDSTACK_CONFIG": str(server.ini), "PATH": "/usr/bin:/bin", "HOME": str(tmp),
           "XDG_CACHE_HOME": str(tmp / "cache")}
    return playbook(ROOT / "playbooks" / name, env, "-i", INVENTORY, *extra)


@pytest.mark.parametrize(("name", "args", "refusal"), [pytest.param(*row[1:], id=row[0]) for row in HAZARDS])
def test_each_dangerous_mistake_is_refused_before_any_change(cloud, name, args, refusal):
    server, _, _, tmp = cloud
    before, calls = fingerprint(server), server.ctl("status")["api_calls"]
    proc = run(server, tmp, name, *args(tmp))
    assert proc.returncode != 0 and refusal in proc.stdout, proc.stdout[-4000:] + proc.stderr
    assert api_writes(calls, server.ctl("status")["api_calls"]) == {}
    assert fingerprint(server) == before


def test_a_lost_zone_with_a_host_that_cannot_be_powered_off_is_refused_before_any_change(cloud):
    """The fence powers the lost zone's hosts off through their BMCs; one whose BMC does not answer could come back
    and run its VMs again beside their recovery copies: refused until the operator names the zone."""
    server, api, _, tmp = cloud
    zone_a = next(z for z in api.list("listZones") if z["name"] == "zone-a")
    host = api.list("listHosts", type="Routing", zoneid=zone_a["id"])[0]
    server.ctl("bmc", host=host["name"], reachable="false")
    server.ctl("fail-zone", zone=host["zonename"])
    try:
        before, calls = fingerprint(server), server.ctl("status")["api_calls"]
        proc = run(server, tmp, "failover.yml", "-e", f"move_zone={host['zonename']}")
        assert proc.returncode != 0, proc.stdout[-4000:]
        assert f"zone {host['zonename']} cannot be fenced: CloudStack cannot power off {host['name']}: its BMC does " \
               f"not answer (power state Unknown)" in proc.stdout, proc.stdout[-4000:]
        assert f"-e move_confirm_zone_lost={host['zonename']}" in proc.stdout
        assert api_writes(calls, server.ctl("status")["api_calls"]) == {} and fingerprint(server) == before
    finally:
        server.ctl("recover-zone", zone=host["zonename"])
        server.ctl("bmc", host=host["name"], reachable="true")


def test_check_mode_says_what_it_would_do_and_writes_nothing(cloud):
    server, _, _, tmp = cloud
    before = fingerprint(server)
    proc = run(server, tmp, "failover.yml", "-e", "move_zone=zone-a", "-e", "move_confirm_zone_lost=zone-a", "--check")
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr
    assert "Check mode: would fail over 3 VMs of zone zone-a (0 already done, 0 refused); nothing was changed, no " \
           "report or progress file was written." in proc.stdout, proc.stdout[-4000:]
    assert fingerprint(server) == before and not (tmp / "cache").exists()


def test_a_zone_the_operator_confirms_lost_fails_over_and_says_where_its_files_are(cloud):
    """The outcome once the operator names the zone: the failover runs although CloudStack sees zone-a up; its
    report and progress file land in the user's cache, not in the current folder, and the run says where."""
    server, _, _, tmp = cloud
    proc = run(server, tmp, "failover.yml", "-e", "move_zone=zone-a", "-e", "move_confirm_zone_lost=zone-a")
    assert proc.returncode == 0 and "tier 1: 3 of 3 VMs done, 0 failed" in proc.stdout, proc.stdout[-4000:]
    [report] = (tmp / "cache" / "cloudstack.dr").glob("dr-report-failover-zone-a-*.html")
    [log] = (tmp / "cache" / "cloudstack.dr").glob("dr-progress-failover-zone-a-*.log")
    assert f"HTML report: {report}" in proc.stdout and f"Progress log: {log}" in proc.stdout
    assert not list(ROOT.glob("dr-report-*")) and not list(ROOT.glob("dr-progress-*"))
    assert "3 done (0 earlier), 0 failed, 0 pending of 3 VMs" in log.read_text()
    assert "fenced zone zone-a: disabled the zone; disabled 2 hosts; powered off " in proc.stdout, proc.stdout[-4000:]


def test_unfence_says_what_it_would_do_then_lifts_the_fence_once_confirmed(cloud):
    server, api, _, tmp = cloud
    before, calls = fingerprint(server), server.ctl("status")["api_calls"]
    proc = run(server, tmp, "unfence.yml", "-e", "unfence_zone=zone-a")
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr
    assert "unfence zone zone-a: power on 2 hosts" in proc.stdout and "enable its allocation" in proc.stdout
    assert "To lift the fence, run again with -e unfence_confirm=zone-a" in proc.stdout
    assert api_writes(calls, server.ctl("status")["api_calls"]) == {} and fingerprint(server) == before
    proc = run(server, tmp, "unfence.yml", "-e", "unfence_zone=zone-a", "-e", "unfence_confirm=zone-a")
    assert proc.returncode == 0 and "unfenced zone zone-a: powered on " in proc.stdout, proc.stdout[-4000:]
    zone = next(z for z in api.list("listZones") if z["name"] == "zone-a")
    assert zone["allocationstate"] == "Enabled"
    assert {(h["state"], h["resourcestate"]) for h in api.list("listHosts", zoneid=zone["id"], type="Routing")} == {
        ("Up", "Enabled")}
    proc = run(server, tmp, "unfence.yml", "-e", "unfence_zone=zone-a", "-e", "unfence_confirm=zone-a")
    assert proc.returncode == 0 and "zone zone-a was not fenced: nothing to do" in proc.stdout, proc.stdout[-4000:]
