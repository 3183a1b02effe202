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
from ...client.api import Client, CloudStackError
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
# CloudStack keeps one unarchived alert per type and zone and silently drops the next ones
# (AlertManagerImpl.sendAlert): a run raises one alert per zone, naming its failed VMs, after archiving
# the zone's previous one, found by the zone id its description names (alerts carry no zone id).
ALERT_DESCRIPTION_LENGTH = 999


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
        copy = tenant.request(snap, vm, tenant.copy(snap, vm, result["state"], result["error"] or "",
                                                    tenant.home(snap, vm)), on=vm)
        writes += [copy] if copy else []
        result["changed"] = result["changed"] or bool(writes)
        out += writes
    return out


def tenant_copies(prep: PrepareRun, originals: list[dict]) -> list[Request[str]]:
    """The owner's copy on failed-over VMs (on the recovery VM that serves them), where it drifted."""
    out = []
    for vm in originals:
        write = tenant.request(prep.snap, vm, tenant.copy(prep.snap, vm, states.FAILED_OVER,
                                                          where=tenant.away(prep.snap, vm)))
        if write:
            prep.results[vm["id"]]["changed"] = True
            prep.results[vm["id"]]["changes"].append("restored the owner's copy of the DR status")
            out.append(write)
    return out


def failed_by_zone(prep: PrepareRun, plans: list[VmPlan]) -> dict[str, list[str]]:
    """{zone id: names of the VMs whose preparation failed}."""
    out: dict[str, list[str]] = {}
    for plan in plans:
        if prep.results[plan.original["id"]]["error"]:
            out.setdefault(plan.original["zoneid"], []).append(plan.name)
    return out


def alerts(prep: PrepareRun, failed: dict[str, list[str]]) -> list[Request[str]]:
    """One alert per zone with failed VMs, naming them (their dr.alert detail says why)."""
    out: list[Request[str]] = []
    for zone_id, names in sorted(failed.items()):
        zone = prep.snap.zones.get(zone_id, {}).get("name", zone_id)
        head = f"DR preparation in zone {zone} ({zone_id}): {len(names)} VMs failed; each VM's dr.alert says why: "
        listed = ", ".join(sorted(names))
        if len(head) + len(listed) > ALERT_DESCRIPTION_LENGTH:
            listed = listed[:ALERT_DESCRIPTION_LENGTH - len(head) - 4] + " ..."
        out.append((f"alert:{zone_id}", "generateAlert",
                    {"type": ALERT_TYPE, "name": ALERT_NAME, "zoneid": zone_id, "description": head + listed}))
    return out


def new_alerts(api: Client, wanted: list[Request[str]]) -> list[Request[str]]:
    """The wanted alerts that the zones' current DR alerts do not already say; the zones' other DR alerts
    are archived, so CloudStack records the new ones."""
    out, stale = [], []
    for alert in wanted:
        zone_id, description = alert[2]["zoneid"], alert[2]["description"]
        current = api.list("listAlerts", name=ALERT_NAME, keyword=zone_id)
        if any(c.get("description") == description for c in current):
            continue
        stale += [c["id"] for c in current]
        out.append(alert)
    if stale:
        api.call("archiveAlerts", ids=stale)
    return out


def apply(prep: PrepareRun, writes: list[Request[str]], plans: list[VmPlan]) -> None:
    """Run the writes and the zones' alerts together; a failed state write fails its VM, a failed alert is
    reported on each VM it was raised for."""
    failed = failed_by_zone(prep, plans)
    try:
        raised = new_alerts(prep.api, alerts(prep, failed))
    except CloudStackError as error:
        raised = []
        _note(prep, plans, failed, f"the zone's DR alert could not be replaced: {error}")
    _note(prep, plans, {a[2]["zoneid"]: failed[a[2]["zoneid"]] for a in raised}, "raised the zone's DR alert",
          changed=True)
    for tag, outcome in batch.run(prep.api, writes + raised).items():
        if outcome.ok:
            continue
        kind, ref = tag.split(":", 1)  # an alert's tag names its zone, every other tag the original VM
        if kind == "alert":
            _note(prep, plans, {ref: failed[ref]}, f"the CloudStack alert could not be raised: {outcome.error}")
        else:
            prep.results[ref].update(state=states.PREPARE_FAILED, error=prep.results[ref]["error"] or
                                     f"recording the DR state failed ({kind}): {outcome.error}")


def _note(prep: PrepareRun, plans: list[VmPlan], failed: dict[str, list[str]], note: str,
          changed: bool = False) -> None:
    """Add `note` to the changes of each failed VM of the zones of `failed`."""
    for plan in plans:
        if plan.name in failed.get(plan.original["zoneid"], ()):
            result = prep.results[plan.original["id"]]
            result["changes"].append(note)
            result["changed"] = result["changed"] or changed
