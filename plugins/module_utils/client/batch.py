# Copyright: cloudstack.dr contributors
# Apache License 2.0 (see LICENSE)
"""A batch of async requests, submitted together and waited on together.

The engine's phases each hand CloudStack many independent jobs (one per VM, per rule, ...);
running them as one batch makes a phase take one job latency, not one per request. Every
request keeps its own outcome, so one failure never hides or stops the others.
"""

from __future__ import annotations

from dataclasses import dataclass

from .api import CloudStackError


@dataclass
class Result:
    ok: bool
    result: dict | None = None
    error: str | None = None


def run(client, requests) -> dict:
    """Submit `(tag, command, params)` requests, wait for all; {tag: Result}."""
    jobs, out = {}, {}
    for tag, command, params in requests:
        try:
            jobs[tag] = client.submit(command, target=str(tag), **params)
        except CloudStackError as error:
            out[tag] = Result(False, error=error.errortext)
    client.wait(list(jobs.values()))
    for tag, job in jobs.items():
        out[tag] = Result(job.error is None, job.result, job.error.errortext if job.error else None)
    return out
