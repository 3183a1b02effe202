# Copyright: cloudstack.dr contributors
# Apache License 2.0 (see LICENSE)
"""The storage side of a move: make the replicas writable before their volumes are imported, and
replicate the other way afterwards, through each pool's replication adapter (replication/).

Per introduced pool (the pool the volumes are imported from), the device promoted is the replica on
failover and the failback target on failback; once promoted it replicates back (reverse on failover,
SRM's "reprotect" on failback) to the device it came from on the storage map.

- A planned move (and every failback): the VMs are already stopped; one `sync` (the source must be
  reachable), then the replica must be consistent to a moment after the stop (else nothing is
  imported), then a `promote` that makes the old side read-only. Because that covers the whole
  device, no VM may still run on it.
- An unplanned move (a disaster): a forced `promote`; the replica holds the data as of its last
  consistent point, which each VM's result reports (`data_as_of`, `rpo_seconds`).
A pool already promoted (a re-run) is only asked its status. Nothing here deletes anything.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

from ..client.api import Client
from ..model.listing import list_both
from ..replication import registry
from ..replication.adapter import AdapterError, ReplicationAdapter, Status
from ..vocabulary.keys import FAILBACK, REPLICA, REPLICATION

SYNC_TIMEOUT = 600.0  # seconds a final synchronisation may take before the move of its VMs stops


@dataclass
class Replicated:
    pool: str  # the introduced pool the volumes are imported from
    sources: list[str]  # the pools the volumes are on now: made read-only by a planned promotion
    adapter: ReplicationAdapter
    device: str  # the device promoted for this move
    back: str | None  # the device it replicates to once promoted
    before: Status | None = None
    after: Status | None = None
    promoted: str | None = None  # "planned" or "forced" when this run promoted it
    reversed: bool = False
    error: str | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def data_as_of(self) -> float | None:
        return self.after.consistent_at if self.after else None


def devices(api: Client, direction: str, maps: dict[str, dict[str, str]]) -> dict[str, tuple[ReplicationAdapter, str]]:
    """{pool the volumes are on: (its adapter, the device promoted for `direction`)}, for the pools whose storage
    map names an adapter (the others' storage is the operator's to promote)."""
    ahead = REPLICA if direction == "failover" else FAILBACK
    built = registry.Built(api)
    out = {}
    for on, found in sorted(maps.items()):
        name, device = found.get(REPLICATION["adapter"].key()), found.get(ahead["device"].key())
        if name and device:
            out[on] = (built.adapter(name, found.get(REPLICATION["options"].key())), device)
    return out


def back_of(direction: str, found: dict[str, str]) -> str | None:
    """The device a promoted one replicates back to: the failback target after a failover, the replica after
    a failback (from the pool's storage map)."""
    return found.get((FAILBACK if direction == "failover" else REPLICA)["device"].key())


def behind(api: Client, direction: str, maps: dict[str, dict[str, str]]) -> dict[str, Status | str]:
    """{pool the volumes are on: the status of its replica (how far behind it is), or why it cannot be read}."""
    out: dict[str, Status | str] = {}
    asked: dict[tuple[int, str], Status | str] = {}
    for on, (adapter, device) in devices(api, direction, maps).items():
        if (id(adapter), device) not in asked:
            try:
                asked[(id(adapter), device)] = adapter.status(device)
            except AdapterError as exc:
                asked[(id(adapter), device)] = str(exc)
        out[on] = asked[(id(adapter), device)]
    return out


def promoted(status: Status, failback: bool, back: str | None) -> bool:
    """Promoted for this move by an earlier run: writable, and either still the broken mirror's target or
    already replicating back to the map's other side (whose copy is then a read-only replica). A writable
    device that replicates nowhere, or whose mirror to the other side is broken, is not: its data may be
    older than the other side's."""
    if not status.writable:
        return False
    if status.role == "target":
        return status.state == "broken" and (not failback or status.peer == back)
    return status.role == "source" and status.peer == back and status.state == "mirrored"


def unready(status: Status, failback: bool, back: str | None, planned: bool) -> str | None:
    """Why `status`'s device cannot be made writable for the move, or None (validation asks before any change,
    the promote step again). A failback device that does not replicate from `back` yet is set up first."""
    if promoted(status, failback, back) or failback and not (status.role == "target" and status.peer == back):
        return None
    if status.role != "target" or status.writable:
        return (f"device {status.device} is not a replica ({status.role}, "
                f"{'writable' if status.writable else 'read-only'}, {status.state}): the storage lost its "
                "replication; check its data, promote it by hand, then run again")
    if planned and not status.peer_reachable:
        return (f"device {status.peer}, which {status.device} replicates from, is unreachable: a planned move "
                "cannot synchronise it; run it with mode unplanned (the data is then as of the replica's last "
                "consistent point)")
    if planned and status.state != "mirrored":
        return (f"the mirror from {status.peer} to {status.device} is {status.state}: a planned move cannot "
                "synchronise it; resume it on the storage, then run again")
    return None


def iso(epoch: float | None) -> str | None:
    return None if epoch is None else datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class Replication:
    """The replicated pools of one move run, by introduced pool id."""

    def __init__(self, api: Client, pools: dict[str, Replicated], planned: bool, failback: bool = False,
                 sync_timeout: float = SYNC_TIMEOUT) -> None:
        self.api = api
        self.pools = pools
        self.planned = planned
        self.failback = failback  # the device promoted must be the replica of the map's other side (`back`)
        self.sync_timeout = sync_timeout

    @classmethod
    def of(cls, api: Client, direction: str, mode: str, maps: dict[str, dict[str, str]],
           pool_map: dict[str, str], sync_timeout: float = SYNC_TIMEOUT) -> Replication:
        """From the storage maps ({pool the volumes are on: its map}) and the introduced pools (pool_map)."""
        pools: dict[str, Replicated] = {}
        for on, (adapter, device) in devices(api, direction, maps).items():
            introduced = pool_map.get(on)
            if introduced is None:
                continue
            entry = pools.setdefault(introduced, Replicated(introduced, [], adapter, device,
                                                            back_of(direction, maps[on])))
            entry.sources.append(on)
        return cls(api, pools, planned=mode == "planned", failback=direction == "failback",
                   sync_timeout=sync_timeout)

    def promote(self, pools: set[str], stopped_at: float) -> dict[str, str]:
        """Make each of `pools` writable (those without an adapter are left as they are); {pool: error}."""
        errors: dict[str, str] = {}
        for pool_id in sorted(pools & set(self.pools)):
            entry = self.pools[pool_id]
            if entry.error is None and (entry.after is None or not entry.after.writable):
                self._promote(entry, stopped_at)
            if entry.error:
                errors[pool_id] = entry.error
        return errors

    def _promote(self, entry: Replicated, stopped_at: float) -> None:
        try:
            status = entry.before = entry.adapter.status(entry.device)
            if promoted(status, self.failback, entry.back):
                entry.after = status
                return
            if self.failback and not (status.role == "target" and status.peer == entry.back):
                # The failover could not reverse (the home zone was down): the recovery zone's writes replicate
                # home now, then the final sync brings the rest.
                entry.adapter.reverse(str(entry.back), entry.device)
                status = entry.adapter.status(entry.device)
                entry.notes.append(f"replication {entry.back} -> {entry.device} set up before the failback")
            entry.error = unready(status, False, None, self.planned)
            if entry.error:
                return
            if self.planned:
                entry.error = self._final_sync(entry, stopped_at)
                if entry.error:
                    return
            entry.after = entry.adapter.promote(entry.device, force=not self.planned)
            entry.promoted = "planned" if self.planned else "forced"
        except AdapterError as exc:
            entry.error = str(exc)

    def _final_sync(self, entry: Replicated, stopped_at: float) -> str | None:
        """A planned promotion's conditions (the source's reachability checked by `unready`): no VM running on
        it, the replica synced to after the stop. Why not, or None."""
        running = self._running_on(entry)
        if running:
            return (f"VMs still run on the storage that promoting {entry.device} makes read-only: {running}; move "
                    "them in the same run (the storage fails over whole devices) or stop them, then run again")
        synced = entry.adapter.sync(entry.device, self.sync_timeout)
        if synced.consistent_at is None or synced.consistent_at < stopped_at:
            return (f"after the final sync, device {entry.device} is consistent to "
                    f"{iso(synced.consistent_at) or 'nothing'}, before the VMs stopped at {iso(stopped_at)}: its "
                    "data would be older than the stop; nothing was imported, run again once the storage replicates")
        return None

    def _running_on(self, entry: Replicated) -> str:
        """The VMs still running on the pools the move's volumes were on ('' when none)."""
        running = sorted({str(v.get("vmname") or v.get("virtualmachineid")) for on in entry.sources
                          for v in list_both(self.api, "listVolumes", storageid=on) if v.get("vmstate") == "Running"})
        return ", ".join(running[:5]) + (" ..." if len(running) > 5 else "")

    def reverse(self) -> None:
        """Each promoted device replicates back to its map's other side (skipped when it is unreachable,
        and retried by the next run)."""
        for entry in self.pools.values():
            if entry.error or not entry.back:
                continue
            try:
                status = entry.after or entry.adapter.status(entry.device)  # a run that promoted nothing
            except AdapterError as exc:
                entry.notes.append(f"replication back to {entry.back} not set up: {exc}")
                continue
            if not promoted(status, self.failback, entry.back) or status.role == "source":
                continue
            entry.after = status
            running = self._running_on(entry)
            if running:
                entry.notes.append(f"replication back to {entry.back} waits until these VMs stop: {running}")
                continue
            try:
                back = entry.adapter.status(entry.back)
                if not back.reachable:
                    entry.notes.append(f"replication back to {entry.back} waits until it is reachable: run again")
                    continue
                entry.after = entry.adapter.reverse(entry.device, entry.back)
                entry.reversed = True
            except AdapterError as exc:
                entry.notes.append(f"replication back to {entry.back} not set up: {exc}")

    def recovery_point(self, pools: set[str]) -> tuple[float | None, float | None]:
        """(the oldest consistent point among `pools`, the most any of them was behind when made writable: the
        data a VM on them may have lost, at most); (None, None) when none is replicated through an adapter."""
        promoted = [e.after for p, e in self.pools.items() if p in pools and e.after and e.after.consistent_at]
        if not promoted:
            return None, None
        return (min(s.consistent_at for s in promoted if s.consistent_at is not None),
                max(s.lag_seconds or 0.0 for s in promoted))

    def asked(self) -> list[Replicated]:
        """The devices this run dealt with (those of the pools no moved VM uses are left out)."""
        return sorted((e for e in self.pools.values() if e.before or e.after or e.error or e.notes),
                      key=lambda e: e.device)

    def text(self) -> list[str]:
        """A line per device: what the storage did, and what waits."""
        lines = []
        for e in self.asked():
            did = f"promoted ({e.promoted})" if e.promoted else "already writable" if e.after else "not promoted"
            back = f", replicates back to {e.back}" if e.after and e.after.role == "source" else ""
            lines.append(f"storage {e.device}: {did}, data as of {iso(e.data_as_of) or 'unknown'}{back}"
                         + "".join(f"; {n}" for n in e.notes) + (f"; ERROR: {e.error}" if e.error else ""))
        return lines

    def report(self) -> list[dict]:
        return [{"pool": e.pool, "device": e.device, "back": e.back, "adapter": e.adapter.name,
                 "promoted": e.promoted, "reversed": e.reversed, "error": e.error, "notes": e.notes,
                 "data_as_of": iso(e.data_as_of),
                 "before": e.before.as_dict() if e.before else None, "after": e.after.as_dict() if e.after else None}
                for e in self.asked()]
