# Copyright: cloudstack.dr contributors
# Apache License 2.0 (see LICENSE)
"""The DR states of a protected VM and the moves between them.

The state is the hidden `dr.status` detail of the original VM (keys.STATUS); the visible
`dr.state` is the owner's copy of it. A VM of a DR offering without `dr.status` is UNPREPARED.

    Unprepared --prepare--> Prepared | PrepareFailed   (prepare runs again from either)
    Prepared --failover: begin--> FailingOver --finish--> FailedOver
    FailedOver --failback: begin--> FailingBack --finish--> Prepared
A move that fails before anything moved goes back to the state it started from.
"""

from __future__ import annotations

from dataclasses import dataclass

UNPREPARED = "Unprepared"
PREPARED = "Prepared"
PREPARE_FAILED = "PrepareFailed"
FAILING_OVER = "FailingOver"
FAILED_OVER = "FailedOver"
FAILING_BACK = "FailingBack"
# Every value dr.status takes: one key+value listing each finds every DR VM of the cloud.
STORED = (PREPARED, PREPARE_FAILED, FAILING_OVER, FAILED_OVER, FAILING_BACK)
# A VM between `begin` and `finish` of a move: its journal is read, and nothing else may touch it.
MOVING = frozenset({FAILING_OVER, FAILING_BACK})
# The recovery VM is in use (or about to be): preparation leaves the pair alone.
MOVED = frozenset({FAILING_OVER, FAILED_OVER, FAILING_BACK})


@dataclass(frozen=True)
class Direction:
    """One direction of a move: the state while it runs, when it is done, and where it may start."""

    op: str
    moving: str
    done: str
    start_from: tuple[str, ...]

    @property
    def source_role(self) -> str:
        """The VM of the pair the service moves away from."""
        return "original" if self.op == "failover" else "recovery"

    @property
    def target_role(self) -> str:
        return "recovery" if self.op == "failover" else "original"


FAILOVER = Direction("failover", FAILING_OVER, FAILED_OVER, (PREPARED,))
FAILBACK = Direction("failback", FAILING_BACK, PREPARED, (FAILED_OVER,))
DIRECTIONS = {d.op: d for d in (FAILOVER, FAILBACK)}


def direction(op: str) -> Direction:
    if op not in DIRECTIONS:
        raise ValueError(f"op must be one of {', '.join(DIRECTIONS)}, not {op!r}")
    return DIRECTIONS[op]


def moving_op(state: str) -> str | None:
    """The direction a VM in `state` is moving in, or None."""
    return next((d.op for d in DIRECTIONS.values() if d.moving == state), None)
