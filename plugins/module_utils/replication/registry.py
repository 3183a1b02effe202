# Copyright: cloudstack.dr contributors
# Apache License 2.0 (see LICENSE)
"""The replication adapters by name, their options checked before anything is written, and the
adapter a storage map names, built for a run."""

from __future__ import annotations

import json
from typing import Any

from ..client.api import Client
from ..errors import InputError
from .adapter import ReplicationAdapter
from .command import DEFAULT_TIMEOUT, CommandAdapter, check_executable
from .simulator import SimulatorAdapter, control_url

ADAPTERS = ("simulator", "command")
# The options each adapter reads; any other option is passed to a command adapter's executable.
KNOWN_OPTIONS = {"simulator": ("control_url",), "command": ("executable", "timeout")}


def check(option: str, name: str | None, options: dict | None) -> dict:
    """An adapter's options, checked (`option` names the module option in errors)."""
    options = dict(options or {})
    if name not in ADAPTERS:
        raise InputError(f"{option}.adapter", f"{name!r} is not a replication adapter",
                         f"Use one of: {', '.join(ADAPTERS)} (docs/adapters.md)")
    if name == "simulator":
        unknown = sorted(set(options) - set(KNOWN_OPTIONS["simulator"]))
        if unknown:
            raise InputError(f"{option}.options", f"the simulator adapter has no option {', '.join(unknown)}",
                             "Remove it; the simulator adapter takes only control_url")
        return options
    problem = check_executable(str(options.get("executable") or ""))
    if problem:
        raise InputError(f"{option}.options.executable", problem,
                         "Give the absolute path of the adapter executable on the controller (docs/adapters.md)")
    try:
        timeout = float(options.get("timeout", DEFAULT_TIMEOUT))
    except (TypeError, ValueError):
        timeout = -1.0
    if timeout <= 0:
        raise InputError(f"{option}.options.timeout", f"{options.get('timeout')!r} is not a number of seconds",
                         f"Give a positive number (default {DEFAULT_TIMEOUT:.0f})")
    return {**options, "timeout": timeout}


def build(name: str, options: dict, client: Client) -> ReplicationAdapter:
    """The adapter `name` with its (checked) options; the simulator's speaks with the client's credentials."""
    if name == "simulator":
        cs: Any = client.cs
        return SimulatorAdapter(options.get("control_url") or control_url(cs.endpoint), cs.key, cs.secret)
    extra = {k: v for k, v in options.items() if k not in KNOWN_OPTIONS["command"]}
    return CommandAdapter(options["executable"], extra, float(options.get("timeout", DEFAULT_TIMEOUT)))


class Built:
    """The adapters a run's storage maps name, each built once per adapter name and options (JSON text, as a storage
    map stores them)."""

    def __init__(self, client: Client) -> None:
        self.client = client
        self.adapters: dict[tuple[str, str], ReplicationAdapter] = {}

    def adapter(self, name: str, options: str | None) -> ReplicationAdapter:
        key = (name, options or "{}")
        if key not in self.adapters:
            self.adapters[key] = build(name, json.loads(key[1]), self.client)
        return self.adapters[key]
