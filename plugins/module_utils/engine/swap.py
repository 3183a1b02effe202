# Copyright: cloudstack.dr contributors
# Apache License 2.0 (see LICENSE)
"""Swapping the UUIDs of two VMs through a temporary id, journaled so any interruption heals.

CloudStack lets a root admin set a VM's UUID with ``updateVirtualMachine customid=``. Swapping
A and B takes three calls: A -> T, B -> A, A(T) -> B. The journal (on both VMs, as hidden
details, written before the first call) records the two original ids and T. Which step was
reached is then read off the ids the VMs carry now, so a re-run after a crash at any point
either finishes the swap or finds it done; no step ever leaves two VMs with one id.
"""

from __future__ import annotations

import json
import uuid

from ..client import batch
from ..client.api import CloudStackError

JOURNAL_KEY = "dr.swap"

# (id of first VM, id of second VM) -> step reached, for journal ids a, b, t
_STEPS = ("none", "first_moved_to_temp", "second_took_first", "done")


def new_journal(first_id, second_id):
    return {"a": first_id, "b": second_id, "t": str(uuid.uuid4())}


def step_reached(journal, first_now, second_now):
    """Which of the swap's steps the two VMs' current ids show (first/second as in the journal)."""
    a, b, t = journal["a"], journal["b"], journal["t"]
    seen = {
        (a, b): "none",
        (t, b): "first_moved_to_temp",
        (t, a): "second_took_first",
        (b, a): "done",
    }
    step = seen.get((first_now, second_now))
    if step is None:
        raise ValueError(
            f"the VMs carry ids {first_now}/{second_now}, which match no step of the journaled swap {a}<->{b}; "
            "someone changed them by hand: fix the ids with updateVirtualMachine customid= and re-run")
    return step


def remaining_calls(journal, step):
    """The updateVirtualMachine calls still to make, as (current id, new id)."""
    a, b, t = journal["a"], journal["b"], journal["t"]
    calls = [(a, t), (b, a), (t, b)]
    return calls[_STEPS.index(step):]


def encode(journal):
    return json.dumps(journal, sort_keys=True)


def decode(value):
    return json.loads(value) if value else None


ROLES = ("original", "recovery")


def run(api, snap, pair, first_role):
    """Give `pair[first_role]`'s id to the other VM of the pair, and its id to the first.

    `pair` maps "original" and "recovery" to VM dicts whose "id" is updated as the swap goes. The
    journal lives on the original (details follow a VM through id changes) and names which role went
    first, so a resumed swap continues in the same direction. Raises CloudStackError or ValueError.
    """
    error = run_many(api, snap, [(pair, first_role)])[0]
    if error is not None:
        raise error


def run_many(api, snap, swaps):
    """`run` for many `(pair, first_role)` at once: the journals are written in one batch of jobs,
    the id changes go round by round (each pair's three calls stay in order), and the journals are
    cleared in one batch, so a thousand swaps wait for two job latencies, not two thousand.
    Returns, per swap, None or the CloudStackError/ValueError that stopped it."""
    errors = [None] * len(swaps)
    journals, writes = {}, []
    for i, (pair, first_role) in enumerate(swaps):
        stored = decode(snap.details(pair["original"]["id"]).get(JOURNAL_KEY))
        if stored is None:
            second_role = ROLES[1 - ROLES.index(first_role)]
            stored = dict(new_journal(pair[first_role]["id"], pair[second_role]["id"]), first=first_role)
            writes.append((i, "addResourceDetail", {"resourceid": pair["original"]["id"],
                                                    "details": {JOURNAL_KEY: encode(stored)}, "fordisplay": False}))
        journals[i] = stored
    _detail_jobs(api, writes, errors)
    calls = {}
    for i, (pair, _) in enumerate(swaps):
        if errors[i] is not None:
            continue
        stored = journals[i]
        first = pair[stored["first"]]
        second = pair[ROLES[1 - ROLES.index(stored["first"])]]
        try:
            calls[i] = (first, second, remaining_calls(stored, step_reached(stored, first["id"], second["id"])))
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
    _detail_jobs(api, [(i, "removeResourceDetail", {"resourceid": swaps[i][0]["original"]["id"], "key": JOURNAL_KEY})
                       for i in range(len(swaps)) if errors[i] is None], errors)
    return errors


def _detail_jobs(api, requests, errors):
    """Run (index, command, params) detail jobs on VMs together; a failure goes to errors[index]."""
    outcomes = batch.run(api, [(i, command, dict(params, resourcetype="UserVm")) for i, command, params in requests])
    for i, command, params in requests:
        if not outcomes[i].ok:
            errors[i] = CloudStackError(command, outcomes[i].error, f"VM {params['resourceid']}")
