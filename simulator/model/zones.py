"""What a failed zone looks like, and its recovery; what a Disabled zone refuses."""

from .. import errors
from .arrays import before_zone_fails
from .hosts import hosts_in_zone
from .power import host_reconnected


def _set_state(sim, kind, items, state, only_from=None):
    for obj in items:
        if only_from is None or obj["state"] in only_from:
            obj["state"] = state
            sim.store.touch(kind, obj)


def fail_zone(sim, zone):
    """The zone goes dark: hosts Down, its arrays unreachable, hypervisor jobs there fail. VMs keep their last
    state, as CloudStack shows them until HA or an operator acts; a forced stop still works. Its pools stay Up, as
    in CloudStack (StoragePoolStatus has no Down): what needs a host that mounts them fails."""
    before_zone_fails(sim, zone)
    zone["_down"] = True
    sim.store.touch("zone", zone)
    _set_state(sim, "host", hosts_in_zone(sim, zone["id"]), "Down")


def recover_zone(sim, zone):
    """The zone comes back: its hosts reconnect, but a host powered off out of band stays Down. A host that
    reconnects reports the VMs still running on it, and CloudStack follows (model/power.py): a VM force-stopped
    while the zone was dark comes back Running there. Returns those VMs."""
    zone["_down"] = False
    sim.store.touch("zone", zone)
    hosts = [h for h in hosts_in_zone(sim, zone["id"]) if h.get("_power", "On") == "On"]
    _set_state(sim, "host", hosts, "Up")
    return [vm for host in hosts for vm in host_reconnected(sim, host)]


def disabled_for(caller, zone):
    """A Disabled zone refuses what its callers do there, root admins excepted (the many
    `Grouping.AllocationState.Disabled == zone.getAllocationState() && !isRootAdmin` checks)."""
    return zone["allocationstate"] == "Disabled" and not caller.is_root


def zone_by_ref(sim, ref):
    zone = sim.store.get("zone", ref) or sim.store.first("zone", name=ref)
    if zone is None:
        raise errors.invalid(f"No zone named or with id {ref}")
    return zone
