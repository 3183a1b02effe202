# Copyright: cloudstack.dr contributors
# Apache License 2.0 (see LICENSE)
"""Reading and writing `dr.*` resource details the ways CloudStack allows, and an idempotent writer.

CloudStack's rules (QueryManagerImpl.listResourceDetails, AddResourceDetailCmd.getDetails):
- listResourceDetails needs `resourceid`, or `key` with `value`; it answers only visible details
  unless `fordisplay=false` is given, and then only hidden ones. So one resource's details take
  two listings (`read`), and details across a whole type are found by exact key and value
  (`ids_with`).
- addResourceDetail reads its map as `details[i].key` / `details[i].value`: every write here
  sends that form, one call per visibility.
Writers never replace a resource's details wholesale: they name the keys they own, compare them
with what is stored and write only what differs.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from .keys import PREFIX

if TYPE_CHECKING:  # annotations only: the vocabulary does not import the client when it runs
    from ..client.api import Client, Job
    from ..client.batch import Request, Tag

# The length of a detail's value each resource type's details table keeps (longer values fail the
# write): storage_pool_details 255, user_vm_details 5120, service_offering_details TEXT, the others 1024.
MAX_VALUE_LENGTH = {"Storage": 255, "UserVm": 5120, "ServiceOffering": 65535}
DEFAULT_MAX_VALUE_LENGTH = 1024
MAX_KEY_LENGTH = 255


def max_value_length(resourcetype: str) -> int:
    return MAX_VALUE_LENGTH.get(resourcetype, DEFAULT_MAX_VALUE_LENGTH)


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
    set: dict[str, Detail]  # key -> Detail
    remove: list[str]  # keys

    def __bool__(self) -> bool:
        return bool(self.set or self.remove)


def read(client: Client, resourcetype: str, resourceid: str, label: str | None = None) -> dict[str, Detail]:
    """The `dr.` details of one resource, visible and hidden: key -> Detail."""
    common = {"resourcetype": resourcetype, "resourceid": resourceid, "target": label}
    visible = client.list("listResourceDetails", **common)
    hidden = client.list("listResourceDetails", fordisplay=False, **common)
    out = {row["key"]: Detail(row["value"], True) for row in visible if row["key"].startswith(PREFIX)}
    out.update({row["key"]: Detail(row["value"], False) for row in hidden if row["key"].startswith(PREFIX)})
    return out


def read_hidden(client: Client, resourcetype: str, resourceid: str, label: str | None = None) -> dict[str, str]:
    """The hidden `dr.` details of one resource: key -> value."""
    rows = client.list("listResourceDetails", label, resourcetype=resourcetype, resourceid=resourceid,
                       fordisplay=False)
    return {row["key"]: row["value"] for row in rows if row["key"].startswith(PREFIX)}


def ids_with(client: Client, resourcetype: str, key: str, value: str) -> list[str]:
    """Ids of every resource of the type carrying the hidden detail key=value (one listing)."""
    rows = client.list("listResourceDetails", f"{key}={value}", resourcetype=resourcetype, key=key, value=value,
                       fordisplay=False)
    return [row["resourceid"] for row in rows]


def write(tag: Tag, resourcetype: str, resourceid: str, values: dict[str, str], visible: bool) -> Request[Tag]:
    """A batch request (tag, command, params) writing `values` with one visibility.

    ValueError for what CloudStack would refuse in the job: a key outside `dr.`, an empty value, or a
    key or value longer than the resource type's details table keeps.
    """
    limit = max_value_length(resourcetype)
    for key, value in values.items():
        if not key.startswith(PREFIX) or len(key) > MAX_KEY_LENGTH or not str(value) or len(str(value)) > limit:
            raise ValueError(f"{resourcetype} detail {key}={str(value)[:40]!r}: not a DR key, empty, or longer than "
                             f"CloudStack keeps ({MAX_KEY_LENGTH} for a key, {limit} for a value)")
    return (tag, "addResourceDetail", {
        "resourcetype": resourcetype, "resourceid": resourceid, "fordisplay": visible,
        "details": [{"key": key, "value": str(value)} for key, value in sorted(values.items())]})


def remove(tag: Tag, resourcetype: str, resourceid: str, key: str) -> Request[Tag]:
    """A batch request removing one detail (never without a key: that would remove them all)."""
    return (tag, "removeResourceDetail", {"resourcetype": resourcetype, "resourceid": resourceid, "key": key})


def plan(resourcetype: str, resourceid: str, label: str, current: dict[str, Detail], desired: dict[str, Detail],
         owned: Callable[[str], bool]) -> DetailChanges:
    """Changes that bring the keys `owned(key)` selects from `current` to `desired`.

    A stored key with the right value but the wrong visibility is written again.
    """
    to_set = {key: detail for key, detail in desired.items() if current.get(key) != detail}
    to_remove = sorted(key for key in current if owned(key) and key not in desired)
    return DetailChanges(resourcetype, resourceid, label, to_set, to_remove)


def requests(changes: DetailChanges) -> list[Request[str]]:
    """The batch requests for `changes`: one write per visibility, one removal per key."""
    out = []
    for visible in (True, False):
        values = {key: d.value for key, d in changes.set.items() if d.visible == visible}
        if values:
            out.append(write(f"{changes.label}:{visible}", changes.resourcetype, changes.resourceid, values, visible))
    out += [remove(f"{changes.label}:-{key}", changes.resourcetype, changes.resourceid, key)
            for key in changes.remove]
    return out


def submit(client: Client, changes: DetailChanges) -> list[Job]:
    """Queue the async jobs for `changes`."""
    return [client.submit(command, changes.label, **params) for _, command, params in requests(changes)]


def as_values(details: dict[str, Detail]) -> dict[str, str]:
    """key -> value, for diffs and results."""
    return {key: detail.value for key, detail in sorted(details.items())}
