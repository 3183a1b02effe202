# Copyright: cloudstack.dr contributors
# Apache License 2.0 (see LICENSE)
"""Failover and failback of a selection of VMs: validation first, then tier after tier.

Validation decides, per VM, whether it may move (prepared, linked, not drifted, storage mapped)
before anything changes; refused VMs are reported with the reason and the fix. The accepted VMs
move tier by tier, lowest tier first, each tier finished (its VMs started) before the next one
starts. A VM found already moved is reported done; one with a journal of this direction is
resumed where it stopped.
"""

from __future__ import annotations

import time

from ..client.api import Client
from ..config.resources import check_caller
from ..errors import InputError
from ..model import mirror
from ..model.listing import volumes_by_vm
from ..model.mirror import MirrorError
from ..model.snapshot import Snapshot
from ..replication.adapter import Status
from ..vocabulary import states
from ..vocabulary.journal import SwapJournal
from ..vocabulary.keys import ALERT, shown
from ..vocabulary.tiers import rto_seconds, tier_of
from . import swap
from .introduce import StorageIntroducer
from .lock import LEASE, ZoneLock
from .move import STEPS, Move, MoveRun, WallClock, move_result
from .progress import Progress
from .replication import SYNC_TIMEOUT, Replication, back_of, behind, iso, unready
from .validate import MoveChecks
from .zone_loss import check_lost


class Orchestrator:
    def __init__(self, api: Client, op: str, mode: str, allow_drift: bool = False, allow_any_state: bool = False,
                 progress_log: str | None = None, clock: WallClock = time, accept_data_loss: bool = False,
                 sync_timeout: float = SYNC_TIMEOUT) -> None:
        self.api = api
        self.direction = states.direction(op)
        self.mode = mode
        self.allow_drift = allow_drift
        self.allow_any_state = allow_any_state
        self.accept_data_loss = accept_data_loss
        self.sync_timeout = sync_timeout
        self.progress_log = progress_log
        self.clock = clock
        self.snap = Snapshot(api, network=(op == "failover" and not allow_drift))

    # -- selection and validation ------------------------------------------------------------------
    def zone_id(self, ref: str) -> str:
        """The id of the zone a run names, or an InputError saying what the zone means and which are protected."""
        try:
            return self.snap.zone_id(ref)
        except InputError as error:
            linked = sorted(f"{z['name']} (recovers in {self.snap.zones[r]['name']})" for z in self.snap.zones.values()
                            if (r := self.snap.recovery_zone_of(z["id"])) in self.snap.zones)
            protected = ", ".join(linked) or "none (link one first)"
            raise InputError("zone", f"{error.problem}. The zone of a run is the protected zone whose VMs move: the "
                             "lost zone on failover, their home zone on failback",
                             f"Use one of the protected zones: {protected}") from error

    def check_lost(self, zone_ids: set[str], moves: list[Move], confirmed: list[str] | None) -> None:
        """A disaster failover force-stops the VMs of their zones: each must be lost, or confirmed (zone_loss)."""
        if self.direction.op != "failover" or self.mode != "unplanned":
            return
        # A move already begun (resumed) goes on: refusing it would leave its VM half moved.
        fresh = [m for m in moves if not m.done_before and self.snap.state(m.original) != self.direction.moving]
        busy = {z for z in zone_ids if any(m.original["zoneid"] == z for m in fresh)}
        check_lost(self.api, {z: self.snap.zones[z]["name"] for z in busy}, confirmed)

    def select(self, names: list[str] | None = None, zone: str | None = None, account: str | None = None,
               domain: str | None = None, tiers: list[int] | None = None) -> tuple[list[Move], list[dict]]:
        """(moves, refusals): refusals are result entries saying why a VM may not move."""
        for i, tier in enumerate(tiers or []):
            if tier_of(tier) is None:
                raise InputError(f"tiers[{i}]", f"{tier} is not a DR tier",
                                 "Give tiers of 1 or more, as the DR offerings set")
        moves, refused = [], []
        for vm in self.snap.originals(names, zone, account, domain):
            vm_tier = self.snap.tier(vm)
            if tiers and vm_tier not in tiers:
                continue
            move = Move(vm, self.snap.peer(vm) or {}, self.direction, tier=vm_tier, rto=self.snap.rto(vm),
                        rpo=self.snap.rpo(vm))
            reason = self._refusal(move)
            if reason:
                refused.append(self.refuse(move, reason))
            else:
                moves.append(move)
        return moves, refused

    def refuse(self, move: Move, reason: str) -> dict:
        result = move_result(move, self.snap)
        result.update(failed=True, error=reason, refused=True, state=self.snap.state(move.original))
        return result

    def _refusal(self, move: Move) -> str | None:
        """Why this VM may not move now, with the fix; None when it may."""
        d = self.direction
        if not move.recovery:
            return "the VM is not prepared (it has no recovery VM): run cloudstack.dr.vm_prepare first"
        journal = self.snap.journal(move.original["id"])
        if journal is not None:
            if journal.op != d.op:
                return f"a {journal.op} of this VM is in flight: run vm_{journal.op} to finish it first"
            move.journal = journal
            return None  # resumable
        if move.tier is None:
            return (f"its DR tier is unknown: service offering {move.original.get('serviceofferingname')} is not a "
                    "DR offering with a tier; register it with cloudstack.dr.dr_offering")
        state = self.snap.state(move.original)
        if state == d.moving:
            state = d.start_from[0]  # no journal: the run that set it stopped before anything moved
        if state == d.done and self._already_done(move):
            move.done_before = True
            return None
        if state not in d.start_from and not self.allow_any_state:
            alert = shown(self.snap.visible(self.snap.serving(move.original)).get(ALERT.key()))
            return (f"its DR state is {state}{f' ({alert})' if alert else ''}, and only "
                    f"{'/'.join(d.start_from)} VMs can {d.op}: fix the cause (re-run vm_prepare), or pass "
                    "allow_any_state")
        if d.op == "failover" and self.snap.recovery_zone_of(move.original["zoneid"]) != move.recovery["zoneid"]:
            return "the VM's zone is not linked to its recovery VM's zone: check cloudstack.dr.zone_link"
        return None

    @staticmethod
    def _already_done(move: Move) -> bool:
        return move.target.get("displayvm") is True and move.target.get("state") == "Running"

    def check_drift(self, moves: list[Move]) -> tuple[list[Move], list[dict]]:
        """Refuse failover of VMs whose recovery VM no longer mirrors them (unless allow_drift)."""
        if self.direction.op != "failover" or self.allow_drift:
            return moves, []
        keep, refused = [], []
        for m in moves:
            if m.done_before or m.journal is not None:
                keep.append(m)
                continue
            try:
                what = "; ".join(mirror.drift(self.snap, m.original))
            except MirrorError as exc:
                what = str(exc)
            if what:
                refused.append(self.refuse(m, f"the recovery VM has drifted from the original ({what}): re-run "
                                              "cloudstack.dr.vm_prepare, or pass allow_drift"))
            else:
                keep.append(m)
        return keep, refused

    def check_storage(self, moves: list[Move], zone_id: str,
                      volumes: dict[str, list[dict]]) -> tuple[list[Move], list[dict]]:
        """Refuse VMs whose volumes sit on pools with no storage map for this direction, then those CloudStack
        would refuse to move (engine/validate.py); `volumes`: {vm id: its volumes}."""
        maps = StorageIntroducer(self.api, check_mode=True).maps(zone_id, self.direction.op)
        keep, refused = [], []
        for m in moves:
            missing = sorted({v.get("storage") or v["storageid"] for v in volumes.get(m.source["id"], [])
                              if v["storageid"] not in maps})
            if missing and not m.done_before and m.journal is None:
                refused.append(self.refuse(m, f"its volumes are on pools without a {self.direction.op} storage map "
                                              f"({', '.join(missing)}): map them with cloudstack.dr.storage_map"))
            else:
                keep.append(m)
        reasons = MoveChecks(self.api, self.direction, maps).refusals(keep, volumes)
        reasons.update(self.replica_refusals([m for m in keep if id(m) not in reasons], maps, volumes))
        return ([m for m in keep if id(m) not in reasons],
                refused + [self.refuse(m, reasons[id(m)]) for m in keep if id(m) in reasons])

    def replica_refusals(self, moves: list[Move], maps: dict[str, dict[str, str]],
                         volumes: dict[str, list[dict]]) -> dict[int, str]:
        """{id(move): why} for the VMs whose replicas cannot be made writable for this move (replication lost, a
        planned move with its source unreachable, an adapter that does not answer) and, on an unplanned move
        (which loses what the replicas have not received), whose replica is further behind than their
        offering's RPO unless the loss is accepted (the VM's notes then say what it loses)."""
        lags = behind(self.api, self.direction.op, maps)
        planned, failback = self.mode == "planned", self.direction.op == "failback"
        reasons: dict[int, str] = {}
        for m in moves:
            if m.done_before or m.journal is not None:
                continue
            on = sorted({v["storageid"] for v in volumes.get(m.source["id"], []) if v["storageid"] in lags})
            blocking = next((p for p in (self._replica_problem(lags[o], maps[o], planned, failback) for o in on)
                             if p), None)
            if blocking:
                reasons[id(m)] = blocking
                continue
            problem = None if planned else _rpo_problem({lags[o] for o in on}, m.rpo)
            if problem and self.accept_data_loss:
                m.notes.append(f"data loss accepted: {problem}")
            elif problem:
                reasons[id(m)] = (f"{problem}; fail it over anyway with accept_data_loss (the role's "
                                  "move_accept_data_loss), or wait for the storage to catch up")
        return reasons

    def _replica_problem(self, status: Status | str, found: dict[str, str], planned: bool,
                         failback: bool) -> str | None:
        if isinstance(status, str):
            return f"the storage of its replica does not answer: {status}"
        return unready(status, failback, back_of(self.direction.op, found), planned)

    # -- the run -----------------------------------------------------------------------------------
    def storage(self, zone_ids: list[str]) -> tuple[dict[str, str], Replication]:
        """{pool the volumes are on: the introduced pool to import them from}, and their replication."""
        op = self.direction.op
        intro = StorageIntroducer(self.api, check_mode=True)
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
                MoveRun(self.api, self.snap, self.direction.op, pool_map, self.mode, clock=self.clock,
                        progress=progress.stopping(moves)).run(moves, steps=STEPS[:2])
            for tier in order:
                batch = [m for m in moves if m.tier == tier]
                if not batch:
                    continue
                behind = [r for r in results + refused if r["failed"] and r["tier"] in order[:order.index(tier)]]
                if tier_gate and behind:
                    results += [self.hold(m, behind) for m in batch]
                    progress.write(f"tier {tier}: not started, {len(batch)} VMs wait for the tiers before it")
                    continue
                engine = MoveRun(self.api, self.snap, self.direction.op, pool_map, self.mode, clock=self.clock,
                                 progress=progress.tier(tier, batch, steps), storage=storage)
                results += engine.run(batch, steps)
            if storage:
                storage.reverse()
        finally:
            self.api.watch = None
        done = sum(not r["failed"] for r in results)
        progress.write(f"finished: {done} done, {len(results) - done} failed or held of {len(results)} VMs"
                       f"{f', {len(refused)} refused before any change' if refused else ''}; {progress.left()}")
        return results

    def run_header(self, zone_ids: list[str], pool_map: dict[str, str], started: float) -> dict:
        """What the report's header says of the run: what, how, between which zones, when, over which pools."""
        home = [self.snap.zones[z]["name"] for z in zone_ids]
        away = [self.snap.zones.get(self.snap.recovery_zone_of(z) or "", {}).get("name", "?") for z in zone_ids]
        names = {p["id"]: p["name"] for p in self.api.list("listStoragePools")}
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
             lock_lease: float = LEASE) -> dict:
    """The vm_failover/vm_failback modules' work; their result. `tiers` move in the order given;
    without it, every tier of the selection, lowest first. An unplanned failover needs each source zone lost
    (CloudStack's evidence) or named in `confirm_zone_lost`."""
    check_caller(api, "the DR details of VMs")
    orch = Orchestrator(api, op, mode or DEFAULT_MODE[op], allow_drift, allow_any_state, progress_log,
                        accept_data_loss=accept_data_loss, sync_timeout=sync_timeout)
    started = orch.clock.time()
    moves, refused = orch.select(names, zone, account, domain, tiers)
    moves, drifted = orch.check_drift(moves)
    home = orch.zone_id(zone) if zone else None
    zone_ids = {home} if home else {m.original["zoneid"] for m in moves}
    orch.check_lost(zone_ids, moves, confirm_zone_lost)
    volumes = volumes_by_vm(api, [m.source for m in moves if not m.done_before and m.journal is None])
    mapped, unmapped = [], []
    for zone_id in sorted(zone_ids):
        ok, bad = orch.check_storage([m for m in moves if m.original["zoneid"] == zone_id], zone_id, volumes)
        mapped += ok
        unmapped += bad
    refused += drifted + unmapped
    order: list[int | None] = list(dict.fromkeys(tiers)) if tiers else sorted({m.tier for m in mapped}, key=_tier_rank)
    mapped.sort(key=lambda m: order.index(m.tier))
    locks = [ZoneLock(api, z, orch.snap.zones[z]["name"], op, lock_lease, orch.clock) for z in sorted(zone_ids)]
    if validate_only:
        for lock in locks:
            lock.check(break_lock)
        plan = [{"name": m.name, "id": m.source["id"], "tier": m.tier, "rto": m.rto,
                 "action": "nothing: already done" if m.done_before else ("resume" if m.journal else op),
                 "notes": m.notes} for m in mapped]
        text = [f"{p['name']} (tier {p['tier']}, RTO {p['rto'] or '-'}): {p['action']}"
                + "".join(f"; {n}" for n in p["notes"]) for p in plan]
        text += [f"{r['name']}: REFUSED: {r['error']}" for r in refused]
        return {"changed": False, "plan": plan, "plan_text": text, "vms": refused, "summary": _summary(plan, refused)}
    pool_map, storage = orch.storage(sorted(zone_ids))
    try:
        for lock in locks:
            lock.acquire(break_lock)
        results = orch.run(mapped, pool_map, order, refused, tier_gate, storage)
    finally:
        for lock in locks:
            lock.release()
    replication = storage.report()
    return {"changed": any(r["changed"] for r in results) or any(p["promoted"] or p["reversed"] for p in replication),
            "vms": results + refused, "summary": _summary(results, refused), "tier_text": _tier_text(results, order),
            "replication": replication, "replication_text": storage.text(),
            "run": orch.run_header(sorted(zone_ids), pool_map, started)}


def _rpo_problem(replicas: set, rpo: str) -> str | None:
    """Why the replicas of a VM (their statuses) miss its RPO target, or None."""
    target = rto_seconds(rpo)
    if target is None:
        return None
    for status in sorted(replicas, key=lambda s: s.device):
        if status.lag_seconds is None:
            return f"its replica {status.device} has never received data"
        if status.lag_seconds > target:
            return (f"its replica {status.device} is {status.lag_seconds:.0f} s behind (consistent to "
                    f"{iso(status.consistent_at)}), more than its RPO of {rpo}")
    return None


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
    moves, refused = orch.select(names, zone, account, domain)
    home = orch.zone_id(zone) if zone else None
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
