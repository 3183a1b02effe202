"""The benchmark topology of `ctl seed-tenants`: many tenant accounts, each with an isolated network,
and VMs spread over them, built through the API and flushed once.

CloudStack limits every account (max.account.*: 20 VMs, 20 volumes, 200 GiB of primary storage...) and
every domain below ROOT (max.domain.*). An operator protecting big accounts raises their limits, so this
seed does what the operator would, through updateResourceLimit: the customers domain is not capped, and
each tenant account gets DR_ROOM times what its VMs take (the originals, the never-started recovery VMs
a DR tool prepares, and the replicas a failover imports while the originals are kept).
"""

import math

from ..context import Context
from ..errors import ApiError
from ..model.accounts import add_account, add_domain
from ..model.attach import attach
from ..model.hosts import pick_host
from ..model.limits import TYPES
from ..model.public_ips import add_public_range
from ..model.templates import in_zone
from ..model.units import GIB
from ..model.volumes import new_data_volume
from ..model.zones import zone_by_ref
from .common import add_hosts, write_markers

HOSTS_PER_GROWTH = 4
IP_EVERY = 4  # every IP_EVERY-th VM gets a public IP with a port-forwarding rule
DR_ROOM = 3  # the limits a tenant gets: this many times what its seeded VMs take
COUNTED = ("user_vm", "public_ip", "volume", "network", "vpc", "cpu", "memory", "primary_storage")


def seed_tenants(sim, accounts, vms, zone, dr_fraction, volumes_max, start, recovery_zone):
    """`accounts` tenant accounts in domain customers, each with an isolated network, and `vms` VMs
    spread over them (DR offerings for a fraction, 1..volumes_max volumes each, content markers, some
    with a public IP and a port-forwarding rule); hosts are added when capacity runs out. A recovery
    zone, if named, gets as many hosts added and free public IPs for twice what was seeded (mirrors
    and source NATs): room to fail every VM over. Returns what it built."""
    zone = zone_by_ref(sim, zone)
    root = sim.root_caller()
    ctx = Context(sim, root, sim.spec.get("attachVolume"), {})
    _ensure_public_ips(sim, zone, accounts + vms // IP_EVERY + 1)
    if recovery_zone:
        _ensure_public_ips(sim, zone_by_ref(sim, recovery_zone), 2 * (accounts + vms // IP_EVERY + 1))
    tenants = _tenant_accounts(sim, accounts)
    _raise_limits(sim, root, tenants, vms, int(volumes_max))
    nets = [_tenant_network(sim, root, a, zone) for a in tenants]
    template = next(t for t in sim.store.all("template") if in_zone(t, zone["id"]))
    volumes = hosts_added = 0
    for k in range(vms):
        dr = int((k + 1) * float(dr_fraction)) > int(k * float(dr_fraction))  # spreads DR VMs evenly
        offering, disk = _offering(sim, "serviceoffering", dr), _offering(sim, "diskoffering", dr)
        if start:
            hosts_added += _make_room(sim, zone, offering)
        account, net = tenants[k % accounts], nets[k % accounts]
        disks = k % int(volumes_max)  # 0..volumes_max-1 data disks besides the root
        view = sim.run_now(root, "deployVirtualMachine", {
            "name": f"{account['name']}-vm-{k}", "zoneid": zone["id"], "templateid": template["id"],
            "serviceofferingid": offering["id"], "networkids": [net["id"]], "account": account["name"],
            "domainid": account["domainid"], "startvm": start, "diskofferingid": disks and disk["id"] or None},
            flush=False)
        vm = sim.store.get("vm", view["id"])
        _extra_disks(sim, ctx, vm, max(0, disks - 1), disk)
        volumes += 1 + disks
        if start:
            write_markers(sim, vm)
        if k % IP_EVERY == 0:
            _expose(sim, root, vm, net, 2200 + k // accounts)
    if recovery_zone and hosts_added:
        rz = zone_by_ref(sim, recovery_zone)
        add_hosts(sim, root, sim.store.first("cluster", zoneid=rz["id"]), hosts_added)
    sim.store.flush()
    return {"accounts": accounts, "vms": vms, "volumes": volumes, "hosts_added": hosts_added}


def _offering(sim, kind, dr):
    """The DR-tagged active offering of a kind (storage tag dr), or an untagged one; never the compute-only disk
    offering behind a service offering."""
    return next(o for o in sim.store.all(kind) if o.get("state") == "Active" and not o.get("_computeonly")
                and (o.get("tags") == "dr") == dr)


def _ensure_public_ips(sim, zone, wanted):
    """Add /24 public ranges (100.64.0.0/10) to the zone until `wanted` addresses are free."""
    taken = {ip["ipaddress"] for ip in sim.store.all("publicip")}  # addresses are unique across zones
    block = 0
    while len(sim.store.find("publicip", zoneid=zone["id"], state="Free")) < wanted:
        cidr = f"100.{64 + block // 256}.{block % 256}.0/24"
        if f"100.{64 + block // 256}.{block % 256}.1" not in taken:
            add_public_range(sim, zone, cidr)
        block += 1


def _make_room(sim, zone, offering):
    """Add hosts to the zone's first cluster until the offering fits (the benchmark's big topologies)."""
    try:
        pick_host(sim, zone["id"], offering["cpunumber"], offering["cpuspeed"], offering["memory"])
        return 0
    except ApiError:
        add_hosts(sim, sim.root_caller(), sim.store.first("cluster", zoneid=zone["id"]), HOSTS_PER_GROWTH)
        return HOSTS_PER_GROWTH


def _tenant_accounts(sim, count):
    """`count` new user accounts in domain customers, numbered after the ones already there."""
    store = sim.store
    domain = store.first("domain", name="customers") or add_domain(store, "customers", store.first("domain",
                                                                                                   path="ROOT"))
    first = len(store.find("account", domainid=domain["id"]))
    return [add_account(store, f"tenant-{n:04d}", domain) for n in range(first, first + count)]


def _raise_limits(sim, root, tenants, vms, volumes_max):
    """updateResourceLimit as the root admin: no cap on domain customers, and on each tenant account DR_ROOM times
    what its share of the `vms` VMs (VM k is tenant k's modulo the tenants) takes with their volumes and IPs."""
    if not tenants:
        return
    for rtype in COUNTED:
        sim.run_now(root, "updateResourceLimit", {"domainid": tenants[0]["domainid"],
                                                  "resourcetype": TYPES.index(rtype), "max": -1}, flush=False)
    offerings = [_offering(sim, "serviceoffering", dr) for dr in (True, False)]
    disk = max(_offering(sim, "diskoffering", dr)["disksize"] for dr in (True, False))
    root_gib = max(t["size"] for t in sim.store.all("template")) / GIB
    for n, account in enumerate(tenants):
        mine = range(n, vms, len(tenants))
        need = {"user_vm": len(mine), "public_ip": sum(k % IP_EVERY == 0 for k in mine) + 1,
                "volume": sum(1 + k % volumes_max for k in mine),
                "cpu": len(mine) * max(o["cpunumber"] for o in offerings),
                "memory": len(mine) * max(o["memory"] for o in offerings),
                "primary_storage": math.ceil(sum(root_gib + k % volumes_max * disk for k in mine))}
        for rtype, amount in need.items():
            sim.run_now(root, "updateResourceLimit", {
                "account": account["name"], "domainid": account["domainid"], "resourcetype": TYPES.index(rtype),
                "max": DR_ROOM * amount}, flush=False)


def _tenant_network(sim, root, account, zone):
    offering = next(o for o in sim.store.all("networkoffering") if o["guestiptype"] == "Isolated"
                    and not o.get("forvpc") and "SourceNat" in o["supportedservices"])
    return sim.run_now(root, "createNetwork", {
        "name": f"{account['name']}-net", "zoneid": zone["id"], "networkofferingid": offering["id"],
        "account": account["name"], "domainid": account["domainid"]}, flush=False)


def _extra_disks(sim, ctx, vm, count, disk):
    zone = sim.store.get("zone", vm["zoneid"])
    owner = sim.store.get("account", vm["accountid"])
    for i in range(count):
        vol = new_data_volume(ctx, owner, zone, disk, None, f"DATA-{vm['_pk']}-{i + 2}")
        attach(sim, vol, vm, None)


def _expose(sim, root, vm, net, port):
    ip = sim.run_now(root, "associateIpAddress", {"networkid": net["id"]}, flush=False)
    sim.run_now(root, "createPortForwardingRule", {"ipaddressid": ip["id"], "virtualmachineid": vm["id"],
                                                   "protocol": "tcp", "publicport": port, "privateport": 22},
                flush=False)
