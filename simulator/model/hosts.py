"""Host capacity and placement: what VMs use on each host, and CloudStack's random allocator."""

from .. import errors
from .configs import setting
from .texts import vm_text
from .units import MIB

# VM states in which CloudStack counts a VM against its host's capacity
ALLOCATING_STATES = ("Running", "Starting", "Stopping", "Migrating")


def usage_by_host(sim):
    """{host id: (cpu MHz, memory MB)} allocated to VMs, computed in one pass over the VMs."""
    usage = {}
    for vm in sim.store.all("vm"):
        if vm.get("hostid") and vm.get("state") in ALLOCATING_STATES:
            cpu, mem = usage.get(vm["hostid"], (0, 0))
            usage[vm["hostid"]] = (cpu + vm["cpunumber"] * vm["cpuspeed"], mem + vm["memory"])
    return usage


def host_cpu_total(host):
    return host["cpunumber"] * host["cpuspeed"]


def fits(host, used, cpunumber, cpuspeed, memory_mb):
    cpu_used, mem_used = used
    return (host["cpunumber"] >= cpunumber and host["cpuspeed"] >= cpuspeed
            and cpu_used + cpunumber * cpuspeed <= host_cpu_total(host)
            and (mem_used + memory_mb) * MIB <= host["memorytotal"])


def hosts_in_zone(sim, zone_id):
    return sim.store.find("host", zoneid=zone_id)


def pick_host(sim, zone_id, cpunumber, cpuspeed, memory_mb, exclude=(), vm=None):
    """An Up, Enabled host with room for the VM, chosen at random as CloudStack's default allocator does.

    DeploymentPlanningManagerImpl.avoidDisabledResources: a Disabled zone, pod or cluster and a host whose
    resource state is not Enabled are avoided for every VM, unless its owner has the root admin role and
    allow.admin.vm.on.disabled.resources is true."""
    usage = usage_by_host(sim)
    disabled_ok = _may_use_disabled(sim, vm)
    candidates = [
        h for h in hosts_in_zone(sim, zone_id)
        if h["state"] == "Up" and h["id"] not in exclude and (disabled_ok or _enabled(sim, h))
        and h["resourcestate"] in ("Enabled", "Disabled")
        and fits(h, usage.get(h["id"], (0, 0)), cpunumber, cpuspeed, memory_mb)
    ]
    if not candidates:
        what = vm_text(vm) if vm else f"VM in zone {zone_id}"
        raise errors.capacity(f"Unable to create a deployment for {what}")
    return sim.random.choice(sorted(candidates, key=lambda h: h["name"]))


def _may_use_disabled(sim, vm):
    owner = sim.store.get("account", (vm or {}).get("accountid"))
    return bool(owner and owner["accounttype"] == 1 and setting(sim, "allow.admin.vm.on.disabled.resources") == "true")


def _enabled(sim, host):
    """The host, its cluster, pod and zone are all enabled for allocation."""
    cluster = sim.store.get("cluster", host["clusterid"])
    pod = sim.store.get("pod", host["podid"])
    zone = sim.store.get("zone", host["zoneid"])
    return (host["resourcestate"] == "Enabled" and all(o is not None and o["allocationstate"] == "Enabled"
                                                       for o in (cluster, pod, zone)))
