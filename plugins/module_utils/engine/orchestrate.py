# Copyright: cloudstack.dr contributors
# Apache License 2.0 (see LICENSE)
"""Failover and failback of a selection of VMs: admission first (admission.py), then tier after tier.

The accepted VMs move tier by tier, lowest tier first, each tier finished (its VMs started) before the
next one starts, under the lock of their zones (lock.py). A VM found already moved is reported done; one
with a journal of this direction is resumed where it stopped.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from ..client.api import Client
from ..config.resources import check_caller
from ..errors import InputError
from ..model.listing import volumes_by_vm
from ..model.pairs import dr_states
from ..model.snapshot import Snapshot
from ..vocabulary.journal import SwapJournal
from . import swap
from .admission import Admission
from .fence import UNFENCE_TIMEOUT, Fence, confirmed_zone, fence_lines
from .introduce import StorageIntroducer
from .lock import LEASE, ZoneLock, lock_account
from .move import STEPS, Move, MoveRun, WallClock
from .progress import HEARTBEAT_SECONDS, Heartbeat, Progress
from .replication import SYNC_TIMEOUT, Replication, iso


class Orchestrator(Admission):
    """Admission, then the run: tier after tier, each tier started before the next begins."""

    def __init__(self, api: Client, op: str, mode: str, allow_drift: bool = False, allow_any_state: bool = False,
                 progress_log: str | None = None, clock: WallClock = time, accept_data_loss: bool = False,
                 sync_timeout: float = SYNC_TIMEOUT, heartbeat: str | None = None,
                 heartbeat_timeout: float = HEARTBEAT_SECONDS) -> None:
        super().__init__(api, op, mode, allow_drift, allow_any_state, clock, accept_data_loss)
        self.sync_timeout = sync_timeout
        self.progress_log = progress_log
        self.heartbeat = Heartbeat(heartbeat, heartbeat_timeout)
        self.pools: dict[str, dict] = {}  # the cloud's primary storage pools, once storage() read them
        self.guards: list[Fence] = []  # the fenced zones whose moved originals must not run again
        self.restopped: list[str] = []  # moved originals found running again in a fenced zone, and stopped

    # -- the run -----------------------------------------------------------------------------------
    def storage(self, zone_ids: list[str]) -> tuple[dict[str, str], Replication]:
        """{pool the volumes are on: the introduced pool to import them from}, and their replication."""
        op = self.direction.op
        intro = StorageIntroducer(self.api, check_mode=True)
        self.pools = intro.pools
        pool_map: dict[str, str] = {}
        maps: dict[str, dict[str, str]] = {}
        for zone_id in zone_ids:
            pool_map.update(intro.pool_map(intro.introduce(zone_id, op), op))
            maps.update(intro.maps(zone_id, op))
        return pool_map, Replication.of(self.api, op, self.mode, maps, pool_map, self.sync_timeout)

    def run(self, moves: list[Move], pool_map: dict, order: list[int | None], refused: list[dict],
            tier_gate: bool = True, storage: Replication | None = None) -> list[dict]:
        """Tier by tier in `order`; every tier's VMs are started before the next tier begins. With
        `tier_gate`, a tier starts only when every VM of the tiers before it finished (none failed or
        was refused): later tiers usually need earlier ones (the database before the application).
        A planned move over replicated storage first stops every VM, as the storage fails over whole
        devices, synchronised once after the last stop; afterwards each promoted device replicates back."""
        results: list[dict] = []
        steps: tuple[str, ...] = STEPS
        planned = bool(storage and storage.planned and storage.pools)
        if planned:
            steps = STEPS[2:]
        progress = Progress(self.progress_log, self.direction.op,
                            [(t, sum(m.tier == t for m in moves)) for t in order], len(steps), self.clock)
        self.api.watch = progress.jobs
        try:
            if planned:
                self._engine(pool_map, progress.stopping(moves)).run(moves, steps=STEPS[:2])
            for tier in order:
                batch = [m for m in moves if m.tier == tier]
                if not batch:
                    continue
                behind = [r for r in results + refused if r["failed"] and r["tier"] in order[:order.index(tier)]]
                if tier_gate and behind:
                    results += [self.hold(m, behind) for m in batch]
                    progress.write(f"tier {tier}: not started, {len(batch)} VMs wait for the tiers before it")
                    continue
                results += self._engine(pool_map, progress.tier(tier, batch, steps), storage,
                                        lambda step: self.guard(progress.write, step)).run(batch, steps)
            self.guard(progress.write)
            if storage:
                storage.reverse()
        finally:
            self.api.watch = None
        done = sum(not r["failed"] for r in results)
        progress.write(f"finished: {done} done, {len(results) - done} failed or held of {len(results)} VMs"
                       f"{f', {len(refused)} refused before any change' if refused else ''}; {progress.left()}")
        return results

    def fences(self, zone_ids: set[str], moves: list[Move]) -> list[Fence]:
        """The zones this run fences (a disaster failover's lost zones) or unfences (a failback's home zones), when
        it has VMs to move."""
        if (self.direction.op == "failover" and self.mode != "unplanned") or all(m.done_before for m in moves):
            return []
        return [Fence(self.api, self.snap.zones[z], self.clock) for z in sorted(zone_ids)]

    def fence(self, fences: list[Fence], confirmed: list[str] | None, unfence_timeout: float) -> list[str]:
        """Fence the lost zones (failover) or lift their fences (failback), before any VM changes; the lines saying
        what was done. A failover stops here when a host could not be powered off and the zone is not confirmed."""
        lines = []
        for fence in fences:
            if self.direction.op == "failback":
                lines += fence_lines(fence.lift(unfence_timeout))
                continue
            done = fence.apply(f"{self.direction.op} of zone {fence.name}")
            lines += fence_lines(done)
            fence.check(confirmed_zone(fence, confirmed), [f"{h}: {why}" for h, why in done["not_powered_off"].items()])
            self.guards.append(fence)
        return lines

    def guard(self, say: Callable[[str], None], step: str = "finish") -> None:
        """Stop the moved originals a reconnected host made run again in a fenced zone: before each step once the
        originals were stopped (a running original cannot lose its volumes, and its recovery VM must not start
        beside it), and once the last tier ran."""
        if step in ("begin", "stop"):
            return
        for fence in self.guards:
            stopped = fence.guard()
            if stopped:
                say(f"zone {fence.name}: {', '.join(stopped)} ran again (a host reconnected) and were stopped")
            self.restopped += stopped

    def _engine(self, pool_map: dict[str, str], progress: Callable[[str, list[Move]], None],
                storage: Replication | None = None,
                before_step: Callable[[str], None] = lambda step: None) -> MoveRun:
        return MoveRun(self.api, self.snap, self.direction.op, pool_map, self.mode, clock=self.clock,
                       progress=progress, storage=storage, interrupted=self.heartbeat.lost, before_step=before_step)

    def check_unchanged(self, moves: list[Move]) -> None:
        """Once the zones are locked: an InputError if another run changed the DR state of these VMs since this run
        read it (it finished or stopped between our reading and our lock); a re-run reads the cloud afresh."""
        now = dr_states(self.api)
        changed = sorted(m.name for m in moves if now.get(m.original["id"]) != self.snap.status.get(m.original["id"]))
        if changed:
            raise InputError("zone", f"another DR run changed {', '.join(changed[:5])} while this one was being "
                             "planned, so nothing was changed", "Run the same command again: it reads the cloud afresh")

    def run_header(self, zone_ids: list[str], pool_map: dict[str, str], started: float) -> dict:
        """What the report's header says of the run: what, how, between which zones, when, over which pools."""
        home = [self.snap.zones[z]["name"] for z in zone_ids]
        away = [self.snap.zones.get(self.snap.recovery_zone_of(z) or "", {}).get("name", "?") for z in zone_ids]
        names = {pool_id: p["name"] for pool_id, p in self.pools.items()}
        return {"op": self.direction.op, "mode": self.mode, "started": iso(started), "ended": iso(self.clock.time()),
                "from_zones": home if self.direction.op == "failover" else away,
                "to_zones": away if self.direction.op == "failover" else home,
                "accept_data_loss": self.accept_data_loss,
                "pools": sorted(f"{names.get(on, on)} -> {names.get(to, to)}" for on, to in pool_map.items())}

    def hold(self, move: Move, behind: list[dict]) -> dict:
        """The entry of a VM whose tier did not start because VMs of an earlier tier did not finish."""
        waiting_for = sorted(r["name"] for r in behind)
        names = ", ".join(waiting_for[:5]) + (" ..." if len(waiting_for) > 5 else "")
        result = self.refuse(move, f"not started: {names} of an earlier tier did not finish; fix them and run "
                                   "again, or pass tier_gate=false to start this tier regardless")
        result.update(refused=False, held=True, waiting_for=waiting_for)
        return result


def move_vms(api: Client, op: str, names: list[str] | None = None, zone: str | None = None,
             account: str | None = None, domain: str | None = None, tiers: list[int] | None = None,
             mode: str | None = None, allow_drift: bool = False, allow_any_state: bool = False,
             progress_log: str | None = None, validate_only: bool = False, tier_gate: bool = True,
             accept_data_loss: bool = False, sync_timeout: float = SYNC_TIMEOUT,
             confirm_zone_lost: list[str] | None = None, break_lock: str | None = None,
             lock_lease: float = LEASE, heartbeat: str | None = None,
             heartbeat_timeout: float = HEARTBEAT_SECONDS, unfence_timeout: float = UNFENCE_TIMEOUT) -> dict:
    """The vm_failover/vm_failback modules' work; their result. `tiers` move in the order given;
    without it, every tier of the selection, lowest first. An unplanned failover needs each source zone lost
    (CloudStack's evidence) or named in `confirm_zone_lost`."""
    check_caller(api, "the DR details of VMs")
    orch = Orchestrator(api, op, mode or DEFAULT_MODE[op], allow_drift, allow_any_state, progress_log,
                        accept_data_loss=accept_data_loss, sync_timeout=sync_timeout, heartbeat=heartbeat,
                        heartbeat_timeout=heartbeat_timeout)
    started = orch.clock.time()
    home = orch.zone_id(zone) if zone else None
    moves, refused = orch.select(names, zone, account, domain, tiers)
    moves, drifted = orch.check_drift(moves)
    zone_ids = {home} if home else {m.original["zoneid"] for m in moves}
    orch.check_lost(zone_ids, moves, confirm_zone_lost)
    fences = orch.fences(zone_ids, moves)
    if op == "failover":
        for fence in fences:
            fence.check(confirmed_zone(fence, confirm_zone_lost))
    volumes = volumes_by_vm(api, [m.source for m in moves if not m.done_before and m.journal is None])
    mapped, unmapped = [], []
    for zone_id in sorted(zone_ids):
        ok, bad = orch.check_storage([m for m in moves if m.original["zoneid"] == zone_id], zone_id, volumes)
        mapped += ok
        unmapped += bad
    refused += drifted + unmapped
    order: list[int | None] = list(dict.fromkeys(tiers)) if tiers else sorted({m.tier for m in mapped}, key=_tier_rank)
    mapped.sort(key=lambda m: order.index(m.tier))
    owner = lock_account(api)
    locks = [ZoneLock(api, z, orch.snap.zones[z]["name"], op, lock_lease, orch.clock, owner)
             for z in sorted(zone_ids)]
    if validate_only:
        for lock in locks:
            lock.check(break_lock)
        plan = [{"name": m.name, "id": m.source["id"], "tier": m.tier, "rto": m.rto,
                 "action": "nothing: already done" if m.done_before else ("resume" if m.journal else op),
                 "notes": m.notes} for m in mapped]
        text = [f"{p['name']} (tier {p['tier']}, RTO {p['rto'] or '-'}): {p['action']}"
                + "".join(f"; {n}" for n in p["notes"]) for p in plan]
        text += [f"{r['name']}: REFUSED: {r['error']}" for r in refused]
        text = [f.plan() if op == "failover" else f.unplan() for f in fences if op == "failover" or f.record()] + text
        return {"changed": False, "plan": plan, "plan_text": text, "vms": refused, "summary": _summary(plan, refused)}
    pool_map, storage = orch.storage(sorted(zone_ids))
    if not any(not m.done_before for m in mapped):
        locks = []  # nothing to move (all refused, or done by an earlier run): no run to keep apart
    try:
        for lock in locks:
            lock.acquire(break_lock)
        if locks:
            orch.check_unchanged(mapped)
        fence_text = orch.fence(fences if locks else [], confirm_zone_lost, unfence_timeout)
        results = orch.run(mapped, pool_map, order, refused, tier_gate, storage)
    finally:
        for lock in locks:
            lock.release()
    replication = storage.report()
    return {"changed": any(r["changed"] for r in results) or any(p["promoted"] or p["reversed"] for p in replication)
            or bool(fence_text) or bool(orch.restopped),
            "vms": results + refused, "summary": _summary(results, refused), "tier_text": _tier_text(results, order),
            "replication": replication, "replication_text": storage.text(),
            "fence_text": fence_text + [f"stopped again: {name} (it ran again in its fenced zone)"
                                        for name in orch.restopped],
            "run": orch.run_header(sorted(zone_ids), pool_map, started)}


def _tier_rank(tier: int | None) -> tuple[bool, int]:
    """Lowest tier first; an unknown tier last: a resumed move is accepted even when its offering's tier was
    since lost (hand-edited, or the offering no longer DR), while the other VMs move by their tiers."""
    return (tier is None, tier or 0)


def _tier_text(results: list[dict], order: list[int | None]) -> list[str]:
    """A line per tier moved or held, in the order of the run."""
    lines = []
    for tier in order:
        entries = [r for r in results if r["tier"] == tier]
        held = [r for r in entries if r.get("held")]
        failed = sum(1 for r in entries if r["failed"])
        if held:
            lines.append(f"tier {tier} not started: {', '.join(held[0]['waiting_for'])} of an earlier tier did "
                         "not finish")
        elif entries:
            lines.append(f"tier {tier}: {len(entries) - failed} of {len(entries)} VMs done, {failed} failed")
    return lines


def _summary(accepted: list[dict], refused: list[dict]) -> dict:
    """Counts: `accepted` are moved results (or plan entries), `refused` the VMs that may not move,
    `held` the accepted VMs whose tier waited for an earlier one (counted as failed too)."""
    failed = sum(1 for r in accepted if r.get("failed"))
    return {"selected": len(accepted) + len(refused), "done": len(accepted) - failed, "failed": failed,
            "refused": len(refused), "held": sum(1 for r in accepted if r.get("held"))}


def selection_options() -> dict:
    """The argument spec of doc fragment cloudstack.dr.selection: which DR-protected VMs."""
    return {
        "vms": {"type": "list", "elements": "str"},
        "zone": {"type": "str"},
        "account": {"type": "str"},
        "domain": {"type": "str"},
    }


# A failover is for a lost zone (its VMs cannot be stopped cleanly); a failback brings VMs home from a
# zone that works.
DEFAULT_MODE = {"failover": "unplanned", "failback": "planned"}


def move_options() -> dict:
    """The argument spec of vm_failover and vm_failback (doc fragments selection and move, plus mode)."""
    return {
        **selection_options(),
        "tiers": {"type": "list", "elements": "int"},
        "tier_gate": {"type": "bool", "default": True},
        "mode": {"type": "str", "choices": ["planned", "unplanned"]},
        "allow_drift": {"type": "bool", "default": False},
        "allow_any_state": {"type": "bool", "default": False},
        "progress_log": {"type": "path"},
        "validate_only": {"type": "bool", "default": False},
        "accept_data_loss": {"type": "bool", "default": False},
        "sync_timeout": {"type": "float", "default": SYNC_TIMEOUT},
        "confirm_zone_lost": {"type": "list", "elements": "str", "default": []},
        "break_lock": {"type": "str"},
        "lock_lease": {"type": "float", "default": LEASE},
        "heartbeat": {"type": "path"},
        "heartbeat_timeout": {"type": "float", "default": HEARTBEAT_SECONDS},
        "unfence_timeout": {"type": "float", "default": UNFENCE_TIMEOUT},
    }


def import_volumes(api: Client, direction: str, names: list[str] | None = None, zone: str | None = None,
                   account: str | None = None, domain: str | None = None, check_mode: bool = False,
                   confirm_zone_lost: list[str] | None = None) -> dict:
    """The volume_import module's work: the record, promote, import and attach steps of a move, alone.

    It starts the move's journal (the DR state becomes FailingOver/FailingBack), so a later
    vm_failover/vm_failback continues from the attached volumes instead of importing again. The
    replicas are made writable as the move of that direction does by default (forced on failover,
    after a final sync on failback).
    """
    check_caller(api, "the DR details of VMs")
    orch = Orchestrator(api, direction, mode=DEFAULT_MODE[direction], allow_drift=True)
    home = orch.zone_id(zone) if zone else None
    moves, refused = orch.select(names, zone, account, domain)
    zone_ids = {home} if home else {m.original["zoneid"] for m in moves}
    orch.check_lost(zone_ids, moves, confirm_zone_lost)
    if check_mode:
        return {"changed": bool(moves), "vms": refused, "plan": [{"name": m.name, "action": "import and attach"}
                                                                  for m in moves]}
    pool_map, storage = orch.storage(sorted(zone_ids))
    engine = MoveRun(api, orch.snap, direction, pool_map, mode=orch.mode, storage=storage)
    results = engine.run(moves, steps=("begin", "record", "promote", "import", "attach"))
    return {"changed": any(r["changed"] for r in results), "vms": results + refused,
            "summary": _summary(results, refused)}


def swap_ids(api: Client, vm: str, holder: str, check_mode: bool = False) -> dict:
    """The vm_uuid_swap module's work: make `holder` (original|recovery) carry the owner's VM id."""
    check_caller(api, "the DR details of VMs")
    snap = Snapshot(api, network=False)
    [original] = snap.originals([vm])
    recovery = snap.peer(original)
    if not recovery:
        raise InputError("vm", f"VM {original['name']} has no recovery VM", "Prepare it with cloudstack.dr.vm_prepare")
    pair = {"original": original, "recovery": recovery}
    user_id = snap.user_id(original)
    journal = SwapJournal.of_details(snap.load_hidden(original["id"]))
    before = {role: vm["id"] for role, vm in pair.items()}
    if journal is None and pair[holder]["id"] == user_id:
        return {"changed": False, "ids": before, "user_id": user_id}
    other = swap.other(holder)
    if journal is None and pair[other]["id"] != user_id:
        raise InputError("vm", f"neither VM of the pair carries the owner's id {user_id}",
                         "Set the ids back by hand with updateVirtualMachine customid=, then re-run")
    if not check_mode:
        swap.run(api, snap, pair, first_role=other)
    after = ({role: vm["id"] for role, vm in pair.items()} if not check_mode
             else {holder: user_id, other: before[holder]})
    return {"changed": True, "ids": after, "user_id": user_id, "diff": {"before": before, "after": after}}
