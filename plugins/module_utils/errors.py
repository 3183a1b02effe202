# Copyright: cloudstack.dr contributors
# Apache License 2.0 (see LICENSE)
"""Errors the DR engine raises for bad input, before it changes anything."""

from __future__ import annotations


class InputError(Exception):
    """A module option names something that does not exist or cannot work; `fix` says what to do."""

    def __init__(self, field: str, problem: str, fix: str):
        self.field = field
        super().__init__(f"{field}: {problem}. {fix}")
