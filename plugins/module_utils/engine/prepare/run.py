# Copyright: cloudstack.dr contributors
# Apache License 2.0 (see LICENSE)
"""Preparation: give every VM of a DR offering a metadata-only recovery VM, and keep it in sync.

The coordinator plans each VM (model.mirror), then runs the phases over the whole batch, each
phase's async jobs submitted together and waited on together: recovery networks and VPCs
(networks.py), the recovery VMs and their new NICs (vms.py), public IPs (ips.py), NAT and firewall
rules (rules.py), the NICs the original left (vms.remove_nics: after the rules that used them), and the
DR state (record.py). A VM that fails a phase leaves the batch with a
reason; the others go on.
"""

from __future__ import annotations

from typing import Any

from ...client import batch
from ...client.api import Client, CloudStackError
from ...client.batch import Request
from ...config.resources import check_caller
from ...errors import InputError
from ...model import mirror
from ...model.mirror import MirrorError, VmPlan
from ...model.snapshot import Snapshot
from ...vocabulary import states
from . import ips, networks, record, rules, vms


class PrepareRun:
    """Plans and applies preparation for a batch of original VMs; phases report through fail/jobs/sync."""

    def __init__(self, api: Client, snap: Snapshot, check_mode: bool = False) -> None:
        self.api = api
        self.snap = snap
        self.check_mode = check_mode
        self.results: dict[str, dict] = {}

    def run(self, originals: list[dict]) -> list[dict]:
        plans, moved = [], []
        for vm in originals:
            if self.snap.state(vm) in states.MOVED or self.snap.journal(vm["id"]):
                self._skip(vm)
                moved += [vm] if self.snap.state(vm) == states.FAILED_OVER else []
                continue
            try:
                plan = mirror.plan_vm(self.snap, vm)
            except MirrorError as exc:
                plan = VmPlan(original=vm, dr={}, recovery_zone="")
                self.fail(plan, str(exc))
            plans.append(plan)
        live = [p for p in plans if p.error is None and not self._template_missing(p)]
        before = {p.original["id"]: mirror.actual(self.snap, p) for p in live}
        if not self.check_mode:
            networks.run(self, live)
            live = vms.run(self, [p for p in live if p.error is None])
            live = ips.run(self, live)
            live = rules.run(self, live)
            live = vms.remove_nics(self, live)
        for plan in live:
            self._finish(plan, before[plan.original["id"]])
        # A failed-over VM's owner keeps its DR details, even after a settings change erased them.
        requests = record.requests(self, plans) + record.tenant_copies(self, moved)
        if not self.check_mode:
            record.apply(self, requests, plans)
        return [self.results[vm["id"]] for vm in originals]

    def _skip(self, vm: dict) -> None:
        """A VM failed over (or moving): its recovery VM is in use; it is prepared again by its failback."""
        state = self.snap.state(vm)
        self.results[vm["id"]] = {
            "id": vm["id"], "name": vm["name"], "state": state, "changed": False, "error": None,
            "changes": [f"skipped: the VM is {state}; it is prepared again by its failback"],
            "recovery_vm": (self.snap.peer(vm) or {}).get("id")}

    def _template_missing(self, plan: VmPlan) -> bool:
        if self.snap.template_in_zone(plan.original.get("templateid"), plan.recovery_zone):
            return False
        self.fail(plan, f"template {plan.original.get('templatename')} is not available in the recovery zone")
        return True

    # -- what phases share ------------------------------------------------------------------------
    def fail(self, plan: VmPlan, reason: str) -> None:
        """Record why a VM could not be prepared (the first reason counts); the batch goes on."""
        if plan.error is not None:
            return
        plan.error = reason
        self.results[plan.original["id"]] = {
            "id": plan.original["id"], "name": plan.name, "state": states.PREPARE_FAILED,
            "changed": bool(plan.changes), "error": reason, "changes": plan.changes,
            "recovery_vm": (plan.recovery or {}).get("id"),
        }

    def jobs(self, requests: list[Request[str]], plans_by_tag: dict[str, VmPlan]) -> dict[str, dict]:
        """Run async requests together; a failed request fails its VM. Returns {tag: result} of those done."""
        done: dict[str, dict] = {}
        for tag, outcome in batch.run(self.api, requests).items():
            if outcome.ok:
                done[tag] = outcome.result
            else:
                self.fail(plans_by_tag[tag], outcome.error)
        return done

    def sync(self, plan: VmPlan, command: str, **params: Any) -> dict | None:
        """One synchronous call for a VM; its failure fails the VM, not the batch."""
        try:
            return self.api.call(command, **params)
        except CloudStackError as exc:
            self.fail(plan, f"{command}: {exc.errortext}")
            return None

    def _finish(self, plan: VmPlan, before: dict) -> None:
        after = mirror.desired(self.snap, plan)
        changed = before != after or bool(plan.changes)
        self.results[plan.original["id"]] = {
            "id": plan.original["id"], "name": plan.name, "state": states.PREPARED, "changed": changed,
            "error": None, "changes": plan.changes or mirror.describe(before, after),
            "recovery_vm": (plan.recovery or {}).get("id"), "diff": {"before": before, "after": after},
        }


def prepare_vms(api: Client, names: list[str] | None = None, zone: str | None = None, account: str | None = None,
                domain: str | None = None, batch_size: int = 500, check_mode: bool = False) -> dict:
    """The vm_prepare module's work: select, then prepare in bounded batches; the module's result."""
    check_caller(api, "the DR details of VMs")
    if batch_size < 1:
        raise InputError("batch_size", f"must be at least 1, not {batch_size}", "Give a positive number of VMs")
    snap = Snapshot(api)
    vms_ = snap.originals(names, zone, account, domain)
    results = []
    for start in range(0, len(vms_), batch_size):
        results += PrepareRun(api, snap, check_mode=check_mode).run(vms_[start:start + batch_size])
    return {
        "changed": any(r["changed"] for r in results),
        "vms": [{k: v for k, v in r.items() if k != "diff"} for r in results],
        "summary": {
            "selected": len(results),
            "prepared": sum(r["error"] is None for r in results),
            "failed": sum(r["error"] is not None for r in results),
            "changed": sum(r["changed"] for r in results),
        },
        "diff": {
            "before": {r["name"]: r.get("diff", {}).get("before", {}) for r in results},
            "after": {r["name"]: r.get("diff", {}).get("after", {}) for r in results},
        },
    }
