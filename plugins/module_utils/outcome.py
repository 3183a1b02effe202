# Copyright: cloudstack.dr contributors
# Apache License 2.0 (see LICENSE)
"""The plan a module computes before it changes anything, and what it reports afterwards."""

from __future__ import annotations

from dataclasses import dataclass, field

from .details import as_values


@dataclass
class Outcome:
    """The object a run is about, the detail changes that make it so, and before/after for diff."""

    value: dict | None
    changes: list = field(default_factory=list)  # details.DetailChanges
    before: dict = field(default_factory=dict)
    after: dict = field(default_factory=dict)

    @property
    def changed(self) -> bool:
        return any(self.changes)

    def actions(self) -> list:
        """The writes, as reported to the user: which resource, keys set, keys removed."""
        return [{"resource": c.label, "set": as_values(c.set), "remove": c.remove} for c in self.changes if c]
