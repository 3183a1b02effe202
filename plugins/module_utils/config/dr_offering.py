# Copyright: cloudstack.dr contributors
# Apache License 2.0 (see LICENSE)
"""DR offerings: a service offering marked DR-enabled, with its tier, RTO, storage tags and
the offering its VMs get in the recovery zone.

State lives in service-offering details (docs/metadata.md, "DR offering"): `dr.enabled`,
`dr.tier`, `dr.rto` (visible), `dr.storage_tags` and `dr.recovery_offering` (hidden; absent
when the recovery zone uses the same offering). The engine reads them through snapshot.py.
Everything is validated before anything is written.
"""

from __future__ import annotations

from typing import Any

from ..client.api import Client
from ..errors import InputError
from ..vocabulary import details
from ..vocabulary.details import Detail
from ..vocabulary.keys import (
    ENABLED,
    OFFERING_ENABLED,
    OFFERING_RECOVERY,
    OFFERING_RPO,
    OFFERING_RTO,
    OFFERING_STORAGE_TAGS,
    OFFERING_TIER,
)
from ..vocabulary.tiers import rpo_problem, rto_problem, tier_problem
from .outcome import Outcome
from .resources import by_id, check_caller, check_tags, find, owner, ref, split_tags, zone_links

RESOURCETYPE = "ServiceOffering"
OWNED = owner(OFFERING_ENABLED, OFFERING_TIER, OFFERING_RTO, OFFERING_RPO, OFFERING_STORAGE_TAGS, OFFERING_RECOVERY)


class DrOfferings:
    """Plans and applies DR offerings over an api.Client."""

    def __init__(self, client: Client) -> None:
        self.client = client

    def check_caller(self) -> None:
        check_caller(self.client, "service offering details")

    def plan(self, offering: str, tier: int | None = None, rto: str | None = None,
             storage_tags: list[Any] | None = None, recovery_offering: str | None = None,
             state: str = "present", rpo: str | None = None) -> Outcome:
        offerings = self.client.list("listServiceOfferings", listall=True)
        chosen = find(offerings, offering, "offering", "service offering")
        current = details.read(self.client, RESOURCETYPE, chosen["id"], _label(chosen))
        if state == "absent":
            outcome = Outcome({"offering": ref(chosen), "state": "absent"})
            outcome.compare(RESOURCETYPE, chosen, _label(chosen), current, {}, OWNED)
            return outcome
        _check_tier(tier)
        _check_rto(rto)
        problem = rpo_problem(rpo)
        if problem:
            raise InputError("rpo", problem, "Give a number with a unit s, m, h or d, e.g. 5m, 15m or 1h")
        assert rto is not None  # _check_rto refused a missing one
        tags = split_tags(chosen.get("storagetags")) if storage_tags is None else check_tags(
            "storage_tags", storage_tags)
        recovery = chosen if recovery_offering is None else find(
            offerings, recovery_offering, "recovery_offering", "service offering")
        zones = self._recovery_zones(chosen, recovery, recovery_offering is None)
        _check_recovery_tags(chosen, recovery)
        desired = {
            OFFERING_ENABLED.key(): Detail(ENABLED, OFFERING_ENABLED.visible),
            OFFERING_TIER.key(): Detail(str(tier), OFFERING_TIER.visible),
            OFFERING_RTO.key(): Detail(rto, OFFERING_RTO.visible),
        }
        if rpo is not None:
            desired[OFFERING_RPO.key()] = Detail(rpo, OFFERING_RPO.visible)
        if tags:
            desired[OFFERING_STORAGE_TAGS.key()] = Detail(",".join(tags), OFFERING_STORAGE_TAGS.visible)
        if recovery["id"] != chosen["id"]:
            desired[OFFERING_RECOVERY.key()] = Detail(recovery["id"], OFFERING_RECOVERY.visible)
        outcome = Outcome({
            "offering": ref(chosen), "tier": tier, "rto": rto, "rpo": rpo, "storage_tags": tags,
            "recovery_offering": ref(recovery), "recovery_zones": [ref(z) for z in zones], "state": "present",
        })
        outcome.compare(RESOURCETYPE, chosen, _label(chosen), current, desired, OWNED)
        return outcome

    def apply(self, outcome: Outcome) -> None:
        outcome.apply(self.client)

    def _recovery_zones(self, chosen: dict, recovery: dict, default: bool) -> list[dict]:
        """The recovery zones of the linked zones where `chosen` is offered; `recovery` must be in each."""
        zones = self.client.list("listZones")
        zone_ids = by_id(zones)
        links = {a: r for a, r in zone_links(self.client).items() if a in zone_ids and r in zone_ids}
        if not links:
            raise InputError("offering", "no zone is linked to a recovery zone yet, so there is nowhere to recover to",
                             "Link the zones with cloudstack.dr.zone_link first")
        served = [a for a in links if _offered_in(chosen, a)]
        if not served:
            where = ", ".join(z["name"] for z in zones if _offered_in(chosen, z["id"]))
            raise InputError("offering", f"service offering {chosen['name']} is offered only in zones with no "
                             f"recovery zone ({where})", "Link one of them with cloudstack.dr.zone_link first")
        needed = sorted({links[a] for a in served}, key=lambda z: zone_ids[z]["name"])
        missing = [zone_ids[z]["name"] for z in needed if not _offered_in(recovery, z)]
        if missing:
            which = f"{recovery['name']} (the default: the offering itself)" if default else recovery["name"]
            raise InputError("recovery_offering", f"service offering {which} is not available in recovery zone "
                             f"{', '.join(missing)}", "Give a recovery_offering offered there, or offer "
                             f"{recovery['name']} in that zone")
        return [zone_ids[z] for z in needed]


def _label(offering: dict) -> str:
    return f"service offering {offering['name']}"


def _offered_in(offering: dict, zone_id: str) -> bool:
    """Service offerings may be limited to zones (`zoneid`, comma-separated); none means every zone."""
    zones = [z.strip() for z in (offering.get("zoneid") or "").split(",") if z.strip()]
    return not zones or zone_id in zones


def _check_recovery_tags(chosen: dict, recovery: dict) -> None:
    """CloudStack moves a VM to another offering only when the new one has every storage tag of the current one
    (UserVmManagerImpl.checkIfCanUpgrade), and prepare moves recovery VMs between the offering and its recovery
    offerings as they change: they must have the same storage tags."""
    have, want = _tags_text(recovery), _tags_text(chosen)
    if have != want:
        raise InputError("recovery_offering", f"service offering {recovery['name']} has the storage tags {have} and "
                         f"{chosen['name']} has {want}: CloudStack could not move a recovery VM between them",
                         f"Give a recovery_offering with the storage tags {want}")


def _tags_text(offering: dict) -> str:
    return ", ".join(sorted(set(split_tags(offering.get("storagetags"))))) or "none"


def _check_tier(tier: int | None) -> None:
    problem = tier_problem(tier)
    if problem:
        raise InputError("tier", problem, "Give the recovery order: 1 recovers first" if tier is None
                         else "Give a whole number of at least 1 (1 recovers first)")


def _check_rto(rto: str | None) -> None:
    problem = rto_problem(rto)
    if problem:
        raise InputError("rto", problem, "Give the recovery time objective, e.g. 1h" if rto is None
                         else "Give a number with a unit s, m, h or d, e.g. 15m, 1h, 24h or 1h30m")
