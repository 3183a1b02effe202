"""Affinity groups: the groups a VM is in, and the hosts they rule out when it starts."""

from .. import errors
from .hosts import hosts_in_zone

# The processors a stock 4.20 has, in the order of AffinityGroupServiceImpl's HashMap (Java String hash buckets;
# the two non-strict types share a bucket, assumed in module order).
AFFINITY_TYPES = ("ExplicitDedication", "host affinity", "non-strict host affinity", "non-strict host anti-affinity",
                  "host anti-affinity")
ADMIN_CONTROLLED = ("ExplicitDedication",)  # isAdminControlledGroup; also the only one shared domain wide


def groups_of(sim, vm):
    return [g for g in (sim.store.get("affinitygroup", i) for i in vm.get("affinitygroupids") or []) if g]


def group_named(ctx, owner, name):
    group = ctx.store.first("affinitygroup", name=name, accountid=owner["id"])
    if group is None:
        raise errors.invalid(f"Unable to find affinity group by name {name}")
    return group


def excluded_hosts(sim, vm, host=None):
    """Hosts the VM may not go to: all but `host` when one is asked for; anti-affinity peers' hosts;
    for host affinity, every host but the one its running peers use. The non-strict types only order the
    candidates in CloudStack (host priorities), and ExplicitDedication groups name no dedicated resource here:
    neither rules a host out."""
    hosts = {h["id"] for h in hosts_in_zone(sim, vm["zoneid"])}
    excluded = hosts - {host["id"]} if host else set()
    for group in groups_of(sim, vm):
        peers = {v["hostid"] for v in sim.store.all("vm") if v is not vm and v.get("hostid")
                 and group["id"] in (v.get("affinitygroupids") or [])}
        if group["type"] == "host anti-affinity":
            excluded |= peers
        elif group["type"] == "host affinity":
            excluded |= hosts - peers if peers else set()
    return excluded
