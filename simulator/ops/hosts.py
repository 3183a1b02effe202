"""Control ops on hosts' out-of-band side: cut or restore a host's BMC (its power actions then fail as a
driver that gets no answer does), and read what the machines' power really is."""

from .. import control
from ..errors import PARAM_ERROR, ApiError
from ..model.oobm import sync_power


def _host(sim, ref):
    host = sim.store.get("host", ref) or sim.store.first("host", name=ref)
    if host is None:
        raise ApiError(PARAM_ERROR, f"No host named or with id {ref}")
    return host


@control.op("bmc")
def op_bmc(sim, host, reachable="true"):
    """Make a host's BMC reachable or not (reachable=false: every out-of-band action on it fails, and the
    background power sync of an enabled host reads its power Unknown, at once here)."""
    host = _host(sim, host)
    host["_bmc_reachable"] = str(reachable).lower() == "true"
    sim.store.touch("host", host)
    if (host.get("_oobm") or {}).get("enabled"):
        sync_power(sim, host)
    return {"host": host["name"], "bmc_reachable": host["_bmc_reachable"], "power": host.get("_power", "On")}


@control.op("power")
def op_power(sim, zone=None):
    """The machines' real power and agent state, per host (of one zone, by name or id, if given)."""
    hosts = sim.store.all("host")
    if zone:
        found = sim.store.get("zone", zone) or sim.store.first("zone", name=zone)
        hosts = [h for h in hosts if found and h["zoneid"] == found["id"]]
    return {h["name"]: {"power": h.get("_power", "On"), "state": h["state"],
                        "bmc_reachable": h.get("_bmc_reachable", True)} for h in hosts}
