# Copyright: cloudstack.dr contributors
# Apache License 2.0 (see LICENSE)
"""The plan a module computes before it changes anything, and what it reports afterwards."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from ..client.api import Client
from ..vocabulary import details
from ..vocabulary.details import Detail, DetailChanges, as_values


@dataclass
class Outcome:
    """The object a run is about, the detail changes that make it so, and before/after for diff."""

    value: dict | None
    changes: list[DetailChanges] = field(default_factory=list)
    before: dict = field(default_factory=dict)
    after: dict = field(default_factory=dict)

    @property
    def changed(self) -> bool:
        return any(self.changes)

    def actions(self) -> list[dict]:
        """The writes, as reported to the user: which resource, keys set, keys removed."""
        return [{"resource": c.label, "set": as_values(c.set), "remove": c.remove} for c in self.changes if c]

    def compare(self, resourcetype: str, resource: dict, label: str, current: dict[str, Detail],
                desired: dict[str, Detail], owned: Callable[[str], bool]) -> None:
        """Add the changes that bring `resource`'s owned keys (`owned(key)`) from `current` to `desired`.

        before/after, keyed by the resource's name, show only the owned keys.
        """
        change = details.plan(resourcetype, resource["id"], label, current, desired, owned)
        before = as_values({key: detail for key, detail in current.items() if owned(key)})
        after = {key: value for key, value in before.items() if key not in change.remove}
        after.update(as_values(change.set))
        self.changes.append(change)
        self.before[resource["name"]] = before
        self.after[resource["name"]] = dict(sorted(after.items()))

    def apply(self, client: Client) -> None:
        """Write every change: all jobs submitted first, then waited on together."""
        jobs = [job for change in self.changes if change for job in details.submit(client, change)]
        client.run(jobs)
