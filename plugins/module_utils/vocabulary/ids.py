# Copyright: cloudstack.dr contributors
# Apache License 2.0 (see LICENSE)
"""The id DR gives a recovery VM, derived from the id of the VM it protects.

A root admin may choose a VM's UUID (deployVirtualMachine `customid`). DR deploys each recovery VM
with `paired_id("vm", owner's VM id)`, so a whole cloud's pairs are found in the listing of VMs,
without reading a detail per VM. The UUID swap of a move exchanges the ids of a pair, so a pair is
{owner's id, paired_id(owner's id)} whichever VM serves. CloudStack never frees the id of a removed
VM, so a recovery VM deployed again gets a random id, recorded in the original's hidden `dr.pair`.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable

# Fixed forever: changing it would orphan every recovery object already made.
NAMESPACE = uuid.UUID("5f6d1c2e-8a51-4b0e-9c63-2f1d7e4b9a10")
KINDS = ("vm",)


def paired_id(kind: str, source_id: str) -> str:
    """The id of the recovery object of `kind` that mirrors the object `source_id`."""
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}, not {kind!r}")
    return str(uuid.uuid5(NAMESPACE, f"{kind}:{source_id}"))


def owners_by_paired_id(kind: str, ids: Iterable[str]) -> dict[str, str]:
    """{paired_id(kind, i): i for each i}: finds, from a recovery object's id, the id it was derived from."""
    return {paired_id(kind, i): i for i in ids}
