# Copyright: cloudstack.dr contributors
# Apache License 2.0 (see LICENSE)
"""The DR status a VM's owner sees: visible details on the VM that carries the owner's id.

They are a copy, never read back by DR: the owner may overwrite or erase them (updateVirtualMachine
`details` replaces a VM's visible details, unless the operator lists the `dr.*` keys in
`user.vm.readonly.details`). Every run compares the copy with what it should be and writes only the
keys that differ, so a settings change that erased them is repaired by the next run.
"""

from __future__ import annotations

from ..vocabulary import details
from ..vocabulary.journal import dump
from ..vocabulary.keys import ALERT, NONE, RECOVERY_PUBLIC_IPS, RPO, RTO, STATE, TIER, VM_RECOVERY_ZONE
from .snapshot import Snapshot


def copy(snap: Snapshot, original: dict, state: str, alert: str = "") -> dict:
    """The visible details an original's owner should see, by key (NONE for an empty field)."""
    zone = snap.zones.get(snap.recovery_zone_of(original["zoneid"]) or "", {})
    tier = snap.tier(original)
    return {
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
