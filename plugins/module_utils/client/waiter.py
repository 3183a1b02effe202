# Copyright: cloudstack.dr contributors
# Apache License 2.0 (see LICENSE)
"""Bounded waiting: a clock that tests replace, and the only loop that polls CloudStack.

Everything that waits (async jobs, retries) goes through a Clock so unit tests can drive time
without sleeping, and every wait has a deadline: there is no unbounded poll anywhere.
"""

from __future__ import annotations

import time
from collections.abc import Iterator


class Clock:
    """Real time. Tests pass a fake with the same two methods."""

    def monotonic(self) -> float:
        return time.monotonic()

    def sleep(self, seconds: float) -> None:
        time.sleep(seconds)


def ticks(clock: Clock, timeout: float, interval: float, first: float | None = None) -> Iterator[float]:
    """Yield the elapsed seconds: at once, then every `interval`, while under `timeout`.

    With `first`, the pauses start at `first` and double up to `interval`: a short job is seen
    as soon as it ends, a long one is still polled at most every `interval`.
    The caller breaks out when it is done; falling off the end means the time is up.
    """
    start = clock.monotonic()
    yield 0.0
    elapsed = 0.0
    pause = min(first, interval) if first else interval
    while elapsed < timeout:
        clock.sleep(min(pause, timeout - elapsed))
        pause = min(pause * 2, interval)
        elapsed = clock.monotonic() - start
        yield elapsed


def backoff(base: float, attempt: int, cap: float = 30.0) -> float:
    """Seconds to wait before retry number `attempt` (1, 2, ...): doubling, capped."""
    return min(base * 2 ** (attempt - 1), cap)
