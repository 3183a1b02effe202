# Copyright: cloudstack.dr contributors
# Apache License 2.0 (see LICENSE)
"""The progress file of a move (`tail -f` it): a line when each step of a tier ends, with counts that add up,
a line every few seconds while a long step's jobs run, and an estimate of the time left.

Per tier, every VM is `done` (moved, or found already moved by an earlier run: `earlier` of them), `failed`
(its move stopped, with the reason in the result) or `pending` (still in the move): the three add up to the
tier's VMs. The estimate assumes the run's steps so far are typical of the rest.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .move import Move, WallClock

TICK_SECONDS = 5.0  # at most one line per this many seconds within a step


class Progress:
    def __init__(self, path: str | None, op: str, tiers: Sequence[tuple[int | None, int]], steps: int,
                 clock: WallClock = time) -> None:
        """`tiers`: (tier, VMs) in the order they move; `steps`: how many steps each tier runs."""
        self.path, self.op, self.clock = path, op, clock
        self.started = clock.time()
        self.units_done: dict[int | None, int] = {}  # per tier, its steps finished times its VMs
        self.units = sum(n for _, n in tiers) * max(steps, 1) or 1
        self.last_tick = 0.0
        self.current = "starting"  # the step running now, for the lines within it

    def write(self, text: str) -> None:
        if not self.path:
            return
        with open(self.path, "a", encoding="utf-8") as fh:
            fh.write(f"{time.strftime('%Y-%m-%d %H:%M:%S')} {self.op} {text}\n")

    def left(self) -> str:
        """The time left, from the pace so far."""
        elapsed = self.clock.time() - self.started
        done = sum(self.units_done.values())
        if not done:
            return f"{elapsed:.0f} s elapsed"
        remaining = elapsed * max(self.units - done, 0) / done
        return f"{elapsed:.0f} s elapsed, about {remaining:.0f} s left"

    def stopping(self, moves: list[Move]) -> Callable[[str, list[Move]], None]:
        """The reporter of a planned move's first pass: every selected VM stopped before any tier moves."""
        def report(step: str, _live: list[Move]) -> None:
            stopped = sum(m.error is None for m in moves)
            self.write(f"all tiers, {step}: {stopped} of {len(moves)} VMs ready, {len(moves) - stopped} failed; "
                       f"{self.left()}")
        return report

    def tier(self, tier: int | None, moves: list[Move], steps: Sequence[str]) -> Callable[[str, list[Move]], None]:
        """The reporter MoveRun calls as each step of `tier` (its `moves`) ends."""
        weight = len(moves)

        def report(step: str, _live: list[Move]) -> None:
            index = steps.index(step) + 1 if step in steps else 0
            self.units_done[tier] = weight * index
            earlier = sum(m.done_before for m in moves)
            failed = sum(m.error is not None for m in moves)
            last = index == len(steps)
            moved = len(moves) - earlier - failed
            done, pending = (moved + earlier, 0) if last else (earlier, moved)
            self.write(f"tier {tier} step {index}/{len(steps)} {step}: {done} done ({earlier} earlier), {failed} "
                       f"failed, {pending} pending of {len(moves)} VMs; {self.left()}")
            self.current = f"tier {tier} step {index + 1}/{len(steps)} {steps[index]}" if not last else "finishing"
        return report

    def jobs(self, finished: int, total: int) -> None:
        """Within a step: how many of its async jobs finished (Client.watch), every TICK_SECONDS at most."""
        now = self.clock.time()
        if now - self.last_tick < TICK_SECONDS or finished >= total:
            return
        self.last_tick = now
        self.write(f"{self.current}: {finished} of {total} jobs finished; {self.left()}")


HEARTBEAT_SECONDS = 60.0  # silence of the follower after which a move stops at its next step boundary


class Heartbeat:
    """A file the play following a move in the background touches every few seconds. When it stops (Ctrl-C, a
    cancelled AWX job, a dead controller), the move stops at its next step boundary, where a re-run resumes it,
    instead of going on with nobody watching."""

    def __init__(self, path: str | None, timeout: float = HEARTBEAT_SECONDS) -> None:
        self.path, self.timeout = path, timeout

    def lost(self) -> str | None:
        """Why the move should stop now (nobody follows it any more), or None."""
        if not self.path or not os.path.exists(self.path):
            return None
        silent = time.time() - os.path.getmtime(self.path)
        if silent <= self.timeout:
            return None
        return f"nobody has followed the run for {silent:.0f} s (the controller was interrupted)"
