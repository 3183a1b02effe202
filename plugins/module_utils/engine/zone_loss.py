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

from ..client.api import Client
from ..errors import InputError

ALIVE = ("Up", "Connecting", "Rebalancing", "Creating")
SHOWN = 6  # hosts named in a refusal


def evidence(api: Client, zone_id: str) -> tuple[bool, str]:
    """(lost, what CloudStack reports): lost when none of the zone's hypervisor hosts is up."""
    hosts = sorted(api.list("listHosts", zoneid=zone_id, type="Routing"), key=lambda h: h.get("name") or "")
    alive = [h for h in hosts if h.get("state") in ALIVE]
    listed = ", ".join(f"{h.get('name')} {h.get('state')}" for h in (alive or hosts)[:SHOWN])
    more = " ..." if len(alive or hosts) > SHOWN else ""
    return not alive, f"{len(alive)} of {len(hosts)} hypervisor hosts up ({listed or 'none'}{more})"


def check_lost(api: Client, zones: dict[str, str], confirmed: list[str] | None) -> None:
    """An InputError, before any change, unless each of `zones` ({id: name}) is lost by CloudStack's evidence or
    named in `confirmed` (by name or id)."""
    named = set(confirmed or [])
    for zone_id, name in sorted(zones.items(), key=lambda z: z[1]):
        lost, says = evidence(api, zone_id)
        if lost or zone_id in named or name in named:
            continue
        raise InputError(
            "confirm_zone_lost",
            f"zone {name} does not look lost: CloudStack reports {says}. A disaster (unplanned) failover force-stops "
            "its VMs and makes its replicas writable, so VMs still running there would run twice",
            f"If {name} is up, fail over with mode planned (-e move_mode=planned); if it is lost all the same, "
            f"confirm it by name: confirm_zone_lost: [{name}] (-e move_confirm_zone_lost={name}). Nothing was "
            "changed")
