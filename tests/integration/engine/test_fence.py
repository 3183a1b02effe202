"""Fencing (issue 14): a disaster failover fences the lost zone before its first recovery VM starts, and the zone
stays fenced when it comes back, in the middle of the failover or after it, until failback lifts the fence. The
simulator's zone comes back as CloudStack sees it: hosts reconnect and report the VMs still running on them, and a
VM force-stopped during the outage goes Running again (simulator/model/power.py). No VM ever runs in both zones."""

import threading
import time

import pytest
from ansible_collections.cloudstack.dr.plugins.module_utils.client.api import CloudStackError
from ansible_collections.cloudstack.dr.plugins.module_utils.engine.fence import Fence, zone_fence
from ansible_collections.cloudstack.dr.plugins.module_utils.errors import InputError
from ansible_collections.cloudstack.dr.plugins.module_utils.model.listing import list_both
from ansible_collections.cloudstack.dr.plugins.module_utils.model.snapshot import Snapshot
from ansible_collections.cloudstack.dr.plugins.module_utils.reporting.status import dr_info

from .conftest import client_for
from .test_replication import move


def fingerprint(api):
    """What a refused run must leave as it found it: every VM's state, zone and display, the zones' and hosts'."""
    vms = {vm["instancename"]: (vm["state"], vm["zoneid"], vm["displayvm"])
           for vm in list_both(api, "listVirtualMachines")}
    hosts = {h["name"]: (h["resourcestate"], h["outofbandmanagement"].get("powerstate"))
             for h in api.list("listHosts", type="Routing")}
    return vms, hosts, {z["name"]: z["allocationstate"] for z in api.list("listZones")}


class BothZonesWatch:
    """Samples, every few milliseconds while a run goes on, whether both VMs of a DR pair are Running."""

    def __init__(self, api):
        self.api = api
        self.pairs = [(p["original"]["instancename"], p["recovery"]["instancename"])
                      for p in Snapshot(api, network=False).pairs().values()]
        self.both: set[str] = set()
        self.samples = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)

    def _watch(self):
        while not self._stop.is_set():
            running = {vm["instancename"] for vm in list_both(self.api, "listVirtualMachines", state="Running")}
            self.both |= {a for a, b in self.pairs if a in running and b in running}
            self.samples += 1
            time.sleep(0.01)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()


def original_named(api, name):
    return next(vm for vm in list_both(api, "listVirtualMachines", name=name) if vm["instancename"] in ORIGINALS)


ORIGINALS: set[str] = set()


def fence_record(api, zone):
    return Fence(api, zone).record()


def failover_in_background(api, zones, **kw):
    outcome = {}

    def run():
        try:
            outcome["result"] = move(api, zones, "failover", "unplanned", **kw)
        except Exception as error:  # noqa: BLE001 - the test reads it
            outcome["error"] = error

    thread = threading.Thread(target=run)
    thread.start()
    return thread, outcome


def wait_for(predicate, timeout=60.0):
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


@pytest.fixture
def originals(fresh_cloud):
    _, api, _ = fresh_cloud
    ORIGINALS.clear()
    ORIGINALS.update(p["original"]["instancename"] for p in Snapshot(api, network=False).pairs().values())
    return ORIGINALS


def test_the_zone_comes_back_mid_failover_and_after_it_and_nothing_runs_twice(fresh_cloud, originals):
    server, api, zones = fresh_cloud
    zone_a = zones["zone-a"]
    hosts = api.list("listHosts", zoneid=zone_a["id"], type="Routing")
    server.ctl("fail-zone", zone="zone-a")
    server.ctl("faults", job_latency=0.2)
    with BothZonesWatch(api) as watch:
        thread, outcome = failover_in_background(api, zones)
        # The zone comes back once the fence is up: its hosts were powered off, so none reconnects.
        wait_for(lambda: fence_record(api, zone_a) and all(
            h["outofbandmanagement"]["powerstate"] == "Off"
            for h in api.list("listHosts", zoneid=zone_a["id"], type="Routing")) or "result" in outcome)
        back = server.ctl("recover-zone", zone="zone-a")
        thread.join()
    server.ctl("faults", job_latency=0)
    result = outcome["result"]
    assert [vm["error"] for vm in result["vms"]] == [None] * 3, result["vms"]
    assert back["resynced"] == [] and set(back["hosts"].values()) == {"Down"}
    assert result["fence_text"] == [f"fenced zone zone-a: disabled the zone; disabled {len(hosts)} hosts; powered off "
                                    + ", ".join(sorted(h["name"] for h in hosts))]
    assert watch.samples > 10 and watch.both == set()

    # After the failover, with the zone back: the originals stay stopped, and neither their owner nor an admin
    # can start one (the zone is disabled: the planner avoids it for a tenant's VM whoever asks).
    acme = client_for(server, "acme")
    with BothZonesWatch(api) as watch:
        server.ctl("recover-zone", zone="zone-a")
        web = original_named(api, "acme-web-1")
        for caller in (acme, api):
            with pytest.raises(CloudStackError) as refused:
                caller.run([caller.submit("startVirtualMachine", id=web["id"])])
            # VMEntityManagerImpl.reserveVirtualMachine: the planner found no destination (the zone is avoided)
            assert refused.value.errortext.startswith("No destination found for a deployment for VM instance"), \
                refused.value.errortext
        time.sleep(0.1)
    assert watch.both == set() and {original_named(api, n)["state"] for n in ("acme-web-1", "acme-app-1")} == {
        "Stopped"}
    zone = next(z for z in api.list("listZones") if z["id"] == zone_a["id"])
    assert zone["allocationstate"] == "Disabled"

    # Failback lifts the fence first: hosts powered on and Up, hosts and zone enabled, the record gone.
    with BothZonesWatch(api) as watch:
        result = move(api, zones, "failback", "planned")
    assert [vm["error"] for vm in result["vms"]] == [None] * 3, result["vms"]
    assert watch.both == set()
    assert fence_record(api, zone_a) == {}
    assert {(h["state"], h["resourcestate"], h["outofbandmanagement"]["powerstate"])
            for h in api.list("listHosts", zoneid=zone_a["id"], type="Routing")} == {("Up", "Enabled", "On")}
    zone = next(z for z in api.list("listZones") if z["id"] == zone_a["id"])
    assert zone["allocationstate"] == "Enabled"
    assert {original_named(api, n)["state"] for n in ("acme-web-1", "acme-app-1", "globex-db-1")} == {"Running"}


def test_a_host_that_cannot_be_powered_off_needs_the_operators_word(fresh_cloud, originals):
    server, api, zones = fresh_cloud
    web = original_named(api, "acme-web-1")
    host = next(h for h in api.list("listHosts", id=web["hostid"]))
    on_host = sorted(vm["name"] for vm in list_both(api, "listVirtualMachines", hostid=host["id"])
                     if vm["instancename"] in originals)
    server.ctl("bmc", host=host["name"], reachable="false")
    server.ctl("fail-zone", zone="zone-a")
    before = fingerprint(api)
    with pytest.raises(InputError) as refused:
        move(api, zones, "failover", "unplanned")
    assert refused.value.field == "confirm_zone_lost"
    assert f"{host['name']}: its BMC does not answer" in refused.value.problem, refused.value.problem
    assert "-e move_confirm_zone_lost=zone-a" in refused.value.fix
    assert fingerprint(api) == before and fence_record(api, zones["zone-a"]) == {}

    # Confirmed: the run fences what it can and says which host it could not power off. The zone comes back once
    # acme-web-1's original was force-stopped: its host reports it running, CloudStack starts it again, and the
    # run stops it before the recovery VMs start.
    server.ctl("faults", job_latency=0.2)
    with BothZonesWatch(api) as watch:
        thread, outcome = failover_in_background(api, zones, confirm_zone_lost=["zone-a"])
        wait_for(lambda: original_named(api, "acme-web-1")["state"] == "Stopped" or "result" in outcome)
        back = server.ctl("recover-zone", zone="zone-a")
        thread.join()
    server.ctl("faults", job_latency=0)
    result = outcome["result"]
    assert [vm["error"] for vm in result["vms"]] == [None] * 3, result["vms"]
    assert "acme-web-1" in on_host and back["resynced"] == on_host
    assert f"zone zone-a: host {host['name']} NOT powered off" in "\n".join(result["fence_text"])
    assert [f"stopped again: {name} (it ran again in its fenced zone)" for name in on_host] == [
        line for line in result["fence_text"] if line.startswith("stopped again")]
    assert watch.both == set() and {original_named(api, name)["state"] for name in on_host} == {"Stopped"}


def test_zone_fence_fences_and_lifts_with_check_mode_and_diff(fresh_cloud):
    server, api, zones = fresh_cloud
    server.ctl("fail-zone", zone="zone-a")
    planned = zone_fence(api, "zone-a", "present", check_mode=True)
    assert planned["changed"] and planned["plan"].startswith("fence zone zone-a: disable its allocation; disable ")
    assert planned["diff"]["before"] == planned["diff"]["after"] and not planned["diff"]["before"]["fenced"]
    done = zone_fence(api, "zone-a", "present")
    after = done["diff"]["after"]
    assert done["changed"] and after["fenced"] and after["allocationstate"] == "Disabled"
    assert {h["power"] for h in after["hosts"].values()} == {"Off"}
    assert zone_fence(api, "zone-a", "present")["changed"] is False  # idempotent
    with pytest.raises(InputError) as wrong:
        zone_fence(api, "zone-x", "absent")
    assert wrong.value.field == "zone" and "zone-a" in wrong.value.fix

    server.ctl("recover-zone", zone="zone-a")
    lifted = zone_fence(api, "zone-a", "absent", check_mode=True)
    assert lifted["changed"] and lifted["plan"].startswith("unfence zone zone-a: power on ")
    assert fence_record(api, zones["zone-a"])  # check mode changed nothing
    lifted = zone_fence(api, "zone-a", "absent")
    assert lifted["changed"] and lifted["text"][0].startswith("unfenced zone zone-a: powered on ")
    assert not lifted["diff"]["after"]["fenced"] and lifted["diff"]["after"]["allocationstate"] == "Enabled"
    assert zone_fence(api, "zone-a", "absent")["changed"] is False


def test_an_unfence_of_a_zone_still_down_stops_before_enabling_anything(fresh_cloud):
    server, api, _ = fresh_cloud
    server.ctl("fail-zone", zone="zone-a")
    zone_fence(api, "zone-a", "present")
    with pytest.raises(InputError) as refused:
        zone_fence(api, "zone-a", "absent", timeout=0.5)
    assert "not Up 0 s after being powered on; the zone stays fenced" in refused.value.problem
    zone = next(z for z in api.list("listZones") if z["name"] == "zone-a")
    assert zone["allocationstate"] == "Disabled" and fence_record(api, zone)
    assert {h["resourcestate"] for h in api.list("listHosts", zoneid=zone["id"], type="Routing")} == {"Disabled"}


def test_what_a_host_that_was_not_powered_off_brings_back_is_shown_and_stopped_by_the_unfence(fresh_cloud, originals):
    server, api, zones = fresh_cloud
    host = next(h for h in api.list("listHosts", id=original_named(api, "acme-web-1")["hostid"]))
    on_host = sorted(vm["name"] for vm in list_both(api, "listVirtualMachines", hostid=host["id"])
                     if vm["instancename"] in originals)
    server.ctl("bmc", host=host["name"], reachable="false")
    server.ctl("fail-zone", zone="zone-a")
    result = move(api, zones, "failover", "unplanned", confirm_zone_lost=["zone-a"])
    assert [vm["error"] for vm in result["vms"]] == [None] * 3, result["vms"]
    assert server.ctl("recover-zone", zone="zone-a")["resynced"] == on_host  # the gap the operator accepted

    status = dr_info(api)
    zone = next(z for z in status["zones"] if z["name"] == "zone-a")
    assert zone["fenced"].endswith("(failover of zone zone-a)") and zone["allocation"] == "Disabled"
    troubled = [r["name"] for r in status["vms"] if r["trouble"] and "RUNS IN BOTH ZONES" in r["trouble"]]
    assert troubled == on_host and [r["name"] for r in status["vms"][:len(on_host)]] == on_host  # trouble first
    assert any(line.startswith("zone-a ") and "(failover of zone zone-a)" in line for line in status["overview"])

    server.ctl("bmc", host=host["name"], reachable="true")
    lifted = zone_fence(api, "zone-a", "absent")
    assert lifted["done"]["stopped"] == on_host
    assert not any(r["runs_twice"] for r in dr_info(api)["vms"])


def test_a_power_off_that_fails_during_the_run_stops_it_before_any_vm_changes(fresh_cloud, originals):
    """The BMCs answered when the run planned, then a power-off failed: the rest of the fence is up, no VM moved,
    and the same command finishes once the power-off works."""
    server, api, zones = fresh_cloud
    server.ctl("fail-zone", zone="zone-a")
    vms_before = fingerprint(api)[0]
    server.ctl("faults", commands={"issueOutOfBandManagementPowerAction": 1.0})
    try:
        with pytest.raises(InputError) as refused:
            move(api, zones, "failover", "unplanned")
    finally:
        server.ctl("faults", commands={})
    assert refused.value.field == "confirm_zone_lost" and "No VM was changed" in refused.value.fix
    assert fingerprint(api)[0] == vms_before and fence_record(api, zones["zone-a"])
    result = move(api, zones, "failover", "unplanned")
    assert [vm["error"] for vm in result["vms"]] == [None] * 3, result["vms"]
    assert result["fence_text"][0].startswith("fenced zone zone-a: powered off ")  # the rest was up already
