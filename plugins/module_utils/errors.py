# Copyright: cloudstack.dr contributors
# Apache License 2.0 (see LICENSE)
"""Errors the DR engine raises for bad input, before it changes anything."""

from __future__ import annotations


class InputError(Exception):
    """A module option names something that does not exist or cannot work; `fix` says what to do.

    `result` is extra data for the module's failure (for example the refused VMs).
    """

    def __init__(self, field: str, problem: str, fix: str, result: dict | None = None):
        self.field, self.problem, self.fix = field, problem, fix
        self.result = result or {}
        super().__init__(f"{field}: {problem}. {fix}")

    def renamed(self, field: str) -> InputError:
        """The same error, about the module option `field` (the engine names options its own way)."""
        return InputError(field, self.problem, self.fix, self.result)
