# Copyright: cloudstack.dr contributors
# Apache License 2.0 (see LICENSE)
"""A batch of async requests, submitted together and waited on together.

The engine's phases each hand CloudStack many independent jobs (one per VM, per rule, ...);
running them as one batch makes a phase take one job latency, not one per request. Every
request keeps its own outcome, so one failure never hides or stops the others.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from .api import Client, CloudStackError, Job

Tag = TypeVar("Tag", bound=Hashable)
# One async request: (tag, command, params); the tag names its outcome.
Request = tuple[Tag, str, dict[str, Any]]


@dataclass
class Result:
    """One request's outcome: the job's `result` when it succeeded, CloudStack's `error` text when it failed."""

    ok: bool
    result: dict = field(default_factory=dict)
    error: str = ""


def run(client: Client, requests: Iterable[Request[Tag]]) -> dict[Tag, Result]:
    """Submit `(tag, command, params)` requests, wait for all; {tag: Result}."""
    jobs: dict[Tag, Job] = {}
    out: dict[Tag, Result] = {}
    for tag, command, params in requests:
        try:
            jobs[tag] = client.submit(command, target=str(tag), **params)
        except CloudStackError as error:
            out[tag] = Result(False, error=error.errortext)
    client.wait(list(jobs.values()))
    for tag, job in jobs.items():
        out[tag] = Result(job.error is None, job.result or {}, job.error.errortext if job.error else "")
    return out
