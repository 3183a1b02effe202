# Copyright: cloudstack.dr contributors
# Apache License 2.0 (see LICENSE)
"""Swapping the UUIDs of two VMs through a temporary id, journaled so any interruption heals.

CloudStack lets a root admin set a VM's UUID with ``updateVirtualMachine customid=``. Swapping
A and B takes three calls: A -> T, B -> A, A(T) -> B. The journal (hidden, on the original,
written before the first call: vocabulary.journal.SwapJournal) records the two ids, T and which
role went first. Which step was reached is then read off the ids the VMs carry now, so a re-run
after a crash at any point either finishes the swap or finds it done; no step ever leaves two VMs
with one id.
"""

from __future__ import annotations

import uuid

from ..client import batch
from ..client.api import Client, CloudStackError
from ..model.snapshot import Snapshot
from ..vocabulary import details
from ..vocabulary.journal import SwapJournal, swap_cleared

ROLES = ("original", "recovery")
# (id of first VM, id of second VM) -> step reached, for journal ids a, b, t
_STEPS = ("none", "first_moved_to_temp", "second_took_first", "done")


def new_journal(first_id: str, second_id: str, first_role: str = "original") -> SwapJournal:
    return SwapJournal(first_id, second_id, str(uuid.uuid4()), first_role)


def step_reached(journal: SwapJournal, first_now: str, second_now: str) -> str:
    """Which of the swap's steps the two VMs' current ids show (first/second as in the journal)."""
    a, b, t = journal.a, journal.b, journal.t
    seen = {(a, b): "none", (t, b): "first_moved_to_temp", (t, a): "second_took_first", (b, a): "done"}
    step = seen.get((first_now, second_now))
    if step is None:
        raise ValueError(
            f"the VMs carry ids {first_now}/{second_now}, which match no step of the journaled swap {a}<->{b}; "
            "someone changed them by hand: fix the ids with updateVirtualMachine customid= and re-run")
    return step


def remaining_calls(journal: SwapJournal, step: str) -> list[tuple[str, str]]:
    """The updateVirtualMachine calls still to make, as (current id, new id)."""
    a, b, t = journal.a, journal.b, journal.t
    return [(a, t), (b, a), (t, b)][_STEPS.index(step):]


def other(role: str) -> str:
    return ROLES[1 - ROLES.index(role)]


def run(api: Client, snap: Snapshot, pair: dict[str, dict], first_role: str) -> None:
    """Give `pair[first_role]`'s id to the other VM of the pair, and its id to the first.

    `pair` maps "original" and "recovery" to VM dicts whose "id" is updated as the swap goes. A resumed
    swap continues in the direction its journal names. Raises CloudStackError or ValueError.
    """
    error = run_many(api, snap, [(pair, first_role)])[0]
    if error is not None:
        raise error


def run_many(api: Client, snap: Snapshot, swaps: list[tuple[dict[str, dict], str]]) -> list[Exception | None]:
    """`run` for many `(pair, first_role)` at once: the journals are written in one batch of jobs,
    the id changes go round by round (each pair's three calls stay in order), and the journals are
    cleared in one batch, so a thousand swaps wait for two job latencies, not two thousand.
    Returns, per swap, None or the CloudStackError/ValueError that stopped it."""
    errors: list[Exception | None] = [None] * len(swaps)
    journals: dict[int, SwapJournal] = {}
    writes: list[tuple[int, dict, dict[str, str]]] = []
    for i, (pair, first_role) in enumerate(swaps):
        snap.load_hidden(pair["original"]["id"])  # read with the snapshot for a VM in a move; else read now
        journal = snap.swap_journal(pair["original"]["id"])
        if journal is None:
            journal = new_journal(pair[first_role]["id"], pair[other(first_role)]["id"], first_role)
            writes.append((i, pair, journal.details()))
        journals[i] = journal
    _write(api, writes, errors)
    calls: dict[int, tuple[dict, dict, list[tuple[str, str]]]] = {}
    for i, (pair, _) in enumerate(swaps):
        if errors[i] is not None:
            continue
        journal = journals[i]
        first, second = pair[journal.first], pair[other(journal.first)]
        try:
            calls[i] = (first, second, remaining_calls(journal, step_reached(journal, first["id"], second["id"])))
        except ValueError as exc:
            errors[i] = exc
    for step in range(3):
        for i, (first, second, todo) in calls.items():
            if errors[i] is not None or step >= len(todo):
                continue
            current, new = todo[step]
            try:
                api.call("updateVirtualMachine", id=current, customid=new)
            except CloudStackError as exc:
                errors[i] = exc
                continue
            for vm in (first, second):
                if vm["id"] == current:
                    vm["id"] = new
            snap.rekey(current, new)
    _write(api, [(i, swaps[i][0], swap_cleared()) for i in range(len(swaps)) if errors[i] is None], errors)
    return errors


def _write(api: Client, writes: list[tuple[int, dict, dict[str, str]]], errors: list[Exception | None]) -> None:
    """Write (index, pair, hidden details) on each pair's original together; a failure goes to errors[index]."""
    outcomes = batch.run(api, [details.write(i, "UserVm", pair["original"]["id"], values, False)
                               for i, pair, values in writes])
    for i, pair, _ in writes:
        if not outcomes[i].ok:
            errors[i] = CloudStackError("addResourceDetail", outcomes[i].error, f"VM {pair['original']['id']}")
