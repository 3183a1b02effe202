# Copyright: cloudstack.dr contributors
# Apache License 2.0 (see LICENSE)
"""The cloud's DR state, read in a handful of bulk listings, with named accessors.

What is read, within CloudStack's rules (vocabulary.details):
- zones and service offerings with their details inline (`resourcedetails`,
  `serviceofferingdetails`: every detail for an admin);
- VMs and their DR state and pairs (model.pairs);
- networks, VPCs, public IPs and rules (model.network), unless `network=False`.
The selection rules of the modules are in model.selection.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..vocabulary.keys import (
    ENABLED,
    NETWORK_MAP,
    OFFERING_ENABLED,
    OFFERING_RECOVERY,
    OFFERING_RPO,
    OFFERING_RTO,
    OFFERING_TIER,
    RECOVERY_ZONE,
    RTO,
    TIER,
    shown,
)
from ..vocabulary.tiers import tier_of
from .listing import dr_details, index
from .network import NetworkModel
from .pairs import Pairs
from .selection import Selection

if TYPE_CHECKING:
    from ..client.api import Client


class Snapshot(Pairs, NetworkModel, Selection):
    """Zones, offerings, VMs with their DR state and pairs, and (with `network`) networks, IPs and rules."""

    def __init__(self, api: Client, network: bool = True, admin: bool = True) -> None:
        self.api = api
        self.admin = admin
        self.has_network = network
        self.zones = index(api.list("listZones"))
        self.offerings = index(api.list("listServiceOfferings", listall=True))
        self.templates: dict[tuple[str | None, str], bool] = {}
        self.refresh_vms()
        if network:
            self.refresh_network()

    # -- zones and offerings ----------------------------------------------------------------------
    def zone_details(self, zone_id: str) -> dict[str, str]:
        return dr_details(self.zones.get(zone_id, {}), "resourcedetails")

    def recovery_zone_of(self, zone_id: str) -> str | None:
        return self.zone_details(zone_id).get(RECOVERY_ZONE.key())

    def network_map(self, zone_id: str) -> dict[str, str]:
        """{active-zone shared network id: recovery-zone network id} of the zone's link."""
        return {NETWORK_MAP.suffix(k): v for k, v in self.zone_details(zone_id).items() if NETWORK_MAP.owns(k)}

    def offering_details(self, offering_id: str) -> dict[str, str]:
        return dr_details(self.offerings.get(offering_id, {}), "serviceofferingdetails")

    def dr_offering(self, offering_id: str) -> dict[str, str] | None:
        """The DR settings of a service offering, or None when it is not DR-enabled."""
        found = self.offering_details(offering_id)
        return found if found.get(OFFERING_ENABLED.key()) == ENABLED else None

    def dr_offerings(self) -> dict[str, dict[str, str]]:
        return {oid: found for oid in self.offerings if (found := self.dr_offering(oid))}

    def tier(self, vm: dict) -> int | None:
        """An original's DR tier, from its offering (the truth), else its visible copy."""
        offering = self.dr_offering(vm["serviceofferingid"]) or {}
        return tier_of(offering.get(OFFERING_TIER.key()) or self.visible(vm).get(TIER.key()))

    def rto(self, vm: dict) -> str:
        offering = self.dr_offering(vm["serviceofferingid"]) or {}
        return offering.get(OFFERING_RTO.key()) or shown(self.visible(vm).get(RTO.key()))

    def rpo(self, vm: dict) -> str:
        """The RPO target of the VM's DR offering ('' when none)."""
        return (self.dr_offering(vm["serviceofferingid"]) or {}).get(OFFERING_RPO.key()) or ""

    def recovery_offering(self, vm: dict) -> str:
        offering = self.dr_offering(vm["serviceofferingid"]) or {}
        return offering.get(OFFERING_RECOVERY.key()) or vm["serviceofferingid"]

    def template_in_zone(self, template_id: str | None, zone_id: str) -> bool:
        key = (template_id, zone_id)
        if key not in self.templates:
            self.templates[key] = bool(
                self.api.list("listTemplates", templatefilter="all", id=template_id, zoneid=zone_id)
            )
        return self.templates[key]
