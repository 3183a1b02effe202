# Copyright: cloudstack.dr contributors
# Apache License 2.0 (see LICENSE)
"""The DR status a VM's owner sees: visible details on the VM that carries the owner's id.

They are a copy, never read back by DR: the owner may overwrite or erase them (updateVirtualMachine
`details` replaces a VM's visible details, unless the operator lists the `dr.*` keys in
`user.vm.readonly.details`). Every run compares the copy with what it should be and writes only the
keys that differ, so a settings change that erased them is repaired by the next run.
"""

from __future__ import annotations

from datetime import UTC, datetime

from ..vocabulary import details
from ..vocabulary.journal import dump
from ..vocabulary.keys import (
    ALERT,
    NONE,
    RECOVERY_PUBLIC_IPS,
    RPO,
    RTO,
    RUNS_IN,
    RUNS_SINCE,
    STATE,
    TIER,
    VM_RECOVERY_ZONE,
)
from .snapshot import Snapshot


def copy(snap: Snapshot, original: dict, state: str, alert: str = "", where: tuple[str, str] | None = None) -> dict:
    """The visible details an original's owner should see, by key (NONE for an empty field). `where`: where the VM
    runs now and since when; without it those keys are left as they are."""
    zone = snap.zones.get(snap.recovery_zone_of(original["zoneid"]) or "", {})
    tier = snap.tier(original)
    runs = dict(zip((RUNS_IN.key(), RUNS_SINCE.key()), where, strict=True)) if where else {}
    return {**runs,
        STATE.key(): state,
        TIER.key(): NONE if tier is None else str(tier),
        RTO.key(): snap.rto(original) or NONE,
        RPO.key(): snap.rpo(original) or NONE,
        VM_RECOVERY_ZONE.key(): zone.get("name") or NONE,
        RECOVERY_PUBLIC_IPS.key(): dump(snap.known_public_ips(original)),
        ALERT.key(): alert or NONE,
    }


def request(snap: Snapshot, original: dict, wanted: dict, on: dict | None = None) -> tuple | None:
    """The write that brings the copy on `on` (default: the VM its owner sees) to `wanted`; None when it is.

    The VM as the snapshot holds it takes the new values at once, so a later step of the same run compares
    with what it wrote (a failed write fails the VM's run, and the next run reads the cloud again)."""
    vm = on or snap.serving(original)
    current = snap.visible(vm)
    stale = {key: value for key, value in wanted.items() if current.get(key) != value}
    if not stale:
        return None
    vm["details"] = {**(vm.get("details") or {}), **stale}
    return details.write(f"copy:{original['id']}", "UserVm", vm["id"], stale, visible=True)


def home(snap: Snapshot, vm: dict) -> tuple[str, str] | None:
    """Where a VM at home runs, for its owner's copy: its zone, since it was created; None when the copy already
    names that zone (a failback wrote when the VM came home, which is what "since" means then)."""
    zone = vm.get("zonename") or snap.zones.get(vm["zoneid"], {}).get("name") or vm["zoneid"]
    if snap.visible(vm).get(RUNS_IN.key()) == zone:
        return None
    return zone, _iso(vm.get("created"))


def _iso(created: str | None) -> str:
    """CloudStack's date ("2026-11-30T06:12:20+0000") in the form the moves write ("2026-11-30T06:12:20Z")."""
    if not created:
        return NONE
    try:
        return datetime.strptime(created, "%Y-%m-%dT%H:%M:%S%z").astimezone(UTC).strftime(
            "%Y-%m-%dT%H:%M:%SZ")
    except ValueError:
        return created


def moving(source: dict, target: dict) -> str:
    """Where a VM in a move runs: nowhere yet, on its way between the zones."""
    return f"moving from {source.get('zonename')} to {target.get('zonename')}"


def away(snap: Snapshot, original: dict) -> tuple[str, str] | None:
    """Where a failed-over VM runs, for its owner's copy when it was erased: the recovery VM's zone, since an
    unknown moment (the failover wrote it; nothing in CloudStack keeps it); None while the copy names it."""
    serving = snap.serving(original)
    if snap.visible(serving).get(RUNS_IN.key()):
        return None
    return str(serving.get("zonename")), NONE
