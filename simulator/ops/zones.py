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
    """Bring a failed zone back: its hosts reconnect (those powered off stay Down) and report the VMs still running
    on them, which CloudStack turns Running (`resynced`: the VMs force-stopped while the zone was dark)."""
    zone = zone_by_ref(sim, zone)
    resynced = recover_zone(sim, zone)
    return dict(_zone_summary(sim, zone), resynced=sorted(vm["name"] for vm in resynced))
