"""Affinity groups: the groups a VM is in, and the hosts they rule out when it starts."""

from .. import errors
from .hosts import hosts_in_zone

AFFINITY_TYPES = ("host anti-affinity", "host affinity")


def groups_of(sim, vm):
    return [g for g in (sim.store.get("affinitygroup", i) for i in vm.get("affinitygroupids") or []) if g]


def group_named(ctx, owner, name):
    group = ctx.store.first("affinitygroup", name=name, accountid=owner["id"])
    if group is None:
        raise errors.invalid(f"Unable to find affinity group by name {name}")
    return group


def excluded_hosts(sim, vm, host=None):
    """Hosts the VM may not go to: all but `host` when one is asked for; anti-affinity peers' hosts;
    for host affinity, every host but the one its running peers use."""
    hosts = {h["id"] for h in hosts_in_zone(sim, vm["zoneid"])}
    excluded = hosts - {host["id"]} if host else set()
    for group in groups_of(sim, vm):
        peers = {v["hostid"] for v in sim.store.all("vm") if v is not vm and v.get("hostid")
                 and group["id"] in (v.get("affinitygroupids") or [])}
        excluded |= peers if group["type"] == "host anti-affinity" else (hosts - peers if peers else set())
    return excluded
