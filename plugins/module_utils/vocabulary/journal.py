# Copyright: cloudstack.dr contributors
# Apache License 2.0 (see LICENSE)
"""The journals of a move and of a UUID swap: what a re-run needs and cannot read back from the cloud.

A move's journal is written on the original VM before its first change: a header (`dr.move`:
direction and the owner's VM id) and, once recorded, one detail per source volume
(`dr.move.<n>`: the volume as it was before it was detached, and the id of its imported replica).
One detail per volume keeps every value far below CloudStack's limit on a detail's length,
whatever the number of volumes. A finished journal's header is overwritten with keys.CLEARED in
the same write as the final state; its volume records are left and ignored.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import Any

from .keys import CLEARED, MOVE, MOVE_VOLUME, SWAP
from .states import direction

# The journals live on VMs: user_vm_details keeps a value of up to 5,120 characters.
MAX_VALUE_LENGTH = 5120


def dump(value: Any) -> str:
    """The compact, stable JSON of a detail value; ValueError when it would not fit in a detail."""
    text = json.dumps(value, sort_keys=True, separators=(",", ":"))
    if len(text) > MAX_VALUE_LENGTH:
        raise ValueError(f"a DR detail value of {len(text)} characters is over CloudStack's {MAX_VALUE_LENGTH}")
    return text


def load(text: str | None, default: Any = None) -> Any:
    """A JSON detail value; `default` for an absent, cleared or hand-mangled one."""
    if text in (None, "", CLEARED):
        return default
    try:
        return json.loads(text)
    except ValueError:
        return default


@dataclass
class VolumeRecord:
    """A source volume as it was before the move detached it, and the replica imported for it."""

    id: str
    name: str
    path: str
    storageid: str
    storage: str | None
    type: str
    deviceid: int
    diskofferingid: str | None
    size: int | None
    imported: str | None = None

    @classmethod
    def of_volume(cls, vol: dict) -> VolumeRecord:
        return cls(vol["id"], vol.get("name") or vol["id"], vol["path"], vol["storageid"], vol.get("storage"),
                   vol.get("type") or "DATADISK", int(vol.get("deviceid") or 0), vol.get("diskofferingid"),
                   vol.get("size"))


@dataclass
class Journal:
    """A move in flight: its direction, the id the owner knows the VM by, and the source volumes."""

    op: str
    user_id: str
    volumes: list[VolumeRecord] | None = None  # None until recorded, before any volume is detached
    changed: set[int] = field(default_factory=set, compare=False, repr=False)  # records to write (indexes)

    def __post_init__(self) -> None:
        direction(self.op)

    @property
    def recorded(self) -> list[VolumeRecord]:
        """The volume records, which every step after a move's `record` has (it fails a VM it cannot record)."""
        assert self.volumes is not None, f"the {self.op} journal of {self.user_id} has no volume records yet"
        return self.volumes

    def header(self) -> dict[str, str]:
        count = None if self.volumes is None else len(self.volumes)
        return {MOVE.key(): dump({"op": self.op, "user_id": self.user_id, "volumes": count})}

    def details(self, everything: bool = False) -> dict[str, str]:
        """The details to write: the header, and each volume record that changed (or all)."""
        out = self.header()
        for i, record in enumerate(self.volumes or []):
            if everything or i in self.changed:
                out[MOVE_VOLUME.key(str(i + 1))] = dump(asdict(record))
        return out

    def record(self, volumes: list[dict]) -> None:
        self.volumes = [VolumeRecord.of_volume(v) for v in volumes]
        self.changed = set(range(len(self.volumes)))

    def imported(self, index: int, volume_id: str) -> None:
        self.recorded[index].imported = volume_id
        self.changed.add(index)

    @classmethod
    def of_details(cls, details: dict[str, str]) -> Journal | None:
        """The journal in a VM's hidden details, or None when there is none (or it was cleared)."""
        head = load(details.get(MOVE.key()))
        if not isinstance(head, dict) or head.get("op") is None:
            return None
        journal = cls(head["op"], head["user_id"])
        if head.get("volumes") is not None:
            rows = [load(details.get(MOVE_VOLUME.key(str(i + 1)))) for i in range(head["volumes"])]
            if any(not isinstance(row, dict) for row in rows):
                return journal  # records lost: recorded again (the volumes are re-read from the cloud)
            journal.volumes = [VolumeRecord(**row) for row in rows]
        return journal


def cleared() -> dict[str, str]:
    """The details that end a move's journal (written with the final state)."""
    return {MOVE.key(): CLEARED}


@dataclass(frozen=True)
class SwapJournal:
    """A UUID swap in flight: first VM's id `a`, second's `b`, the temporary id `t`, the role that went first."""

    a: str
    b: str
    t: str
    first: str

    def details(self) -> dict[str, str]:
        return {SWAP.key(): dump(asdict(self))}

    @classmethod
    def of_details(cls, details: dict[str, str]) -> SwapJournal | None:
        value = load(details.get(SWAP.key()))
        return cls(**value) if isinstance(value, dict) else None


def swap_cleared() -> dict[str, str]:
    return {SWAP.key(): CLEARED}
