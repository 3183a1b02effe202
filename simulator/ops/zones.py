"""Control ops that fail a zone and bring it back."""

from .. import control
from ..model.hosts import hosts_in_zone
from ..model.zones import fail_zone, recover_zone, zone_by_ref


def _zone_summary(sim, zone):
    return {"zone": zone["name"], "down": zone["_down"],
            "hosts": {h["name"]: h["state"] for h in hosts_in_zone(sim, zone["id"])},
            "pools": {p["name"]: p["state"] for p in sim.store.find("storagepool", zoneid=zone["id"])}}


@control.op("fail-zone")
def op_fail_zone(sim, zone):
    """Fail a zone (name or id): hosts Down (its pools stay Up, as in CloudStack), jobs needing its hypervisors fail."""
    zone = zone_by_ref(sim, zone)
    fail_zone(sim, zone)
    return _zone_summary(sim, zone)


@control.op("recover-zone")
def op_recover_zone(sim, zone):
    """Bring a failed zone back: hosts and pools Up."""
    zone = zone_by_ref(sim, zone)
    recover_zone(sim, zone)
    return _zone_summary(sim, zone)
