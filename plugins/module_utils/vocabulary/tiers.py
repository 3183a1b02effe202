# Copyright: cloudstack.dr contributors
# Apache License 2.0 (see LICENSE)
"""Tiers and recovery time objectives: how they are written, parsed and checked, in one place.

A tier is a whole number of at least 1 (1 recovers first); an RTO is a duration with units s, m,
h, d (`15m`, `1h`, `1h30m`). dr_offering writes them after `check_tier`/`check_rto`; everything
that reads them back uses `tier_of`/`rto_seconds`, which answer None for what is not valid, so a
hand-edited value is shown as unknown and refused by a move rather than guessed.
"""

from __future__ import annotations

import re

RTO_FORM = re.compile(r"(?:[0-9]+[smhd])+")
RTO_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def tier_of(value: object) -> int | None:
    """A stored or given tier as an int, or None when it is not a tier."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if value >= 1 else None
    text = str(value or "").strip()
    return int(text) if text.isdigit() and int(text) >= 1 else None


def rto_seconds(value: object) -> float | None:
    """'90s', '15m', '1h', '1h30m', '2d', or plain seconds (45, '45') -> seconds; None when unknown."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return value
    text = str(value or "").strip().lower()
    if text.isdigit():
        return int(text)
    if not RTO_FORM.fullmatch(text):
        return None
    return sum(int(n) * RTO_UNITS[unit] for n, unit in re.findall(r"(\d+)([smhd])", text))


def tier_problem(tier: object) -> str | None:
    """Why `tier` cannot be a DR offering's tier, or None."""
    if tier is None:
        return "is required with state=present"
    if isinstance(tier, bool) or not isinstance(tier, int) or tier < 1:
        return f"{tier!r} is not a tier"
    return None


def rpo_problem(rpo: object) -> str | None:
    """Why `rpo` cannot be a DR offering's RPO (optional: None is none), or None."""
    return None if rpo is None else rto_problem(rpo)


def rto_problem(rto: object) -> str | None:
    """Why `rto` cannot be a DR offering's RTO, or None."""
    if rto is None:
        return "is required with state=present"
    if not RTO_FORM.fullmatch(str(rto)) or not rto_seconds(rto):
        return f"{rto!r} is not a duration"
    return None
