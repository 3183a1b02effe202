# Copyright: cloudstack.dr contributors
# Apache License 2.0 (see LICENSE)
"""The ids DR gives the recovery objects it creates, derived from the ids of what they mirror.

A root admin may choose an object's UUID (`customid` of deployVirtualMachine, updateIpAddress,
updateVPC). DR gives each recovery VM, recovery public IP and recovery VPC the id
`paired_id(kind, id of what it mirrors)`, so a whole cloud's pairs are found in the plain
listings of VMs, IPs and VPCs, without reading a detail per object. The UUID swap of a move
exchanges the ids of a VM pair, so the pair of a VM is always {owner's id, paired_id(owner's id)}.
"""

from __future__ import annotations

import uuid

# Fixed forever: changing it would orphan every recovery object already made.
NAMESPACE = uuid.UUID("5f6d1c2e-8a51-4b0e-9c63-2f1d7e4b9a10")
KINDS = ("vm", "ip", "vpc")


def paired_id(kind: str, source_id: str) -> str:
    """The id of the recovery object of `kind` that mirrors the object `source_id`."""
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}, not {kind!r}")
    return str(uuid.uuid5(NAMESPACE, f"{kind}:{source_id}"))


def owners_by_paired_id(kind: str, ids) -> dict[str, str]:
    """{paired_id(kind, i): i for each i}: finds, from a recovery object's id, the id it was derived from."""
    return {paired_id(kind, i): i for i in ids}
