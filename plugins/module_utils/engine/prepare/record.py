# Copyright: cloudstack.dr contributors
# Apache License 2.0 (see LICENSE)
"""Prepare, phase 5: record each VM's DR state, its owner's copy of it, and an alert when it failed.

The state (hidden `dr.status` on the original) and the recovery VM's role (hidden `dr.role`) are
the truth; the visible details on the VM the owner sees are the copy (model.tenant). A VM whose
state could not be written is reported failed: DR does not know it prepared. A CloudStack alert
that could not be raised is said in the VM's changes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ...client import batch
from ...client.batch import Request
from ...model import tenant
from ...model.mirror import VmPlan
from ...vocabulary import details, states
from ...vocabulary.keys import PAIR, ROLE, ROLE_RECOVERY, STATUS

if TYPE_CHECKING:  # run.py runs the phases and imports them
    from .run import PrepareRun

# generateAlert's type for DR alerts: above CloudStack's own AlertType numbers (AlertService), so no
# built-in alert is raised under our name.
ALERT_TYPE = 100
ALERT_NAME = "DR.PREPARE.FAILED"


def requests(prep: PrepareRun, plans: list[VmPlan]) -> list[Request[str]]:
    """The writes and alerts that record each planned VM's state; a VM they touch is changed."""
    snap, out = prep.snap, []
    for plan in plans:
        vm, result = plan.original, prep.results[plan.original["id"]]
        writes = []
        truth = {STATUS.key(): result["state"]}
        if plan.recovery:  # the pair, for when the recovery VM's id is not the derived one
            truth[PAIR.key()] = f"{snap.user_id(vm)} {plan.recovery['id']}"
        stored = {STATUS.key(): snap.status.get(vm["id"]), PAIR.key(): snap.hidden.get(vm["id"], {}).get(PAIR.key())}
        stale = {k: v for k, v in truth.items() if stored[k] != v}
        if stale and (STATUS.key() in stale or vm["id"] in snap.hidden):
            writes.append(details.write(f"status:{vm['id']}", "UserVm", vm["id"], truth, STATUS.visible))
        if plan.recovery and plan.recovery["id"] not in snap.recovery_ids:
            writes.append(details.write(f"role:{vm['id']}", "UserVm", plan.recovery["id"],
                                        {ROLE.key(): ROLE_RECOVERY}, ROLE.visible))
        copy = tenant.request(snap, vm, tenant.copy(snap, vm, result["state"], result["error"] or ""), on=vm)
        writes += [copy] if copy else []
        if result["error"]:
            writes.append((f"alert:{vm['id']}", "generateAlert", {
                "type": ALERT_TYPE, "name": ALERT_NAME, "zoneid": vm.get("zoneid"),
                "description": f"DR preparation of VM {plan.name} ({vm['id']}) failed: {result['error']}"}))
        result["changed"] = result["changed"] or bool(writes)
        out += writes
    return out


def tenant_copies(prep: PrepareRun, originals: list[dict]) -> list[Request[str]]:
    """The owner's copy on failed-over VMs (on the recovery VM that serves them), where it drifted."""
    out = []
    for vm in originals:
        write = tenant.request(prep.snap, vm, tenant.copy(prep.snap, vm, states.FAILED_OVER))
        if write:
            prep.results[vm["id"]]["changed"] = True
            prep.results[vm["id"]]["changes"].append("restored the owner's copy of the DR status")
            out.append(write)
    return out


def apply(prep: PrepareRun, writes: list[Request[str]]) -> None:
    """Run the writes together; a failed state write fails its VM, a failed alert is reported."""
    for tag, outcome in batch.run(prep.api, writes).items():
        if outcome.ok:
            continue
        kind, vm_id = tag.split(":", 1)  # every tag names the original VM
        result = prep.results[vm_id]
        if kind == "alert":
            result["changes"].append(f"the CloudStack alert could not be raised: {outcome.error}")
        else:
            result.update(state=states.PREPARE_FAILED, error=result["error"] or
                          f"recording the DR state failed ({kind}): {outcome.error}")
