# Copyright: cloudstack.dr contributors
# Apache License 2.0 (see LICENSE)
"""Zone links: active zone A is protected by recovery zone R, with a shared-network map.

State lives in zone details (docs/metadata.md): on A `dr.recovery_zone` and one
`dr.network.<A network id>` per mapped network, on R one `dr.protects.<A id>`. Each link owns
only its own keys, so links can be written concurrently and a zone may be both protected and
protecting. Everything is validated and the whole change computed before anything is written.
"""

from __future__ import annotations

from collections.abc import Callable

from ..client.api import Client
from ..errors import InputError
from ..vocabulary import details
from ..vocabulary.details import Detail
from ..vocabulary.keys import NETWORK_MAP, PROTECTS, RECOVERY_ZONE
from .outcome import Outcome
from .resources import by_id as _by_id
from .resources import check_caller
from .resources import find as _find
from .resources import name_of as _name
from .resources import owner as _owner

PROTECTS_VALUE = "true"
# One zone's side of a link: (zone, its details now, the details wanted, which keys the link owns).
Side = tuple[dict, dict[str, Detail], dict[str, Detail], Callable[[str], bool]]


class ZoneLinks:
    """Plans and applies zone links over an api.Client."""

    def __init__(self, client: Client) -> None:
        self.client = client

    def check_caller(self) -> None:
        """Fail unless the caller may write zone details (root admins only, by default roles)."""
        check_caller(self.client, "zone details")

    def plan(self, active: str, recovery: str | None, network_map: list[dict] | None, state: str) -> Outcome:
        zones = self.client.list("listZones")
        zone_a = _find(zones, active, "active_zone", "zone")
        current_a = self._read(zone_a)
        if state == "absent":
            return self._plan_absent(zones, zone_a, recovery, current_a)
        if recovery is None:
            raise InputError("recovery_zone", "is required with state=present",
                             "Name the zone that protects active_zone")
        zone_r = _find(zones, recovery, "recovery_zone", "zone")
        if zone_r["id"] == zone_a["id"]:
            raise InputError("recovery_zone", f"zone {zone_a['name']} cannot protect itself",
                             "Name a different zone as recovery_zone")
        linked = current_a.get(RECOVERY_ZONE.key())
        if linked and linked.value != zone_r["id"]:
            raise InputError(
                "recovery_zone", f"zone {zone_a['name']} is already protected by zone {_name(zones, linked.value)}",
                "Remove that link first (state=absent) or keep its recovery_zone",
            )
        return self._plan_present(zone_a, zone_r, current_a, network_map)

    def apply(self, outcome: Outcome) -> None:
        outcome.apply(self.client)

    def _plan_present(self, zone_a: dict, zone_r: dict, current_a: dict[str, Detail],
                      network_map: list[dict] | None) -> Outcome:
        nets_a, nets_r = self._shared_networks(zone_a), self._shared_networks(zone_r)
        if network_map is None:  # not managed here: keep what is stored
            pairs = {NETWORK_MAP.suffix(k): d.value for k, d in current_a.items() if NETWORK_MAP.owns(k)}
        else:
            pairs = _resolve_map(network_map, zone_a, nets_a, zone_r, nets_r)
        desired_a = {RECOVERY_ZONE.key(): Detail(zone_r["id"], RECOVERY_ZONE.visible)}
        desired_a.update({NETWORK_MAP.key(a): Detail(r, NETWORK_MAP.visible) for a, r in pairs.items()})
        protects = PROTECTS.key(zone_a["id"])
        link = link_view(zone_a, zone_r, pairs, {**_by_id(nets_a), **_by_id(nets_r)}, "present")
        return _outcome(link, [
            (zone_a, current_a, desired_a, _owner(RECOVERY_ZONE, NETWORK_MAP if network_map is not None else None)),
            (zone_r, self._read(zone_r), {protects: Detail(PROTECTS_VALUE, PROTECTS.visible)}, protects.__eq__),
        ])

    def _plan_absent(self, zones: list[dict], zone_a: dict, recovery: str | None,
                     current_a: dict[str, Detail]) -> Outcome:
        """Remove A's link keys (if they point at R) and R's protects key for A."""
        linked = current_a.get(RECOVERY_ZONE.key())
        zone_r: dict | None
        if recovery is not None:
            zone_r = _find(zones, recovery, "recovery_zone", "zone")
        elif linked:
            zone_r = _by_id(zones).get(linked.value)
        else:
            zone_r = None
        sides: list[Side] = []
        if linked and (zone_r is None or linked.value == zone_r["id"]):
            sides.append((zone_a, current_a, {}, _owner(RECOVERY_ZONE, NETWORK_MAP)))
        if zone_r is not None:  # None when the recovery zone was deleted: nothing left to clean there
            sides.append((zone_r, self._read(zone_r), {}, PROTECTS.key(zone_a["id"]).__eq__))
        return _outcome(link_view(zone_a, zone_r, {}, {}, "absent"), sides)

    def _read(self, zone: dict) -> dict[str, Detail]:
        return details.read(self.client, "Zone", zone["id"], _label(zone))

    def _shared_networks(self, zone: dict) -> list[dict]:
        return self.client.list("listNetworks", _label(zone), zoneid=zone["id"], type="Shared", listall=True)


def _outcome(link: dict, sides: list[Side]) -> Outcome:
    """Compare each side's owned keys with the desired ones: (zone, current, desired, owned)."""
    outcome = Outcome(link)
    for zone, current, desired, owned in sides:
        outcome.compare("Zone", zone, _label(zone), current, desired, owned)
    return outcome


def _label(zone: dict) -> str:
    return f"zone {zone['name']}"


def _resolve_map(network_map: list[dict], zone_a: dict, nets_a: list[dict], zone_r: dict,
                 nets_r: list[dict]) -> dict[str, str]:
    """active network id -> recovery network id, each checked to be a shared network of its zone."""
    pairs: dict[str, str] = {}
    for index, entry in enumerate(network_map):
        option = f"network_map[{index}]"
        net_a = _find(nets_a, entry["active"], f"{option}.active", "shared network", f" of zone {zone_a['name']}")
        net_r = _find(nets_r, entry["recovery"], f"{option}.recovery", "shared network", f" of zone {zone_r['name']}")
        if net_a["id"] in pairs:
            raise InputError(f"{option}.active", f"network {net_a['name']} is mapped twice", "Map each network once")
        pairs[net_a["id"]] = net_r["id"]
    return pairs


def link_view(zone_a: dict, zone_r: dict | None, pairs: dict[str, str], networks: dict[str, dict],
              state: str) -> dict:
    def ref(item_id: str) -> dict:
        return {"id": item_id, "name": networks.get(item_id, {}).get("name")}

    return {
        "active_zone": {"id": zone_a["id"], "name": zone_a["name"]},
        "recovery_zone": {"id": zone_r["id"], "name": zone_r["name"]} if zone_r else None,
        "network_map": [{"active": ref(a), "recovery": ref(r)} for a, r in sorted(pairs.items())],
        "state": state,
    }
