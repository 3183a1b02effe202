# Copyright: cloudstack.dr contributors
# Apache License 2.0 (see LICENSE)
"""Fencing a lost zone: what ran there must not run again beside its recovery copy.

When a lost zone comes back, each host that reconnects reports the VMs still running on it, and CloudStack turns
them Running whatever else says no: the zone's or the host's allocation state, a missing ROOT volume, the HA flag
(VirtualMachineManagerImpl.handlePowerOnReportWithNoPendingJobsOnVM; docs/design/fencing.md has the reading). So
before the first recovery VM of a disaster failover starts, the zone is fenced in CloudStack:

- each host powered off through its BMC (issueOutOfBandManagementPowerAction OFF needs no agent, so it works while
  the host is Down): the one fence a reconnecting host cannot undo;
- each host Disabled (updateHost), so none is chosen for a VM when it reconnects;
- the zone Disabled (updateZone): the planner then avoids it for every VM not owned by a root admin account
  (DeploymentPlanningManagerImpl.avoidDisabledResources), whoever asks for the start;
- the moved originals have no ROOT volume (the move detached it), which no start gets past, HA's included.

A host CloudStack cannot power off (no BMC configured and enabled, or a BMC that does not answer) is a gap: a
failover refuses such a zone before any change unless the operator confirms it lost by name, and a run that finds
a moved original running again stops it (`guard`). What the fence changes is recorded on the zone first (hidden
details FENCE and FENCE_HOST), so unfencing (every failback home, playbooks/unfence.yml) restores exactly that,
and an interrupted fence or unfence is finished by running it again.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass

from ..client import batch
from ..client.api import Client
from ..client.waiter import ticks
from ..config.resources import check_caller
from ..errors import InputError
from ..model.listing import list_both
from ..model.pairs import dr_states
from ..vocabulary import details, states
from ..vocabulary.keys import FENCE, FENCE_HOST
from .lock import ZoneLock, owner
from .move import WallClock
from .replication import iso

ANSWERING = ("On", "Off")  # the power states CloudStack reads from a BMC that answers
UNFENCE_TIMEOUT = 900.0  # seconds for the hosts powered back on to reconnect
POLL = 5.0
# A moved original of these DR states must not run: its service runs, or is about to, in the recovery zone.
WATCHED = (states.FAILING_OVER, states.FAILED_OVER)


@dataclass(frozen=True)
class Host:
    """A hypervisor host as the fence sees it."""

    id: str
    name: str
    state: str  # Up, Down, Disconnected...
    allocation: str  # resourcestate: Enabled, Disabled, Maintenance...
    power: str  # out-of-band power state: On, Off, Unknown, Disabled
    bmc: bool  # out-of-band management configured and enabled for the host

    @classmethod
    def of(cls, host: dict) -> Host:
        oobm = host.get("outofbandmanagement") or {}
        return cls(host["id"], host.get("name", host["id"]), host.get("state", ""), host.get("resourcestate", ""),
                   oobm.get("powerstate") or "Disabled", bool(oobm.get("enabled")))

    def gap(self) -> str | None:
        """Why CloudStack cannot power this host off, or None."""
        if not self.bmc or self.power == "Disabled":
            return "no out-of-band management enabled for it in CloudStack"
        if self.power not in ANSWERING:
            return f"its BMC does not answer (power state {self.power})"
        return None


class Fence:
    """The fence of one zone: read, applied, guarded, lifted."""

    def __init__(self, api: Client, zone: dict, clock: WallClock = time) -> None:
        self.api, self.zone, self.clock = api, zone, clock
        self.name = zone.get("name", zone["id"])

    # -- reading ------------------------------------------------------------------------------------
    def hosts(self) -> list[Host]:
        listed = self.api.list("listHosts", zoneid=self.zone["id"], type="Routing")
        return sorted((Host.of(h) for h in listed), key=lambda h: h.name)

    def record(self) -> dict[str, dict]:
        """What the fence recorded: {FENCE key or host id: its JSON}; empty when the zone is not fenced."""
        stored = details.read_hidden(self.api, "Zone", self.zone["id"], self.name)
        out = {}
        for key, value in stored.items():
            if FENCE.owns(key) or FENCE_HOST.owns(key):
                try:
                    said = json.loads(value)
                except ValueError:  # not ours to read: still a fence, with nothing to restore
                    said = {}
                out[FENCE_HOST.suffix(key) if FENCE_HOST.owns(key) else key] = said
        return out

    def view(self, hosts: list[Host] | None = None) -> dict:
        """The zone's fence as it stands, for a diff: whether it is fenced, its allocation, each host's."""
        return {"fenced": bool(self.record()), "allocationstate": self.zone.get("allocationstate"),
                "hosts": {h.name: {"allocation": h.allocation, "power": h.power, "state": h.state}
                          for h in (self.hosts() if hosts is None else hosts)}}

    def gaps(self, hosts: list[Host] | None = None) -> list[str]:
        """'host: why' for each host CloudStack cannot power off (already off excepted)."""
        return [f"{h.name}: {why}" for h in hosts or self.hosts() if h.power != "Off" and (why := h.gap())]

    def todo(self, hosts: list[Host]) -> list[str]:
        """What fencing would still change, in parts of a line."""
        parts = ["disable its allocation"] if self.zone.get("allocationstate") != "Disabled" else []
        enabled = [h.name for h in hosts if h.allocation == "Enabled"]
        if enabled:
            parts.append(f"disable {len(enabled)} hosts")
        on = [h.name for h in hosts if h.power == "On" and h.gap() is None]
        if on:
            parts.append(f"power off {len(on)} hosts through their BMCs ({', '.join(on[:6])}"
                         f"{' ...' if len(on) > 6 else ''})")
        return parts

    def plan(self, hosts: list[Host] | None = None) -> str:
        """What fencing would do now, in a line."""
        hosts = self.hosts() if hosts is None else hosts
        parts = self.todo(hosts)
        gaps = self.gaps(hosts)
        if gaps:
            parts.append(f"{len(gaps)} hosts cannot be powered off ({'; '.join(gaps[:4])})")
        return f"fence zone {self.name}: " + ("; ".join(parts) if parts else "already fenced")

    def undo(self, record: dict[str, dict], hosts: dict[str, Host]) -> tuple[list[Host], list[Host], bool]:
        """What lifting the fence still has to do: the hosts to power on, the hosts to enable, whether the zone's
        allocation goes back to Enabled."""
        fenced = [(hosts[i], r) for i, r in sorted(record.items()) if i in hosts]
        power_on = [h for h, r in fenced if r.get("power") == "On" and h.power != "On"]
        enable = [h for h, r in fenced if r.get("was") == "Enabled" and h.allocation == "Disabled"]
        zone = (record.get(FENCE.key(), {}).get("zone_was", "Enabled") != "Disabled"
                and self.zone.get("allocationstate") == "Disabled")
        return power_on, enable, zone

    def unplan(self) -> str:
        """What lifting the fence would do now, in a line."""
        power_on, enable, zone = self.undo(self.record(), {h.id: h for h in self.hosts()})
        names = [h.name for h in power_on]
        parts = [f"power on {len(names)} hosts ({', '.join(names[:6])}{' ...' if len(names) > 6 else ''}) and wait "
                 "for them" if names else "", f"enable {len(enable)} hosts" if enable else "",
                 "enable its allocation" if zone else ""]
        return f"unfence zone {self.name}: " + ("; ".join(p for p in parts if p) or "remove its fence record")

    def check(self, confirmed: bool, gaps: list[str] | None = None) -> None:
        """An InputError, before any change, when a host cannot be powered off (`gaps`: as listed now, by default)
        and the zone is not confirmed lost."""
        changed = ("No VM was changed (the rest of the fence is up)" if gaps is not None else "Nothing was changed")
        gaps = self.gaps() if gaps is None else gaps
        if gaps and not confirmed:
            raise InputError(
                "confirm_zone_lost",
                f"zone {self.name} cannot be fenced: CloudStack cannot power off {'; '.join(gaps[:6])}. When such a "
                "host comes back it reports the VMs still running on it and CloudStack starts them again, beside "
                "their recovery copies",
                f"Power those hosts off (or cut them from their storage) by other means, then confirm the zone lost by "
                f"name: confirm_zone_lost: [{self.name}] (-e move_confirm_zone_lost={self.name}); or enable "
                f"out-of-band management for them in CloudStack. {changed}")

    # -- fencing ------------------------------------------------------------------------------------
    def apply(self, run: str) -> dict:
        """Record, then fence: the zone and its hosts disabled, the hosts powered off. What was done, and the hosts
        that could not be powered off (`not_powered_off`: {host: why})."""
        hosts = self.hosts()
        self._record(run, hosts)
        done: dict = {"zone": self.name, "zone_disabled": False, "hosts_disabled": [], "powered_off": [],
                      "not_powered_off": {}}
        if self.zone.get("allocationstate") != "Disabled":
            self.api.call("updateZone", self.name, id=self.zone["id"], allocationstate="Disabled")
            self.zone["allocationstate"] = "Disabled"
            done["zone_disabled"] = True
        for host in hosts:
            if host.allocation == "Enabled":
                self.api.call("updateHost", host.name, id=host.id, allocationstate="Disable")
                done["hosts_disabled"].append(host.name)
        done["not_powered_off"] = {h.name: why for h in hosts if h.power != "Off" and (why := h.gap())}
        answers = batch.run(self.api, [(h, "issueOutOfBandManagementPowerAction", {"hostid": h.id, "action": "OFF"})
                                       for h in hosts if h.power == "On" and h.gap() is None])
        for host, answer in answers.items():
            if answer.ok:
                done["powered_off"].append(host.name)
            else:
                done["not_powered_off"][host.name] = answer.error
        return done

    def _record(self, run: str, hosts: list[Host]) -> None:
        """Write what the fence is about to change, once: a re-run keeps the first record (the state before)."""
        record = self.record()
        values = {}
        if FENCE.key() not in record:
            values[FENCE.key()] = json.dumps({"run": run, "by": owner(), "at": iso(self.clock.time()),
                                              "zone_was": self.zone.get("allocationstate", "Enabled")})
        for host in hosts:
            if host.id not in record:
                values[FENCE_HOST.key(host.id)] = json.dumps({"name": host.name, "was": host.allocation,
                                                              "power": host.power})
        if values:
            batch.run(self.api, [details.write(self.name, "Zone", self.zone["id"], values, visible=False)])
            missing = [k for k in values if FENCE_HOST.owns(k) and FENCE_HOST.suffix(k) not in self.record()]
            if FENCE.key() not in self.record() or missing:
                raise InputError("zone", f"the fence of zone {self.name} could not be recorded on the zone",
                                 "Check that the key may write zone details (root admin), then run again")

    def guard(self) -> list[str]:
        """Stop the moved originals found running in the zone (a host that could not be powered off came back and
        reported them): their service runs in the recovery zone. The names of those stopped."""
        watched = dr_states(self.api, WATCHED)
        running = [vm for vm in list_both(self.api, "listVirtualMachines", zoneid=self.zone["id"], state="Running")
                   if vm["id"] in watched]
        answers = batch.run(self.api, [(vm["name"], "stopVirtualMachine", {"id": vm["id"], "forced": True})
                                       for vm in running])
        failed = {name: a.error for name, a in answers.items() if not a.ok}
        if failed:
            raise InputError("zone", f"moved VMs run again in zone {self.name} and could not be stopped: "
                             + "; ".join(f"{n}: {e}" for n, e in sorted(failed.items())),
                             "Stop them (stopVirtualMachine forced=true) or power their hosts off, then run again")
        return sorted(answers)

    # -- unfencing ----------------------------------------------------------------------------------
    def lift(self, timeout: float = UNFENCE_TIMEOUT) -> dict:
        """Undo the fence: the hosts it powered off powered on and awaited Up, hosts and zone given their allocation
        state back, the record removed last. What was done; an InputError if a host does not come back."""
        record = self.record()
        done: dict = {"zone": self.name, "fenced": bool(record), "stopped": [], "powered_on": [],
                      "hosts_enabled": [], "zone_enabled": False}
        if not record:
            return done
        done["stopped"] = self.guard()
        power_on, enable, zone = self.undo(record, {h.id: h for h in self.hosts()})
        answers = batch.run(self.api, [(h, "issueOutOfBandManagementPowerAction", {"hostid": h.id, "action": "ON"})
                                       for h in power_on])
        failed = [f"{h.name}: {a.error}" for h, a in answers.items() if not a.ok]
        if failed:
            raise InputError("zone", f"zone {self.name}: hosts could not be powered on: {'; '.join(failed)}",
                             "Power them on by other means, then run again")
        done["powered_on"] = [h.name for h in power_on]
        self._await_up([h.id for h in power_on], timeout)
        for host in enable:
            self.api.call("updateHost", host.name, id=host.id, allocationstate="Enable")
            done["hosts_enabled"].append(host.name)
        if zone:
            self.api.call("updateZone", self.name, id=self.zone["id"], allocationstate="Enabled")
            self.zone["allocationstate"] = "Enabled"
            done["zone_enabled"] = True
        # The zone's own key last: while it is there, a re-run reads the zone as fenced and finishes the lift.
        batch.run(self.api, [details.remove(i, "Zone", self.zone["id"], FENCE_HOST.key(i)) for i in record
                             if i != FENCE.key()])
        batch.run(self.api, [details.remove(self.name, "Zone", self.zone["id"], FENCE.key())])
        return done

    def _await_up(self, host_ids: list[str], timeout: float) -> None:
        down: list[Host] = []
        for _ in ticks(self.api.clock, timeout, POLL, first=0.2):
            down = [h for h in self.hosts() if h.id in host_ids and h.state != "Up"]
            if not down:
                return
        raise InputError("zone", f"zone {self.name}: {', '.join(h.name + ' ' + h.state for h in down)} not Up "
                         f"{timeout:.0f} s after being powered on; the zone stays fenced",
                         "Bring the hosts back (their agents must reconnect), then run again")


def confirmed_zone(fence: Fence, confirmed: list[str] | None) -> bool:
    """The operator confirmed the fence's zone lost (by name or id)."""
    return bool({fence.name, fence.zone["id"]} & set(confirmed or []))


def fence_lines(done: dict) -> list[str]:
    """What a fence or its lift did, in lines."""
    if "fenced" in done:  # a lift
        if not done["fenced"]:
            return []
        parts = [f"powered on {', '.join(done['powered_on'])}" if done["powered_on"] else "",
                 f"enabled {len(done['hosts_enabled'])} hosts" if done["hosts_enabled"] else "",
                 "enabled the zone" if done["zone_enabled"] else "",
                 f"stopped {', '.join(done['stopped'])} (they ran again)" if done["stopped"] else ""]
        return [f"unfenced zone {done['zone']}: " + ("; ".join(p for p in parts if p) or "its fence record removed")]
    parts = ["disabled the zone" if done["zone_disabled"] else "",
             f"disabled {len(done['hosts_disabled'])} hosts" if done["hosts_disabled"] else "",
             f"powered off {', '.join(done['powered_off'])}" if done["powered_off"] else ""]
    lines = [f"fenced zone {done['zone']}: " + "; ".join(p for p in parts if p)] if any(parts) else []
    lines += [f"zone {done['zone']}: host {h} NOT powered off: {why}" for h, why in done["not_powered_off"].items()]
    return lines


def zone_fence(api: Client, ref: str, state: str, check_mode: bool = False, timeout: float = UNFENCE_TIMEOUT,
               break_lock: str | None = None) -> dict:
    """The zone_fence module's work: fence a zone (state present) or lift its fence (absent), under its DR lock."""
    check_caller(api, "zone details")
    zones = api.list("listZones")
    zone = next((z for z in zones if ref in (z["id"], z["name"])), None)
    if zone is None:
        raise InputError("zone", f"no zone is named or has the id {ref}",
                         f"Use one of: {', '.join(sorted(z['name'] for z in zones))}")
    fence = Fence(api, zone)
    hosts = fence.hosts()
    before = fence.view(hosts)
    plan = fence.plan(hosts) if state == "present" else fence.unplan()
    needed = (not before["fenced"] or bool(fence.todo(hosts))) if state == "present" else before["fenced"]
    result: dict = {"changed": needed, "zone": zone["name"], "plan": plan if needed else "nothing to do", "text": []}
    if check_mode or not needed:
        return dict(result, diff={"before": before, "after": before})
    lock = ZoneLock(api, zone["id"], zone["name"], "fence" if state == "present" else "unfence")
    lock.acquire(break_lock)
    try:
        done = fence.apply(f"fence of zone {zone['name']}") if state == "present" else fence.lift(timeout)
    finally:
        lock.release()
    return dict(result, done=done, text=fence_lines(done), diff={"before": before, "after": fence.view()})
