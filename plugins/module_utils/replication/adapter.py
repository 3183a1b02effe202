# Copyright: cloudstack.dr contributors
# Apache License 2.0 (see LICENSE)
"""The storage replication adapter: the one boundary between DR and the storage that replicates.

Modelled on VMware SRM's Storage Replication Adapters: each storage technology implements the
same few operations on its *devices* (an NFS export, a Ceph pool, a ZFS dataset, a SnapMirror
volume: whatever a primary pool is on), and DR only ever asks through them:

- `discover()`: every device the adapter knows, with its replication status;
- `status(device)`: direction, state, writability and the last consistent point in time;
- `sync(device, timeout)`: one transfer now, waited on, bounded by `timeout` seconds;
- `promote(device, force)`: make a replica writable (forced when its source is unreachable);
- `demote(device)`: make a device read-only;
- `reverse(device, target)`: replicate from a promoted device to `target`;
- `snapshot_clone(device, name, url)` / `delete_clone(name)`: a writable point-in-time copy of a
  replica for a drill, replication untouched.

Every operation answers the device's `Status` afterwards (a clone's for `snapshot_clone`); a
refusal or a failure raises `AdapterError` with the storage's own words. Adapters are found by
name in `ADAPTERS` (simulator.py, command.py); docs/adapters.md is the guide for writing one.
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

ROLES = ("source", "target", "none")
STATES = ("mirrored", "paused", "broken")


class AdapterError(Exception):
    """A replication operation refused or failed; `op` and `device` say which."""

    def __init__(self, adapter: str, op: str, device: str | None, problem: str) -> None:
        self.adapter, self.op, self.device, self.problem = adapter, op, device, problem
        where = f" of {device}" if device else ""
        super().__init__(f"replication adapter {adapter}: {op}{where} failed: {problem}")


@dataclass(frozen=True)
class Status:
    """What a device's storage says of its replication at the time of asking."""

    device: str
    role: str  # source (replicates to peer), target (a replica of peer), none
    peer: str | None
    state: str | None  # mirrored, paused, broken; None without a relationship
    writable: bool
    consistent_at: float | None  # epoch seconds the replica's content is consistent to
    reachable: bool
    peer_reachable: bool
    asked_at: float  # epoch seconds of the answer, for the lag

    @property
    def lag_seconds(self) -> float | None:
        """How far behind the replica is now (None before its first transfer)."""
        return None if self.consistent_at is None else max(0.0, self.asked_at - self.consistent_at)

    def as_dict(self) -> dict:
        return {**asdict(self), "lag_seconds": self.lag_seconds}


def epoch(value: Any) -> float | None:
    """A point in time as epoch seconds: a number, or an ISO 8601 text (UTC when it has no offset)."""
    if value is None or value == "":
        return None
    if isinstance(value, (int, float)):
        return float(value)
    moment = datetime.fromisoformat(str(value))
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).timestamp()


def parse_status(adapter: str, op: str, answer: Any) -> Status:
    """An adapter's status answer, checked field by field (an adapter is someone else's code)."""
    if not isinstance(answer, dict) or not answer.get("device"):
        raise AdapterError(adapter, op, None, f"answered {answer!r}, not a status with a device")
    role = answer.get("role") or "none"
    state = answer.get("state")
    if role not in ROLES or state not in (*STATES, None):
        raise AdapterError(adapter, op, answer["device"], f"answered role {role!r} and state {state!r}; the "
                           f"protocol knows roles {', '.join(ROLES)} and states {', '.join(STATES)}")
    try:
        consistent_at = epoch(answer.get("consistent_at"))
        asked_at = epoch(answer.get("asked_at")) or time.time()
    except ValueError as exc:
        raise AdapterError(adapter, op, answer["device"], f"answered a time that is not ISO 8601: {exc}") from exc
    return Status(device=str(answer["device"]), role=role, peer=answer.get("peer"), state=state,
                  writable=bool(answer.get("writable")), consistent_at=consistent_at,
                  reachable=bool(answer.get("reachable", True)),
                  peer_reachable=bool(answer.get("peer_reachable", True)), asked_at=asked_at)


class ReplicationAdapter(Protocol):
    """What DR asks of a storage's replication (see the module docstring)."""

    name: str

    def discover(self) -> list[Status]: ...

    def status(self, device: str) -> Status: ...

    def sync(self, device: str, timeout: float) -> Status: ...

    def promote(self, device: str, force: bool) -> Status: ...

    def demote(self, device: str) -> Status: ...

    def reverse(self, device: str, target: str) -> Status: ...

    def snapshot_clone(self, device: str, name: str, url: str) -> Status: ...

    def delete_clone(self, name: str) -> None: ...


class OpAdapter:
    """An adapter that sends each operation as one request (`op`, `device`, `args`) and reads a JSON answer:
    the shared shape of the simulator and command adapters. Subclasses implement `request`."""

    name = "op"

    def request(self, op: str, device: str | None, args: dict) -> Any:
        raise NotImplementedError

    def _status(self, op: str, device: str | None, **args: Any) -> Status:
        return parse_status(self.name, op, self.request(op, device, args))

    def discover(self) -> list[Status]:
        answer = self.request("discover", None, {})
        if not isinstance(answer, list):
            raise AdapterError(self.name, "discover", None, f"answered {answer!r}, not a list of statuses")
        return [parse_status(self.name, "discover", item) for item in answer]

    def status(self, device: str) -> Status:
        return self._status("status", device)

    def sync(self, device: str, timeout: float) -> Status:
        return self._status("sync", device, timeout=timeout)

    def promote(self, device: str, force: bool) -> Status:
        return self._status("promote", device, force=force)

    def demote(self, device: str) -> Status:
        return self._status("demote", device)

    def reverse(self, device: str, target: str) -> Status:
        return self._status("reverse", device, target=target)

    def snapshot_clone(self, device: str, name: str, url: str) -> Status:
        return self._status("snapshot_clone", device, name=name, url=url)

    def delete_clone(self, name: str) -> None:
        self.request("delete_clone", None, {"name": name})
