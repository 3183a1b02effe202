# Copyright: cloudstack.dr contributors
# Apache License 2.0 (see LICENSE)
"""DR metadata kept in CloudStack resource details: the key catalogue and an idempotent writer.

Every key starts with `dr.` (docs/metadata.md lists them all). A key is either user-visible
(`fordisplay=true`: what a VM owner may see) or hidden (`fordisplay=false`: engine internals).
Writers never replace a resource's details wholesale: they name the keys they own, compare them
with what is stored and add or remove only what differs, so concurrent owners of other keys on
the same resource (e.g. two zone links protected by one recovery zone) never overwrite each other.
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


# The zone link (docs/metadata.md, "Zone link").
RECOVERY_ZONE = KeySpec("dr.recovery_zone", visible=True)
NETWORK_MAP = KeySpec("dr.network.", visible=False, family=True)
PROTECTS = KeySpec("dr.protects.", visible=False, family=True)

# DR offerings (docs/metadata.md, "DR offering"): details of a service offering.
OFFERING_ENABLED = KeySpec("dr.enabled", visible=True)
OFFERING_TIER = KeySpec("dr.tier", visible=True)
OFFERING_RTO = KeySpec("dr.rto", visible=True)
OFFERING_STORAGE_TAGS = KeySpec("dr.storage_tags", visible=False)
OFFERING_RECOVERY = KeySpec("dr.recovery_offering", visible=False)

# Storage maps (docs/metadata.md, "Storage map"): details of a primary storage pool, all hidden.
# `dr.replica_pool`/`dr.failback_pool` are the engine's (the pool it introduced), not the map's.
STORAGE_MAP_FIELDS = ("zone", "url", "scope", "pod", "cluster", "tags")
REPLICA = {f: KeySpec(f"dr.replica_{f}", visible=False) for f in STORAGE_MAP_FIELDS}
FAILBACK = {f: KeySpec(f"dr.failback_{f}", visible=False) for f in STORAGE_MAP_FIELDS}


@dataclass(frozen=True)
class Detail:
    value: str
    visible: bool


@dataclass
class DetailChanges:
    """What to write to one resource so its owned keys match the desired ones."""

    resourcetype: str
    resourceid: str
    label: str
    set: dict  # key -> Detail
    remove: list  # keys

    def __bool__(self) -> bool:
        return bool(self.set or self.remove)


def read(client, resourcetype: str, resourceid: str, label: str | None = None) -> dict:
    """The `dr.` details of one resource: key -> Detail.

    The list answer does not say whether a detail is for display, so hidden keys are listed
    separately with the `fordisplay=false` filter.
    """
    common = {"resourcetype": resourcetype, "resourceid": resourceid, "target": label}
    everything = client.list("listResourceDetails", **common)
    hidden = {row["key"] for row in client.list("listResourceDetails", fordisplay=False, **common)}
    return {
        row["key"]: Detail(row["value"], row["key"] not in hidden)
        for row in everything
        if row["key"].startswith(PREFIX)
    }


def plan(resourcetype: str, resourceid: str, label: str, current: dict, desired: dict, owned) -> DetailChanges:
    """Changes that bring the keys `owned(key)` selects from `current` to `desired`.

    A stored key with the right value but the wrong visibility is written again.
    """
    to_set = {key: detail for key, detail in desired.items() if current.get(key) != detail}
    to_remove = sorted(key for key in current if owned(key) and key not in desired)
    return DetailChanges(resourcetype, resourceid, label, to_set, to_remove)


def submit(client, changes: DetailChanges) -> list:
    """Queue the async jobs for `changes`: one add per visibility, one remove per key."""
    jobs = []
    for visible in (True, False):
        # CloudStack's map encoding for this command: details[i].key=K&details[i].value=V.
        batch = [{"key": key, "value": d.value} for key, d in sorted(changes.set.items()) if d.visible == visible]
        if batch:
            jobs.append(client.submit("addResourceDetail", changes.label, resourcetype=changes.resourcetype,
                                      resourceid=changes.resourceid, details=batch, fordisplay=visible))
    for key in changes.remove:
        jobs.append(client.submit("removeResourceDetail", changes.label, resourcetype=changes.resourcetype,
                                  resourceid=changes.resourceid, key=key))
    return jobs


def as_values(details: dict) -> dict:
    """key -> value, for diffs and results."""
    return {key: detail.value for key, detail in sorted(details.items())}
