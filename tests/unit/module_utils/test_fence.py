"""The fence's pure parts: which hosts CloudStack can power off, what a fence or its lift says it did, and a VM
running in both zones listed as trouble."""

import pytest
from ansible_collections.cloudstack.dr.plugins.module_utils.engine.fence import Host, fence_lines
from ansible_collections.cloudstack.dr.plugins.module_utils.reporting.status import trouble


def host(power, enabled=True, name="kvm-1"):
    return Host.of({"id": "h1", "name": name, "state": "Down", "resourcestate": "Enabled",
                    "outofbandmanagement": {"enabled": enabled, "powerstate": power}})


@pytest.mark.parametrize(("power", "enabled", "gap"), [
    ("On", True, None),
    ("Off", True, None),
    ("Unknown", True, "its BMC does not answer (power state Unknown)"),
    ("Disabled", True, "no out-of-band management enabled for it in CloudStack"),
    ("On", False, "no out-of-band management enabled for it in CloudStack"),
])
def test_a_host_can_be_powered_off_only_through_an_enabled_bmc_that_answers(power, enabled, gap):
    assert host(power, enabled).gap() == gap


def test_a_host_listed_without_out_of_band_management_cannot_be_powered_off():
    bare = Host.of({"id": "h2", "name": "kvm-2", "state": "Up", "resourcestate": "Enabled"})
    why = "no out-of-band management enabled for it in CloudStack"
    assert (bare.power, bare.bmc, bare.gap()) == ("Disabled", False, why)


def test_what_a_fence_did_in_lines():
    done = {"zone": "zone-a", "zone_disabled": True, "hosts_disabled": ["kvm-1", "kvm-2"], "powered_off": ["kvm-1"],
            "not_powered_off": {"kvm-2": "its BMC does not answer (power state Unknown)"}}
    assert fence_lines(done) == [
        "fenced zone zone-a: disabled the zone; disabled 2 hosts; powered off kvm-1",
        "zone zone-a: host kvm-2 NOT powered off: its BMC does not answer (power state Unknown)"]
    nothing = {"zone": "zone-a", "zone_disabled": False, "hosts_disabled": [], "powered_off": [],
               "not_powered_off": {}}
    assert fence_lines(nothing) == []  # already fenced: a re-run says nothing, changes nothing


def test_what_a_lift_did_in_lines():
    lift = {"zone": "zone-a", "fenced": True, "stopped": ["web-1"], "powered_on": ["kvm-1"],
            "hosts_enabled": ["kvm-1", "kvm-2"], "zone_enabled": True}
    said = "unfenced zone zone-a: powered on kvm-1; enabled 2 hosts; enabled the zone; stopped web-1 (they ran again)"
    assert fence_lines(lift) == [said]
    assert fence_lines(dict(lift, fenced=False)) == []


def test_a_vm_running_in_both_zones_is_trouble_whatever_else():
    record = {"state": "FailedOver", "alert": "", "drift": None, "drift_error": None, "runs_twice": True}
    assert trouble(record).startswith("RUNS IN BOTH ZONES")
    assert trouble(dict(record, runs_twice=False)) is None
