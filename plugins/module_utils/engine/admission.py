# Copyright: cloudstack.dr contributors
# Apache License 2.0 (see LICENSE)
"""Which VMs of a selection may move, decided before anything changes.

Per VM: prepared, linked, in a state its direction starts from, not drifted, its storage mapped, what
CloudStack would refuse half way (engine/validate.py), its replicas able to be made writable and (on an
unplanned move) within its RPO. Per run: the zone it names is a protected one, and a disaster failover's
zones are lost (engine/zone_loss.py). A refused VM is reported with the reason and the fix; a VM found
already moved is accepted as done, one with a journal of this direction as resumable.
"""

from __future__ import annotations

import time

from ..client.api import Client
from ..errors import InputError
from ..model import mirror
from ..model.mirror import MirrorError
from ..model.snapshot import Snapshot
from ..replication.adapter import Status
from ..vocabulary import states
from ..vocabulary.keys import ALERT, shown
from ..vocabulary.tiers import rto_seconds, tier_of
from .introduce import StorageIntroducer
from .move import Move, WallClock, move_result
from .replication import back_of, behind, iso, unready
from .validate import MoveChecks
from .zone_loss import check_lost


class Admission:
    def __init__(self, api: Client, op: str, mode: str, allow_drift: bool = False, allow_any_state: bool = False,
                 clock: WallClock = time, accept_data_loss: bool = False) -> None:
        self.api = api
        self.direction = states.direction(op)
        self.mode = mode
        self.allow_drift = allow_drift
        self.allow_any_state = allow_any_state
        self.accept_data_loss = accept_data_loss
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
