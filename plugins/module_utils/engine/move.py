# Copyright: cloudstack.dr contributors
# Apache License 2.0 (see LICENSE)
"""Failover and failback: move a VM's service from one VM of its DR pair to the other.

Both directions are one state machine. The *source* VM (the original on failover, the recovery
VM on failback) is stopped, its volumes are detached and kept, and it is hidden; the volumes'
replicas are imported from the pools introduced on the other side and attached to the *target*
VM (root at device 0 in place of a never-materialised placeholder, data disks in their original
order); the UUIDs are swapped so the owner keeps the VM id; the target is shown and started.

Each step checks the cloud before acting, and what cannot be read back from the cloud (the
source's volume list before detaching it, the user-facing id) is journaled in a hidden detail
first, so a run interrupted anywhere is finished by running it again. No step deletes a volume
that holds data: the only volume ever deleted is a placeholder root in state Allocated (never
materialised, so it has no file). Steps run for the whole batch at once: one step's async jobs
for every VM are submitted together and waited on together.
"""

from __future__ import annotations

import json
import re
import time
from dataclasses import dataclass, field

from ..client import batch
from ..client.api import CloudStackError
from . import swap

JOURNAL_KEY = "dr.move"
# op -> (state while moving, state when done, states a move may start from)
STATES = {
    "failover": ("FailingOver", "FailedOver", ("Prepared",)),
    "failback": ("FailingBack", "Prepared", ("FailedOver",)),
}
STEPS = ("begin", "stop", "record", "detach", "hide", "import", "attach", "swap", "start", "finish")
GONE = ("Destroyed", "Expunging")
RTO_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def rto_seconds(text):
    """'90s', '15m', '1h', '1h30m', '2d', or plain seconds (45, '45') -> seconds; None when unknown."""
    if isinstance(text, (int, float)) and not isinstance(text, bool):
        return text
    text = str(text or "").strip().lower()
    if text.isdigit():
        return int(text)
    if not re.fullmatch(r"(\d+[smhd])+", text):
        return None
    return sum(int(n) * RTO_UNITS[unit] for n, unit in re.findall(r"(\d+)([smhd])", text))


@dataclass
class Move:
    original: dict  # the VM with dr.role=original (home zone)
    recovery: dict  # its recovery VM
    op: str
    tier: int = 1
    rto: str = ""
    journal: dict = field(default_factory=dict)
    error: str | None = None
    done_before: bool = False  # found already moved: nothing to do
    timings: dict = field(default_factory=dict)  # step -> [start, end] epoch seconds
    notes: list = field(default_factory=list)

    @property
    def source(self):
        return self.original if self.op == "failover" else self.recovery

    @property
    def target(self):
        return self.recovery if self.op == "failover" else self.original

    @property
    def name(self):
        return self.original["name"]


class MoveRun:
    """Runs one direction for a batch of pairs; the caller hands tiers in order."""

    def __init__(self, api, snapshot, op, pool_map, mode="unplanned", clock=time, progress=None):
        if op not in STATES:
            raise ValueError(f"op must be failover or failback, not {op}")
        self.api = api
        self.snap = snapshot
        self.op = op
        self.pool_map = pool_map  # pool the volumes are on -> introduced pool to import them from
        self.mode = mode
        self.clock = clock
        self.progress = progress or (lambda step, moves: None)

    # -- the batch -------------------------------------------------------------------------------
    def run(self, moves, steps=STEPS):
        self._load_journals(moves)
        for step in steps:
            live = [m for m in moves if m.error is None and not m.done_before]
            if not live:
                break
            started = self.clock.time()
            getattr(self, f"_step_{step}")(live)
            ended = self.clock.time()
            for m in live:
                m.timings[step] = [started, ended]
            self.progress(step, live)
        return [self.result(m) for m in moves]

    def result(self, m):
        first = min((b for b, _ in m.timings.values()), default=None)
        last = max((e for _, e in m.timings.values()), default=None)
        seconds = round(last - first, 3) if first is not None else 0.0
        target = rto_seconds(m.rto)
        running_at = m.timings.get("start", [None, None])[1]
        return {
            "name": m.name, "id": self.user_id(m), "account": m.original.get("account"), "tier": m.tier,
            "rto": m.rto, "op": self.op, "failed": m.error is not None, "error": m.error,
            "changed": bool(m.timings) and not m.done_before,
            "state": STATES[self.op][1] if m.error is None else STATES[self.op][0],
            "step_seconds": {s: round(e - b, 3) for s, (b, e) in m.timings.items()},
            "started": first, "ended": last, "seconds": seconds,
            "rto_met": None if target is None or running_at is None else running_at - first <= target,
            "notes": m.notes,
        }

    @staticmethod
    def user_id(m):
        """The id the owner knows the VM by: journaled during a move, else on whichever VM serves."""
        if m.journal.get("user_id"):
            return m.journal["user_id"]
        serving = m.target if m.done_before else m.source
        return serving.get("id") or m.original["id"]

    def _load_journals(self, moves):
        for m in moves:
            stored = json.loads(self.snap.details(m.original["id"]).get(JOURNAL_KEY) or "{}")
            if stored.get("op") == self.op:
                m.journal = stored

    def _jobs(self, requests, moves_by_tag, what):
        outcomes = batch.run(self.api, requests)
        done = {}
        for tag, outcome in outcomes.items():
            if outcome.ok:
                done[tag] = outcome.result
            elif moves_by_tag[tag].error is None:
                moves_by_tag[tag].error = f"{what}: {outcome.error}"
        return done

    def _sync(self, move, command, **params):
        try:
            return self.api.call(command, **params)
        except CloudStackError as exc:
            move.error = f"{command}: {exc.errortext}"
            return None

    def _save_journal(self, moves):
        requests = [(m.original["id"], "addResourceDetail", {
            "resourcetype": "UserVm", "resourceid": m.original["id"], "fordisplay": False,
            "details": {JOURNAL_KEY: json.dumps(m.journal, sort_keys=True)}}) for m in moves]
        self._jobs(requests, {m.original["id"]: m for m in moves}, "writing the journal")

    def _volumes_by_vm(self, vms):
        """{vm id: [volumes attached]}, read with one listing per zone."""
        out = {}
        for zone_id in {vm["zoneid"] for vm in vms}:
            for vol in self.api.list("listVolumes", listall=True, zoneid=zone_id):
                if vol.get("virtualmachineid"):
                    out.setdefault(vol["virtualmachineid"], []).append(vol)
        return out

    # -- steps -------------------------------------------------------------------------------------
    def _step_begin(self, moves):
        fresh = [m for m in moves if not m.journal]
        for m in fresh:
            m.journal = {"op": self.op, "user_id": m.source["id"], "volumes": None, "imported": {}}
        self._save_journal(fresh)
        # Only a journaled VM is shown as moving: a failed journal write leaves the state as it was.
        self._set_state([m for m in moves if m.error is None], STATES[self.op][0], lambda m: m.source)

    def _set_state(self, moves, state, *visible_on):
        """dr.state on the VM(s) each of `visible_on` picks, all in one batch of jobs."""
        requests, by_tag = [], {}
        for m in moves:
            for k, vm in enumerate(pick(m) for pick in visible_on):
                tag = f"{m.original['id']}:{k}"
                requests.append((tag, "addResourceDetail", {
                    "resourcetype": "UserVm", "resourceid": vm["id"], "fordisplay": True,
                    "details": {"dr.state": state}}))
                by_tag[tag] = m
        self._jobs(requests, by_tag, "writing the DR state")

    def _step_stop(self, moves):
        requests, by_tag = [], {}
        for m in moves:
            if m.source.get("state") in ("Stopped", *GONE):
                continue
            requests.append((m.source["id"], "stopVirtualMachine",
                             {"id": m.source["id"], "forced": self.mode == "unplanned"}))
            by_tag[m.source["id"]] = m
        what = ("the source VM could not be stopped cleanly (mode unplanned forces the stop)"
                if self.mode == "planned" else "stopping the source VM")
        self._jobs(requests, by_tag, what)
        self._abandon([m for m in by_tag.values() if m.error is not None])

    def _abandon(self, moves):
        """Undo `begin` for VMs that failed before anything moved: back to the state they started from."""
        if not moves:
            return
        self._set_state(moves, STATES[self.op][2][0], lambda m: m.source)
        batch.run(self.api, [(m.original["id"], "removeResourceDetail", {
            "resourcetype": "UserVm", "resourceid": m.original["id"], "key": JOURNAL_KEY}) for m in moves])
        for m in moves:
            m.notes.append("nothing was moved: the VM keeps running where it was")

    def _step_record(self, moves):
        """Journal the source's volumes before anything detaches them: the one fact not re-readable."""
        todo = [m for m in moves if m.journal.get("volumes") is None]
        attached = self._volumes_by_vm([m.source for m in todo])
        for m in todo:
            vols = sorted(attached.get(m.source["id"], []), key=_device)
            if not vols:
                m.error = "the source VM has no volumes to move"
            m.journal["volumes"] = [_volume_record(v) for v in vols]
        self._save_journal([m for m in todo if m.error is None])

    def _step_detach(self, moves):
        attached = self._volumes_by_vm([m.source for m in moves])
        requests, by_tag = [], {}
        for m in moves:
            for vol in attached.get(m.source["id"], []):
                requests.append((vol["id"], "detachVolume", {"id": vol["id"]}))
                by_tag[vol["id"]] = m
        self._jobs(requests, by_tag, "detaching the source VM's volumes")

    def _step_hide(self, moves):
        for m in moves:
            if m.source.get("displayvm", True):
                self._sync(m, "updateVirtualMachine", id=m.source["id"], displayvm=False)

    def _step_import(self, moves):
        managed = {}
        for pool_id in {self.pool_map.get(v["storageid"]) for m in moves for v in m.journal["volumes"]} - {None}:
            for vol in self.api.list("listVolumes", storageid=pool_id, listall=True):
                managed[(pool_id, vol.get("path"))] = vol
        requests, by_tag = [], {}
        for m in moves:
            for rec in m.journal["volumes"]:
                pool = self.pool_map.get(rec["storageid"])
                if pool is None:
                    m.error = (f"pool {rec.get('storage')} of volume {rec['name']} has no introduced pool on the "
                               "other side: run cloudstack.dr.storage_introduce first")
                    break
                if rec["path"] in m.journal["imported"]:
                    continue
                have = managed.get((pool, rec["path"]))
                if have is not None:  # imported by an earlier run, or the volume of an earlier move
                    m.journal["imported"][rec["path"]] = have["id"]
                    continue
                tag = f"{m.original['id']}|{rec['path']}"
                requests.append((tag, "importVolume", _import_params(m, rec, pool)))
                by_tag[tag] = m
        for tag, result in self._jobs(requests, by_tag, "importing a replicated volume").items():
            by_tag[tag].journal["imported"][tag.split("|", 1)[1]] = result["volume"]["id"]
        self._save_journal([m for m in moves if m.error is None])

    def _step_attach(self, moves):
        current = self._volumes_by_vm([m.target for m in moves])
        slots = []
        for m in moves:
            wanted = {m.journal["imported"][r["path"]] for r in m.journal["volumes"]}
            slots += [(m, vol) for vol in current.get(m.target["id"], []) if vol["id"] not in wanted]
        self._clear_slots(slots)
        # Device order matters (root first, at 0), so each VM's volumes go one at a time while the
        # batch's VMs go together: one round per device position.
        for i in range(max((len(m.journal["volumes"]) for m in moves), default=0)):
            attached = {v["id"] for vols in current.values() for v in vols} if i == 0 else \
                {v["id"] for vols in self._volumes_by_vm([m.target for m in moves]).values() for v in vols}
            requests, by_tag = [], {}
            for m in moves:
                if m.error is not None or i >= len(m.journal["volumes"]):
                    continue
                rec = m.journal["volumes"][i]
                vol_id = m.journal["imported"][rec["path"]]
                if vol_id in attached:
                    continue
                device = 0 if rec["type"] == "ROOT" else rec["deviceid"]
                requests.append((vol_id, "attachVolume", {"id": vol_id, "virtualmachineid": m.target["id"],
                                                          "deviceid": device}))
                by_tag[vol_id] = m
            self._jobs(requests, by_tag, "attaching a replicated volume")

    def _clear_slots(self, slots):
        """Remove what stands on the targets in place of the moved volumes (all detached together);
        delete only a placeholder."""
        detached = self._jobs([(vol["id"], "detachVolume", {"id": vol["id"]}) for _, vol in slots],
                              {vol["id"]: m for m, vol in slots}, "detaching the placeholder")
        for m, vol in slots:
            if vol["id"] not in detached:
                continue
            if vol.get("state") == "Allocated" and not vol.get("path"):
                self._sync(m, "deleteVolume", id=vol["id"])
            else:
                m.notes.append(f"volume {vol['name']} ({vol['id']}) was on the target VM; detached and kept")

    def _step_swap(self, moves):
        first = "original" if self.op == "failover" else "recovery"
        todo = []
        for m in moves:
            # Ids already swapped: done, unless a run stopped before clearing the swap's journal.
            if m.target["id"] == m.journal["user_id"] and not self.snap.details(m.original["id"]).get(swap.JOURNAL_KEY):
                continue
            todo.append(m)
        errors = swap.run_many(self.api, self.snap, [({"original": m.original, "recovery": m.recovery}, first)
                                                     for m in todo])
        for m, error in zip(todo, errors):
            if isinstance(error, CloudStackError):
                m.error = f"UUID swap: {error.errortext}"
            elif error is not None:
                m.error = f"UUID swap: {error}"

    def _step_start(self, moves):
        for m in moves:
            if m.target.get("displayvm") is not True:
                self._sync(m, "updateVirtualMachine", id=m.target["id"], displayvm=True)
        requests = [(m.target["id"], "startVirtualMachine", {"id": m.target["id"]}) for m in moves
                    if m.error is None and m.target.get("state") != "Running"]
        self._jobs(requests, {m.target["id"]: m for m in moves}, "starting the target VM")

    def _step_finish(self, moves):
        self._set_state(moves, STATES[self.op][1], lambda m: m.target, lambda m: m.source)
        # The journal goes only once the final state is written: a VM left "moving" without its journal
        # would be started afresh by the next run, with its volumes already moved.
        done = [m for m in moves if m.error is None]
        requests = [(m.original["id"], "removeResourceDetail", {
            "resourcetype": "UserVm", "resourceid": m.original["id"], "key": JOURNAL_KEY}) for m in done]
        self._jobs(requests, {m.original["id"]: m for m in done}, "clearing the journal")
        for m in done:
            kept = ", ".join(f"{r['name']} ({r['id']})" for r in m.journal["volumes"])
            m.notes.append(f"source volumes detached and kept for later clean-up: {kept}")


def _device(vol):
    return (0 if vol.get("type") == "ROOT" else 1, int(vol.get("deviceid") or 0))


def _volume_record(vol):
    keep = ("id", "name", "path", "storageid", "storage", "type", "deviceid", "diskofferingid", "size")
    return {k: vol.get(k) for k in keep}


def _import_params(m, rec, pool):
    params = {"path": rec["path"], "storageid": pool, "name": rec["name"],
              "account": m.original.get("account"), "domainid": m.original.get("domainid")}
    if rec.get("diskofferingid") and rec["type"] != "ROOT":
        params["diskofferingid"] = rec["diskofferingid"]
    return params
