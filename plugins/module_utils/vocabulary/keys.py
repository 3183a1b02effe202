# Copyright: cloudstack.dr contributors
# Apache License 2.0 (see LICENSE)
"""Every `dr.*` resource detail the collection reads or writes, and who may see it.

docs/metadata.md explains each key; this is the catalogue in code, and no other module spells a
`dr.` key. A key is *visible* (`fordisplay=true`: the VM's owner sees it, and CloudStack lets the
owner overwrite it with updateVirtualMachine `details`) or *hidden* (`fordisplay=false`: only a root
admin reads it, nobody else may write it). DR decides only from hidden keys and from what
CloudStack itself answers; visible keys are the tenant's copy and are rebuilt when they differ.
"""

from __future__ import annotations

from dataclasses import dataclass

PREFIX = "dr."


@dataclass(frozen=True)
class KeySpec:
    """One documented key, or a family of keys `<name><suffix>` when `family` is true."""

    name: str
    visible: bool
    family: bool = False

    def key(self, suffix: str | None = None) -> str:
        if self.family != (suffix is not None):
            raise ValueError(f"{self.name}: a suffix is required exactly for key families")
        return self.name + (suffix or "")

    def owns(self, key: str) -> bool:
        return key.startswith(self.name) if self.family else key == self.name

    def suffix(self, key: str) -> str:
        return key[len(self.name):]


# -- zone link (zone details) -------------------------------------------------------------------
RECOVERY_ZONE = KeySpec("dr.recovery_zone", visible=True)
NETWORK_MAP = KeySpec("dr.network.", visible=False, family=True)
PROTECTS = KeySpec("dr.protects.", visible=False, family=True)

# -- a fenced zone (zone details, written by engine/fence.py) -------------------------------------
# The fence: who fenced it, when, and the zone's allocation state before (JSON); one key per host with
# what the fence changed on it (its allocation state and power before, JSON), so unfencing restores them.
FENCE = KeySpec("dr.fence", visible=False)
FENCE_HOST = KeySpec("dr.fence.host.", visible=False, family=True)

# -- DR offering (service offering details) -------------------------------------------------------
OFFERING_ENABLED = KeySpec("dr.enabled", visible=True)
OFFERING_TIER = KeySpec("dr.tier", visible=True)
OFFERING_RTO = KeySpec("dr.rto", visible=True)
OFFERING_RPO = KeySpec("dr.rpo", visible=True)
OFFERING_STORAGE_TAGS = KeySpec("dr.storage_tags", visible=False)
OFFERING_RECOVERY = KeySpec("dr.recovery_offering", visible=False)
ENABLED = "true"

# -- storage map (hidden pool details, resourcetype Storage) ---------------------------------------
# `device`: the replica's (or failback target's) name in the replication adapter (replication/).
STORAGE_MAP_FIELDS = ("zone", "url", "scope", "pod", "cluster", "tags", "device")
REPLICA = {f: KeySpec(f"dr.replica_{f}", visible=False) for f in STORAGE_MAP_FIELDS}
FAILBACK = {f: KeySpec(f"dr.failback_{f}", visible=False) for f in STORAGE_MAP_FIELDS}
# The pool's replication: its adapter (replication/registry.py), the adapter's options (JSON; never
# secrets) and the pool's own device in it.
REPLICATION = {f: KeySpec(f"dr.replication_{f}", visible=False) for f in ("adapter", "options", "device")}
# Written by storage introduction, never by storage_map: the pool introduced for each side.
REPLICA_POOL = KeySpec("dr.replica_pool", visible=False)
FAILBACK_POOL = KeySpec("dr.failback_pool", visible=False)

# -- protected VMs: the truth, hidden ---------------------------------------------------------------
# On the original VM: its DR state (vocabulary.states). Listed by value, so a whole cloud's DR VMs
# are found in one listing per state.
STATUS = KeySpec("dr.status", visible=False)
# On the recovery VM: ROLE_RECOVERY, so a recovery VM is never taken for an original of its offering.
ROLE = KeySpec("dr.role", visible=False)
ROLE_RECOVERY = "recovery"
# On the original: "<owner's id> <other id of the pair>". A recovery VM's id is normally derived from its
# owner's (vocabulary.ids), which needs no reading; this detail is read only when that id is not found
# (a recovery VM deployed again under another id, as CloudStack never frees a removed VM's id).
PAIR = KeySpec("dr.pair", visible=False)
# On the original VM while it moves: the journal's header and one record per volume
# (vocabulary.journal), and the journal of a UUID swap in flight.
MOVE = KeySpec("dr.move", visible=False)
MOVE_VOLUME = KeySpec("dr.move.", visible=False, family=True)
SWAP = KeySpec("dr.swap", visible=False)
# CloudStack refuses an empty detail value ("Value for the key k is either null or empty"): NONE is
# written instead, for a journal once its move or swap finished and for an empty field of the copy.
NONE = "none"
CLEARED = NONE


def shown(stored: str | None) -> str:
    """A stored value as readers show it: NONE (or nothing) is the empty string."""
    return "" if stored in (None, NONE) else stored

# -- protected VMs: the tenant's copy, visible on the VM its owner sees -------------------------------
STATE = KeySpec("dr.state", visible=True)
TIER = KeySpec("dr.tier", visible=True)
RTO = KeySpec("dr.rto", visible=True)
RPO = KeySpec("dr.rpo", visible=True)
VM_RECOVERY_ZONE = KeySpec("dr.recovery_zone", visible=True)
RECOVERY_PUBLIC_IPS = KeySpec("dr.recovery_public_ips", visible=True)
ALERT = KeySpec("dr.alert", visible=True)
# Where the VM runs now (its zone, or "moving from A to B" during a move) and since when (ISO 8601).
RUNS_IN = KeySpec("dr.runs_in", visible=True)
RUNS_SINCE = KeySpec("dr.runs_since", visible=True)
TENANT_COPY = (STATE, TIER, RTO, RPO, VM_RECOVERY_ZONE, RECOVERY_PUBLIC_IPS, ALERT, RUNS_IN, RUNS_SINCE)

# -- recovery networks (hidden network details, answered inline by listNetworks to root admins) -------
# The isolated network or VPC tier it mirrors (a recovery VPC is the VPC of its tiers).
SOURCE_NETWORK = KeySpec("dr.source_network", visible=False)
# One per public IP mirrored in this network: dr.ip.<public IP id> = id of the recovery IP reserved for it.
IP_MAP = KeySpec("dr.ip.", visible=False, family=True)
