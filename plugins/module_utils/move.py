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
materialised, so it has no file).
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field

from . import batch, swap
from .api import CloudStackError

JOURNAL_KEY = "dr.move"
STATES = {
    "failover": ("FailingOver", "FailedOver"),
    "failback": ("FailingBack", "Prepared"),
}
STEPS = ("begin", "stop", "detach", "hide", "import", "attach", "swap", "start", "finish")
RUNNING = {"Running", "Starting"}


class MoveError(Exception):
    """Why one VM's move cannot go on; recorded for that VM, the batch goes on."""


@dataclass
class Move:
    original: dict  # the VM with dr.role=original (home zone)
    recovery: dict  # its recovery VM
    op: str
    journal: dict = field(default_factory=dict)
    error: str | None = None
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

    def __init__(self, api, snapshot, op, pool_map, mode="unplanned", clock=time):
        if op not in STATES:
            raise ValueError(f"op must be failover or failback, not {op}")
        self.api = api
        self.snap = snapshot
        self.op = op
        self.pool_map = pool_map  # source pool id -> introduced pool id on the target side
        self.mode = mode
        self.clock = clock

    # -- the batch -------------------------------------------------------------------------------
    def run(self, moves, progress=lambda step, moves: None):
        for step in STEPS:
            live = [m for m in moves if m.error is None]
            if not live:
                break
            started = self.clock.time()
            getattr(self, f"_step_{step}")(live)
            ended = self.clock.time()
            for m in live:
                m.timings[step] = [started, ended]
            progress(step, live)
        return [self._result(m) for m in moves]

    def _result(self, m):
        timings = {s: round(e - b, 3) for s, (b, e) in m.timings.items()}
        first = min((b for b, _ in m.timings.values()), default=None)
        last = max((e for _, e in m.timings.values()), default=None)
        return {
            "name": m.name, "id": m.target["id"], "op": self.op, "failed": m.error is not None,
            "error": m.error, "state": STATES[self.op][1] if m.error is None else STATES[self.op][0],
            "step_seconds": timings, "started": first, "ended": last,
            "seconds": round(last - first, 3) if first is not None else 0.0, "notes": m.notes,
        }

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
            move.error = f"{command}: {exc}"
            return None

    def _save_journal(self, moves):
        requests = [(m.original["id"], "addResourceDetail", {
            "resourcetype": "UserVm", "resourceid": m.original["id"], "fordisplay": False,
            "details": {JOURNAL_KEY: json.dumps(m.journal, sort_keys=True)}}) for m in moves]
        self._jobs(requests, {m.original["id"]: m for m in moves}, "journal")

    # -- steps -------------------------------------------------------------------------------------
    def _step_begin(self, moves):
        fresh = []
        for m in moves:
            stored = json.loads(self.snap.details(m.original["id"]).get(JOURNAL_KEY) or "{}")
            if stored.get("op") == self.op:
                m.journal = stored
            else:
                m.journal = {"op": self.op, "user_id": m.source["id"], "volumes": None}
                fresh.append(m)
        self._save_journal(fresh)
        state = STATES[self.op][0]
        self._set_state(moves, state, visible_on=lambda m: m.source)

    def _set_state(self, moves, state, visible_on):
        requests = [(m.original["id"], "addResourceDetail", {
            "resourcetype": "UserVm", "resourceid": visible_on(m)["id"], "fordisplay": True,
            "details": {"dr.state": state}}) for m in moves]
        self._jobs(requests, {m.original["id"]: m for m in moves}, "DR state")

    def _step_stop(self, moves):
        requests, by_tag = [], {}
        for m in moves:
            vm = self.snap.vms.get(m.source["id"], m.source)
            if vm.get("state") in ("Stopped", "Destroyed", "Expunging"):
                continue
            forced = self.mode == "unplanned"
            requests.append((m.source["id"], "stopVirtualMachine", {"id": m.source["id"], "forced": forced}))
            by_tag[m.source["id"]] = m
        what = "the source VM could not be stopped cleanly (use mode unplanned to force it)" \
            if self.mode == "planned" else "stopping the source VM"
        self._jobs(requests, by_tag, what)

    def _step_detach(self, moves):
        requests, by_tag = [], {}
        for m in moves:
            attached = self.api.list("listVolumes", virtualmachineid=m.source["id"], listall=True)
            if m.journal.get("volumes") is None:
                m.journal["volumes"] = [_volume_record(v) for v in sorted(attached, key=_device)]
                self._save_journal([m])
            for vol in attached:
                requests.append((vol["id"], "detachVolume", {"id": vol["id"]}))
                by_tag[vol["id"]] = m
        self._jobs(requests, by_tag, "detaching the source VM's volumes")
        for m in moves:
            if m.error is None and not m.journal.get("volumes"):
                m.error = "the source VM has no volumes to move"

    def _step_hide(self, moves):
        for m in moves:
            if self.snap.vms.get(m.source["id"], m.source).get("displayvm", True):
                self._sync(m, "updateVirtualMachine", id=m.source["id"], displayvm=False)

    def _step_import(self, moves):
        managed = {}
        for pool_id in {self.pool_map.get(v["storageid"]) for m in moves for v in m.journal["volumes"]} - {None}:
            for vol in self.api.list("listVolumes", storageid=pool_id, listall=True):
                managed[(pool_id, vol.get("path"))] = vol
        requests, by_tag = [], {}
        for m in moves:
            m.journal.setdefault("imported", {})
            for rec in m.journal["volumes"]:
                pool = self.pool_map.get(rec["storageid"])
                if pool is None:
                    m.error = (f"pool {rec.get('storage')} of volume {rec['name']} has no introduced replica on the "
                               "other side: run storage_introduce first")
                    break
                have = managed.get((pool, rec["path"]))
                if have is not None:
                    m.journal["imported"][rec["path"]] = have["id"]
                    continue
                params = {"path": rec["path"], "storageid": pool, "name": rec["name"],
                          "account": m.original.get("account"), "domainid": m.original.get("domainid")}
                if rec.get("diskofferingid") and rec["type"] != "ROOT":
                    params["diskofferingid"] = rec["diskofferingid"]
                tag = f"{m.original['id']}|{rec['path']}"
                requests.append((tag, "importVolume", params))
                by_tag[tag] = m
        for tag, result in self._jobs(requests, by_tag, "importing a replicated volume").items():
            by_tag[tag].journal["imported"][tag.split("|", 1)[1]] = result["volume"]["id"]
        self._save_journal([m for m in moves if m.error is None])

    def _step_attach(self, moves):
        for m in moves:
            current = self.api.list("listVolumes", virtualmachineid=m.target["id"], listall=True)
            wanted = {m.journal["imported"][r["path"]] for r in m.journal["volumes"]}
            for vol in current:
                if vol["id"] not in wanted:
                    self._clear_slot(m, vol)
        self._attach_in_order(moves)

    def _clear_slot(self, m, vol):
        """Remove what stands on the target in place of the moved volumes; delete only a placeholder."""
        self._jobs([(vol["id"], "detachVolume", {"id": vol["id"]})], {vol["id"]: m}, "detaching the placeholder")
        if vol.get("state") == "Allocated" and not vol.get("path"):
            self._sync(m, "deleteVolume", id=vol["id"])
        else:
            m.notes.append(f"volume {vol['name']} ({vol['id']}) was on the target VM; detached and kept")

    def _attach_in_order(self, moves):
        # Device order matters (root first at 0), so each VM's attachments go one by one while
        # the batch's VMs go together: one round per device position.
        rounds = max((len(m.journal["volumes"]) for m in moves), default=0)
        for i in range(rounds):
            requests, by_tag = [], {}
            for m in moves:
                if m.error is not None or i >= len(m.journal["volumes"]):
                    continue
                rec = m.journal["volumes"][i]
                vol_id = m.journal["imported"][rec["path"]]
                vol = (self.api.list("listVolumes", id=vol_id, listall=True) or [{}])[0]
                if vol.get("virtualmachineid") == m.target["id"]:
                    continue
                device = 0 if rec["type"] == "ROOT" else rec["deviceid"]
                requests.append((vol_id, "attachVolume", {"id": vol_id, "virtualmachineid": m.target["id"],
                                                          "deviceid": device}))
                by_tag[vol_id] = m
            self._jobs(requests, by_tag, "attaching a replicated volume")

    def _step_swap(self, moves):
        for m in moves:
            user_id = m.journal["user_id"]
            if m.target["id"] == user_id:
                continue
            try:
                self._swap(m)
            except (CloudStackError, ValueError) as exc:
                m.error = f"UUID swap: {exc}"

    def _swap(self, m):
        source, target = m.source, m.target
        stored = swap.decode(self.snap.details(m.original["id"]).get(swap.JOURNAL_KEY))
        journal = stored or swap.new_journal(source["id"], target["id"])
        if stored is None:
            batch.run(self.api, [("swap", "addResourceDetail", {
                "resourcetype": "UserVm", "resourceid": m.original["id"], "fordisplay": False,
                "details": {swap.JOURNAL_KEY: swap.encode(journal)}})])
        for current, new in swap.remaining_calls(journal, swap.step_reached(journal, source["id"], target["id"])):
            self.api.call("updateVirtualMachine", id=current, customid=new)
            for vm in (source, target):
                if vm["id"] == current:
                    vm["id"] = new
        batch.run(self.api, [("unswap", "removeResourceDetail", {
            "resourcetype": "UserVm", "resourceid": m.original["id"], "key": swap.JOURNAL_KEY})])

    def _step_start(self, moves):
        for m in moves:
            self._sync(m, "updateVirtualMachine", id=m.target["id"], displayvm=True)
        requests = [(m.target["id"], "startVirtualMachine", {"id": m.target["id"]}) for m in moves
                    if m.error is None]
        self._jobs(requests, {m.target["id"]: m for m in moves}, "starting the target VM")

    def _step_finish(self, moves):
        state = STATES[self.op][1]
        self._set_state(moves, state, visible_on=lambda m: m.target)
        self._set_state(moves, state, visible_on=lambda m: m.source)
        requests = [(m.original["id"], "removeResourceDetail", {
            "resourcetype": "UserVm", "resourceid": m.original["id"], "key": JOURNAL_KEY}) for m in moves]
        self._jobs(requests, {m.original["id"]: m for m in moves}, "clearing the journal")
        for m in moves:
            kept = [r["name"] for r in m.journal["volumes"]]
            m.notes.append(f"source volumes detached and kept for later clean-up: {', '.join(kept)}")


def _device(vol):
    return (0 if vol.get("type") == "ROOT" else 1, int(vol.get("deviceid") or 0))


def _volume_record(vol):
    keep = ("id", "name", "path", "storageid", "storage", "type", "deviceid", "diskofferingid", "size")
    return {k: vol.get(k) for k in keep}
