# Copyright: cloudstack.dr contributors
# Apache License 2.0 (see LICENSE)
"""Failover and failback: move a VM's service from one VM of its DR pair to the other.

Both directions are one state machine. The *source* VM (the original on failover, the recovery
VM on failback) is stopped; the UUIDs are swapped so the owner keeps the VM id (swap.py); the source is
hidden and the target shown in its place; the source's volumes (hidden with it) are detached and kept; the
volumes' replicas are imported from the pools introduced on the other side and attached to the *target*
VM (volumes.py), which is started.

What cannot be read back from the cloud (the source's volumes before they are detached, the
owner's id) is journaled on the original before the step that loses it (vocabulary.journal), and
the hidden state says the VM is moving in the same write, so a run interrupted anywhere is
finished by running it again. No step deletes a volume that holds data. Steps run for the whole
batch at once: one step's async jobs for every VM are submitted together and waited on together.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from ..client import batch
from ..client.api import Client, CloudStackError
from ..client.batch import Request
from ..model import tenant
from ..model.listing import volumes_by_vm
from ..model.snapshot import Snapshot
from ..vocabulary import details, states
from ..vocabulary.journal import Journal, cleared
from ..vocabulary.keys import RUNS_SINCE, STATUS
from ..vocabulary.states import Direction
from ..vocabulary.tiers import rto_seconds
from . import replication, swap, volumes

# The owner's id moves to the target as soon as the source is stopped and its volumes recorded: `swap` hides the
# source, swaps the ids and shows the target in its place, so at every step boundary the owner sees one VM, with
# its id and DR status. The source is hidden before its volumes are detached: CloudStack hides a VM's attached
# volumes with it, so the detached volumes, kept for safety, are hidden from the owner (and not counted against its
# limits). The target loses its placeholder root before it is shown: a VM without volumes cannot be started, so
# the owner cannot boot it before its data is attached. `promote` makes the replicas writable
# (replication.py) once the sources are stopped, before any import.
STEPS = ("begin", "stop", "record", "swap", "detach", "promote", "import", "attach", "start", "finish")
GONE = ("Destroyed", "Expunging")


# Where a move's VM runs and since when, for its owner's copy; None leaves them as they are.
Where = Callable[["Move"], "tuple[str, str] | None"]


class WallClock(Protocol):
    """What times the steps: the `time` module, or a test's fake."""

    def time(self) -> float: ...


@dataclass
class Move:
    original: dict  # the original VM (home zone)
    recovery: dict  # its recovery VM
    direction: Direction
    tier: int | None = 1
    rto: str = ""
    rpo: str = ""  # the offering's recovery point objective
    journal: Journal | None = None
    error: str | None = None
    done_before: bool = False  # found already moved: nothing to do
    wrote: bool = False  # a change was asked of CloudStack for it in this run
    timings: dict[str, list[float]] = field(default_factory=dict)  # step -> [start, end] epoch seconds
    notes: list[str] = field(default_factory=list)
    data_as_of: float | None = None  # the replica's consistent point its volumes were imported from
    rpo_seconds: float | None = None  # how far behind that replica was when it was made writable

    @property
    def source(self) -> dict:
        return self.original if self.direction.source_role == "original" else self.recovery

    @property
    def target(self) -> dict:
        return self.recovery if self.direction.source_role == "original" else self.original

    @property
    def name(self) -> str:
        return self.original["name"]

    @property
    def open_journal(self) -> Journal:
        """The journal, which every step after `begin` has: a move whose journal begin could not write failed."""
        assert self.journal is not None, f"{self.name}: a step after begin found no journal"
        return self.journal


def move_result(m: Move, snap: Snapshot) -> dict:
    """A move's entry in the module's result (also for a VM refused before it started)."""
    first = min((b for b, _ in m.timings.values()), default=None)
    last = max((e for _, e in m.timings.values()), default=None)
    target = rto_seconds(m.rto)
    running_at = m.timings.get("start", [None, None])[1]
    return {
        "name": m.name, "id": m.journal.user_id if m.journal else snap.user_id(m.original),
        "account": m.original.get("account"), "tier": m.tier, "rto": m.rto, "rpo": m.rpo, "op": m.direction.op,
        "failed": m.error is not None, "error": m.error, "changed": m.wrote, "refused": False, "held": False,
        "state": m.direction.done if m.error is None else m.direction.moving,
        "step_seconds": {s: round(e - b, 3) for s, (b, e) in m.timings.items()},
        # first and last are None together (no step timed); a start was timed only after a first step.
        "started": first, "ended": last,
        "seconds": round(last - first, 3) if first is not None and last is not None else 0.0,
        "rto_met": None if target is None or running_at is None or first is None else running_at - first <= target,
        "data_as_of": replication.iso(m.data_as_of),
        "rpo_seconds": None if m.rpo_seconds is None else round(m.rpo_seconds, 3),
        "notes": m.notes,
    }


class MoveRun:
    """Runs one direction for a batch of pairs; the caller hands tiers in order."""

    def __init__(self, api: Client, snapshot: Snapshot, op: str, pool_map: dict[str, str], mode: str = "unplanned",
                 clock: WallClock = time, progress: Callable[[str, list[Move]], None] | None = None,
                 storage: replication.Replication | None = None,
                 interrupted: Callable[[], str | None] = lambda: None,
                 before_step: Callable[[str], None] = lambda step: None) -> None:
        self.api = api
        self.snap = snapshot
        self.direction = states.direction(op)
        self.pool_map = pool_map  # pool the volumes are on -> introduced pool to import them from
        self.mode = mode
        self.clock = clock
        self.progress = progress or (lambda step, moves: None)
        self.storage = storage  # the pools replicated through an adapter; None: the storage is promoted by hand
        self.interrupted = interrupted  # why to stop before the next step (progress.Heartbeat), or None
        self.before_step = before_step  # what runs before each step (the fences' guard)

    def run(self, moves: list[Move], steps: Sequence[str] = STEPS) -> list[dict]:
        for m in moves:
            journal = self.snap.journal(m.original["id"])
            m.journal = m.journal or (journal if journal and journal.op == self.direction.op else None)
        # A VM found moved keeps its owner's copy of the state right (its last write may have failed).
        for m in self._copy([m for m in moves if m.done_before], self.direction.done, lambda m: m.target):
            m.notes.append("restored the owner's copy of the DR state")
        for step in steps:
            live = [m for m in moves if m.error is None and not m.done_before]
            if not live:
                self.progress(steps[-1], live)  # nothing left to move: the tier's final counts
                break
            stop = self.interrupted()
            if stop:
                for m in live:  # a VM past `begin` stays moving: its journal lets a re-run resume it
                    m.error = f"stopped before {step}: {stop}; run the same command again to finish"
                self.progress(steps[-1], [])
                break
            self.before_step(step)
            started = self.clock.time()
            getattr(self, f"_step_{step}")(live)
            ended = self.clock.time()
            for m in live:
                m.timings[step] = [started, ended]
            self.progress(step, live)
        return [self.result(m) for m in moves]

    def result(self, m: Move) -> dict:
        return move_result(m, self.snap)

    # -- what steps share ---------------------------------------------------------------------------
    def jobs(self, requests: list[Request[str]], moves_by_tag: dict[str, Move], what: str) -> dict[str, dict]:
        """Run async requests together; a failed one fails its VM with `what`. Returns {tag: result} done."""
        done: dict[str, dict] = {}
        for tag, outcome in batch.run(self.api, requests).items():
            moves_by_tag[tag].wrote = True
            if outcome.ok:
                done[tag] = outcome.result
            elif moves_by_tag[tag].error is None:
                moves_by_tag[tag].error = f"{what}: {outcome.error}"
        return done

    def sync(self, m: Move, command: str, **params: Any) -> dict | None:
        m.wrote = True
        try:
            return self.api.call(command, **params)
        except CloudStackError as exc:
            m.error = f"{command}: {exc.errortext}"
            return None

    def save_journals(self, moves: list[Move], everything: bool = False) -> None:
        """Write each move's journal (its header and the volume records that changed), one job per VM."""
        requests = [details.write(m.original["id"], "UserVm", m.original["id"], m.open_journal.details(everything),
                                  False) for m in moves]
        self.jobs(requests, {m.original["id"]: m for m in moves}, "writing the journal")
        for m in moves:
            m.open_journal.changed.clear()

    def _set_state(self, moves: list[Move], state: str, extra: Callable[[Move], dict[str, str]] = lambda m: {},
                   on: Callable[[Move], dict] = lambda m: m.source, where: Where = lambda m: None) -> list[Move]:
        """The hidden state (with `extra(m)` hidden details in the same write) on each original, then the
        owner's copy on the VM `on(m)` picks; returns the moves whose hidden write succeeded."""
        requests = [details.write(m.original["id"], "UserVm", m.original["id"], {STATUS.key(): state, **extra(m)},
                                  False) for m in moves]
        self.jobs(requests, {m.original["id"]: m for m in moves}, "writing the DR state")
        written = [m for m in moves if m.error is None]
        self._copy(written, state, on, where)
        return written

    def _copy(self, moves: list[Move], state: str, on: Callable[[Move], dict],
              where: Where = lambda m: None) -> list[Move]:
        """The owner's copy of the state (and, with `where`, where the VM runs and since when) on the VM `on(m)`
        picks, where it differs; the moves written."""
        copies = [r for m in moves
                  if (r := tenant.request(self.snap, m.original, tenant.copy(self.snap, m.original, state,
                                                                             where=where(m)), on=on(m)))]
        by_tag = {f"copy:{m.original['id']}": m for m in moves}
        return [by_tag[tag] for tag in self.jobs(copies, by_tag, "writing the owner's copy of the state")]

    # -- steps ----------------------------------------------------------------------------------------
    def _step_begin(self, moves: list[Move]) -> None:
        """Journal each fresh move and mark it moving, in one hidden write per VM; a resumed one is moving."""
        fresh = [m for m in moves if m.journal is None]
        resumed = [m for m in moves if m.journal is not None]
        for m in fresh:
            m.journal = Journal(self.direction.op, self.snap.user_id(m.original))
        now = str(replication.iso(self.clock.time()))
        self._set_state(fresh, self.direction.moving, lambda m: m.open_journal.header(),
                        where=lambda m: (tenant.moving(m.source, m.target), now))
        for m in fresh:
            if m.error is not None:
                m.journal = None  # not written: the VM is not moving
        self._copy(resumed, self.direction.moving, lambda m: m.source)

    def _step_stop(self, moves: list[Move]) -> None:
        requests, by_tag = [], {}
        for m in moves:
            if m.source.get("state") in ("Stopped", *GONE):
                continue
            requests.append((m.source["id"], "stopVirtualMachine",
                             {"id": m.source["id"], "forced": self.mode == "unplanned"}))
            by_tag[m.source["id"]] = m
        what = ("the source VM could not be stopped cleanly (mode unplanned forces the stop)"
                if self.mode == "planned" else "stopping the source VM")
        self.jobs(requests, by_tag, what)
        self._abandon([m for m in by_tag.values() if m.error is not None])

    def _abandon(self, moves: list[Move]) -> None:
        """Undo `begin` for VMs that failed before anything moved: back to the state they started from."""
        if not moves:
            return
        errors = {id(m): m.error for m in moves}
        for m in moves:
            m.error = None
        self._set_state(moves, self.direction.start_from[0], lambda m: cleared())
        for m in moves:
            m.error = errors[id(m)]
            m.notes.append("nothing was moved: the VM keeps running where it was")

    def _step_record(self, moves: list[Move]) -> None:
        """Journal the source's volumes before anything detaches them: the one fact not re-readable."""
        todo = [m for m in moves if m.open_journal.volumes is None]
        attached = volumes_by_vm(self.api, [m.source for m in todo])
        for m in todo:
            vols = sorted(attached.get(m.source["id"], []), key=volumes.device_order)
            if not vols:
                m.error = ("the source VM has no volumes to move (if an earlier run detached them, its journal was "
                           "lost: attach them back to the source VM, then run again)")
            m.open_journal.record(vols)
        self.save_journals([m for m in todo if m.error is None])

    def _step_detach(self, moves: list[Move]) -> None:
        attached = volumes_by_vm(self.api, [m.source for m in moves])
        requests, by_tag = [], {}
        for m in moves:
            for vol in attached.get(m.source["id"], []):
                requests.append((vol["id"], "detachVolume", {"id": vol["id"]}))
                by_tag[vol["id"]] = m
        self.jobs(requests, by_tag, "detaching the source VM's volumes")

    def _display(self, m: Move, vm: dict, shown: bool) -> None:
        """Show or hide `vm` to its owner, unless it is already (a VM listed without the flag is shown)."""
        if vm.get("displayvm", True) != shown and self.sync(m, "updateVirtualMachine", id=vm["id"],
                                                            displayvm=shown) is not None:
            vm["displayvm"] = shown

    def _on_the_way(self, m: Move) -> tuple[str, str]:
        """Where a VM in a move runs, and since when, as its source's copy says (when the move began)."""
        said = self.snap.visible(m.source)
        return (tenant.moving(m.source, m.target),
                said.get(RUNS_SINCE.key()) or str(replication.iso(self.clock.time())))

    def _step_promote(self, moves: list[Move]) -> None:
        """The batch's replicas made writable, each device once; a VM whose device could not be waits, moving."""
        if self.storage is None:
            return
        needs = {id(m): {self.pool_map[r.storageid] for r in m.open_journal.recorded if r.storageid in self.pool_map}
                 for m in moves}
        errors = self.storage.promote(set().union(*needs.values()), stopped_at=self.clock.time())
        for m in moves:
            failed = sorted(errors[p] for p in needs[id(m)] if p in errors)
            if failed:
                m.error = f"making the replica writable: {failed[0]}"
            m.data_as_of, m.rpo_seconds = self.storage.recovery_point(needs[id(m)])

    def _step_import(self, moves: list[Move]) -> None:
        volumes.import_replicas(self, moves)

    def _step_attach(self, moves: list[Move]) -> None:
        volumes.attach_replicas(self, moves)

    def _step_swap(self, moves: list[Move]) -> None:
        """The source hidden (its volumes with it), the owner's id moved to the target, the target cleared of its
        placeholder and shown in the source's place with the owner's copy of the moving state."""
        for m in moves:
            self._display(m, m.source, False)
        self._swap_ids([m for m in moves if m.error is None])
        volumes.clear_targets(self, [m for m in moves if m.error is None])
        for m in moves:
            if m.error is None:
                self._display(m, m.target, True)
        self._copy([m for m in moves if m.error is None], self.direction.moving, lambda m: m.target, self._on_the_way)

    def _swap_ids(self, moves: list[Move]) -> None:
        todo = [m for m in moves
                if m.target["id"] != m.open_journal.user_id or self.snap.swap_journal(m.original["id"]) is not None]
        errors = swap.run_many(self.api, self.snap, [({"original": m.original, "recovery": m.recovery},
                                                      self.direction.source_role) for m in todo])
        for m, error in zip(todo, errors, strict=True):
            m.wrote = True
            if error is not None:
                m.error = f"UUID swap: {getattr(error, 'errortext', error)}"

    def _step_start(self, moves: list[Move]) -> None:
        requests = [(m.target["id"], "startVirtualMachine", {"id": m.target["id"]}) for m in moves
                    if m.error is None and m.target.get("state") != "Running"]
        self.jobs(requests, {m.target["id"]: m for m in moves}, "starting the target VM")

    def _running_since(self, m: Move) -> tuple[str, str]:
        """Where the moved VM runs now, and since when: its target's zone, since it started (this run's start step,
        or now for a target an earlier run started)."""
        started = m.timings.get("start", [None, None])[1] or self.clock.time()
        return str(m.target.get("zonename")), str(replication.iso(started))

    def _step_finish(self, moves: list[Move]) -> None:
        """The final state and the cleared journal in one hidden write; the owner's copy on the target."""
        for m in self._set_state(moves, self.direction.done, lambda m: cleared(), on=lambda m: m.target,
                                 where=self._running_since):
            kept = ", ".join(f"{r.name} ({r.id})" for r in m.open_journal.volumes or [])
            m.notes.append(f"source volumes detached and kept for later clean-up: {kept}")
