# Copyright: cloudstack.dr contributors
# Apache License 2.0 (see LICENSE)
"""Whether a zone is lost, as CloudStack reports it: the evidence a disaster failover needs before it
force-stops anything there and makes its replicas writable.

CloudStack's view of a lost zone is its hosts': the management server marks a host it cannot reach
Disconnected, then Alert or Down (AgentManagerImpl, the HA investigators). Its primary storage pools stay Up
(StoragePoolStatus has no Down), so they say nothing. A zone with a host still Up (or reconnecting) is not
lost: its VMs may be running, and a forced failover would run them twice. The operator can still confirm a
loss CloudStack does not see (the hosts answer, the storage is gone) by naming the zone.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..client.api import Client
from ..errors import InputError

ALIVE = ("Up", "Connecting", "Rebalancing", "Creating")
SHOWN = 6  # hosts named in a refusal


@dataclass
class Health:
    """A zone's hypervisor hosts as CloudStack reports them."""

    hosts: list[dict]
    alive: list[dict]

    @property
    def lost(self) -> bool:
        return not self.alive

    def text(self) -> str:
        shown = self.alive or self.hosts
        listed = ", ".join(f"{h.get('name')} {h.get('state')}" for h in shown[:SHOWN])
        more = " ..." if len(shown) > SHOWN else ""
        return f"{len(self.alive)} of {len(self.hosts)} hypervisor hosts up ({listed or 'none'}{more})"


def evidence(api: Client, zone_id: str) -> Health:
    """The zone's health: lost when none of its hypervisor hosts is up."""
    hosts = sorted(api.list("listHosts", zoneid=zone_id, type="Routing"), key=lambda h: h.get("name") or "")
    return Health(hosts, [h for h in hosts if h.get("state") in ALIVE])


def check_lost(api: Client, zones: dict[str, str], confirmed: list[str] | None) -> None:
    """An InputError, before any change, unless each of `zones` ({id: name}) is lost by CloudStack's evidence or
    named in `confirmed` (by name or id)."""
    named = set(confirmed or [])
    for zone_id, name in sorted(zones.items(), key=lambda z: z[1]):
        health = evidence(api, zone_id)
        if health.lost or zone_id in named or name in named:
            continue
        raise InputError(
            "confirm_zone_lost",
            f"zone {name} does not look lost: CloudStack reports {health.text()}. A disaster (unplanned) failover "
            "force-stops its VMs and makes its replicas writable, so VMs still running there would run twice",
            f"If {name} is up, fail over with mode planned (-e move_mode=planned); if it is lost all the same, "
            f"confirm it by name: confirm_zone_lost: [{name}] (-e move_confirm_zone_lost={name}), and the failover "
            "fences it first (its hosts powered off through their BMCs, hosts and zone disabled). Nothing was "
            "changed")
