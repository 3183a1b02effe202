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

from . import batch
from .api import CloudStackError

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
    original = pair["original"]
    stored = decode(snap.details(original["id"]).get(JOURNAL_KEY))
    if stored is None:
        second_role = ROLES[1 - ROLES.index(first_role)]
        stored = dict(new_journal(pair[first_role]["id"], pair[second_role]["id"]), first=first_role)
        _detail_job(api, "addResourceDetail", original["id"], details={JOURNAL_KEY: encode(stored)},
                    fordisplay=False)
    first = pair[stored["first"]]
    second = pair[ROLES[1 - ROLES.index(stored["first"])]]
    for current, new in remaining_calls(stored, step_reached(stored, first["id"], second["id"])):
        api.call("updateVirtualMachine", id=current, customid=new)
        for vm in (first, second):
            if vm["id"] == current:
                vm["id"] = new
    _detail_job(api, "removeResourceDetail", original["id"], key=JOURNAL_KEY)


def _detail_job(api, command, vm_id, **params):
    outcome = batch.run(api, [(vm_id, command, dict(params, resourcetype="UserVm", resourceid=vm_id))])[vm_id]
    if not outcome.ok:
        raise CloudStackError(command, outcome.error, f"VM {vm_id}")
