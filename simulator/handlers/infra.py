"""Zones, pods, clusters and hosts: where VMs run, how much fits, and what a failed zone looks like."""

from urllib.parse import urlsplit

from .. import control, errors
from ..contract import api
from ._common import keyword_filter, public

MIB = 1024 ** 2
GIB = 1024 ** 3
# What an added KVM host reports (CloudStack learns it from the agent; addHost has no such params).
HOST_SHAPE = {"cpunumber": 64, "cpuspeed": 2500, "memorytotal": 512 * GIB}
# Demo topology, small enough to read and big enough for the 1,000-VM benchmark.
DEMO_ZONES = (("zone-a", "10.1"), ("zone-b", "10.2"))
DEMO_HOSTS_PER_CLUSTER = 2
# VM states in which CloudStack counts a VM against its host's capacity
ALLOCATING_STATES = ("Running", "Starting", "Stopping", "Migrating")


def vm_text(vm):
    """How CloudStack's exceptions print a VM (VMInstanceVO.toString)."""
    instance = vm.get("instancename") or f"i-{vm.get('_pk')}-VM"
    return f'VM instance {{"id":{vm.get("_pk")},"instanceName":"{instance}","type":"User","uuid":"{vm["id"]}"}}'


# -- capacity -------------------------------------------------------------------------------
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
    """An Up, Enabled host with room for the VM, chosen at random as CloudStack's default allocator does."""
    usage = usage_by_host(sim)
    candidates = [
        h for h in hosts_in_zone(sim, zone_id)
        if h["state"] == "Up" and h["resourcestate"] == "Enabled" and h["id"] not in exclude
        and _cluster_enabled(sim, h) and fits(h, usage.get(h["id"], (0, 0)), cpunumber, cpuspeed, memory_mb)
    ]
    if not candidates:
        what = vm_text(vm) if vm else f"VM in zone {zone_id}"
        raise errors.capacity(f"Unable to create a deployment for {what}")
    return sim.random.choice(sorted(candidates, key=lambda h: h["name"]))


def _cluster_enabled(sim, host):
    cluster = sim.store.get("cluster", host["clusterid"])
    return cluster is not None and cluster["allocationstate"] == "Enabled"


def percent(part, whole):
    """CloudStack's DecimalFormat("#.##") percentages."""
    value = round(100.0 * part / whole, 2) if whole else 0
    return f"{value:g}%"


def host_view(host, used):
    cpu_used, mem_used = used
    cpu_total = host_cpu_total(host)
    view = public(host)
    view.update(
        cpuallocated=percent(cpu_used, cpu_total), cpuallocatedpercentage=percent(cpu_used, cpu_total),
        cpuallocatedvalue=cpu_used, cpuallocatedwithoverprovisioning=percent(cpu_used, cpu_total),
        cpuwithoverprovisioning=str(cpu_total), memoryallocated=mem_used * MIB, memoryallocatedbytes=mem_used * MIB,
        memoryallocatedpercentage=percent(mem_used * MIB, host["memorytotal"]),
        memorywithoverprovisioning=str(host["memorytotal"]),
    )
    return view


# -- list commands --------------------------------------------------------------------------
def _filter_eq(ctx, items, *names):
    for name in names:
        if ctx.has(name):
            items = [i for i in items if str(i.get(name)) == str(ctx.p[name])]
    return items


@api("listZones")
def list_zones(ctx):
    zones = keyword_filter(ctx, ctx.store.all("zone"))
    zones = _filter_eq(ctx, zones, "networktype")
    if not ctx.caller.is_root or ctx.p.get("available"):
        zones = [z for z in zones if z["allocationstate"] == "Enabled"]
    return [public(z) for z in zones]


@api("listPods")
def list_pods(ctx):
    return [public(p) for p in _filter_eq(ctx, keyword_filter(ctx, ctx.store.all("pod")), "zoneid", "allocationstate")]


@api("listClusters")
def list_clusters(ctx):
    clusters = keyword_filter(ctx, ctx.store.all("cluster"))
    clusters = _filter_eq(ctx, clusters, "zoneid", "podid", "allocationstate", "clustertype", "managedstate")
    if ctx.has("hypervisor"):
        clusters = [c for c in clusters if c["hypervisortype"].lower() == ctx.p["hypervisor"].lower()]
    return [public(c) for c in clusters]


@api("listHosts")
def list_hosts(ctx):
    hosts = keyword_filter(ctx, ctx.store.all("host"))
    hosts = _filter_eq(ctx, hosts, "zoneid", "podid", "clusterid", "state", "type", "resourcestate", "hypervisor")
    if ctx.has("virtualmachineid"):
        vm = ctx.lookup("vm", "virtualmachineid")
        hosts = [h for h in hosts if h["id"] != vm.get("hostid")]  # the hosts it could migrate to
    usage = usage_by_host(ctx.sim)
    return [host_view(h, usage.get(h["id"], (0, 0))) for h in hosts]


# -- create commands (the seed builds the demo through them) --------------------------------
def _refuse_duplicate(ctx, kind, text, **eq):
    if ctx.store.first(kind, **eq):
        raise errors.invalid(text)


@api("createZone")
def create_zone(ctx):
    _refuse_duplicate(ctx, "zone", f"A zone with name: {ctx.p['name']} already exists", name=ctx.p["name"])
    networktype = ctx.p["networktype"].capitalize()
    if networktype not in ("Advanced", "Basic"):
        raise errors.invalid(f"Invalid network type {ctx.p['networktype']}")
    zone = ctx.store.add("zone", {
        "name": ctx.p["name"], "networktype": networktype, "allocationstate": ctx.get("allocationstate", "Enabled"),
        "dns1": ctx.p["dns1"], "dns2": ctx.get("dns2"), "internaldns1": ctx.p["internaldns1"],
        "internaldns2": ctx.get("internaldns2"), "guestcidraddress": ctx.get("guestcidraddress", "10.1.0.0/16"),
        "domain": ctx.get("domain"), "securitygroupsenabled": False, "localstorageenabled": False,
        "type": "Core", "_down": False,
    })
    ctx.event("ZONE.CREATE", f"Successfully completed creating zone. Zone Name: {zone['name']}")
    return public(zone)


@api("createPod")
def create_pod(ctx):
    zone = ctx.lookup("zone", "zoneid")
    _refuse_duplicate(ctx, "pod", f"A pod with name: {ctx.p['name']} already exists in zone {zone['id']}. "
                      "Please specify a different pod name. ", name=ctx.p["name"], zoneid=zone["id"])
    pod = ctx.store.add("pod", {
        "name": ctx.p["name"], "zoneid": zone["id"], "zonename": zone["name"], "gateway": ctx.get("gateway"),
        "netmask": ctx.get("netmask"), "startip": ctx.get("startip"), "endip": ctx.get("endip"),
        "allocationstate": ctx.get("allocationstate", "Enabled"),
    })
    return public(pod)


@api("addCluster")
def add_cluster(ctx):
    zone, pod = ctx.lookup("zone", "zoneid"), ctx.lookup("pod", "podid")
    if pod["zoneid"] != zone["id"]:
        raise errors.invalid(f"Pod {pod['id']} does not belong to zone {zone['id']}")
    _refuse_duplicate(ctx, "cluster", f"Cluster with name {ctx.p['clustername']} already exists in Pod with ID: "
                      f"{pod['_pk']}", name=ctx.p["clustername"], podid=pod["id"])
    cluster = ctx.store.add("cluster", {
        "name": ctx.p["clustername"], "zoneid": zone["id"], "zonename": zone["name"], "podid": pod["id"],
        "podname": pod["name"], "hypervisortype": ctx.p["hypervisor"], "clustertype": ctx.p["clustertype"],
        "allocationstate": ctx.get("allocationstate", "Enabled"), "managedstate": "Managed",
        "cpuovercommitratio": "1.0", "memoryovercommitratio": "1.0", "arch": "x86_64",
    })
    return public(cluster)


@api("addHost")
def add_host(ctx):
    zone, pod = ctx.lookup("zone", "zoneid"), ctx.lookup("pod", "podid")
    cluster = ctx.lookup("cluster", "clusterid", required=False) or ctx.store.first(
        "cluster", podid=pod["id"], name=ctx.get("clustername"))
    if cluster is None:
        raise errors.invalid("Cluster id or cluster name is required to add a host")
    address = urlsplit(ctx.p["url"]).hostname or ctx.p["url"]
    if ctx.store.first("host", ipaddress=address):
        raise errors.in_use(f"A host with the IP address {address} is already in the system")
    host = ctx.store.add("host", dict(
        HOST_SHAPE, name=address, zoneid=zone["id"], zonename=zone["name"], podid=pod["id"], podname=pod["name"],
        clusterid=cluster["id"], clustername=cluster["name"], clustertype=cluster["clustertype"],
        hypervisor=ctx.p["hypervisor"], type="Routing", state="Up", resourcestate="Enabled", ipaddress=address,
        hosttags=",".join(ctx.p.get("hosttags") or []) or None, hahost=False, arch="x86_64", version="4.22.0.0",
        hypervisorversion="8.0.0",
    ))
    return [host_view(host, (0, 0))]


# -- zone failure ---------------------------------------------------------------------------
def _set_state(sim, kind, items, state, only_from=None):
    for obj in items:
        if only_from is None or obj["state"] in only_from:
            obj["state"] = state
            sim.store.touch(kind, obj)


def fail_zone(sim, zone):
    """The zone goes dark: hosts Down, pools Down, hypervisor jobs there fail. VMs keep their last state,
    as CloudStack shows them until HA or an operator acts; a forced stop still works."""
    from .storage import before_zone_fails  # storage depends on infra, not the other way round

    before_zone_fails(sim, zone)
    zone["_down"] = True
    sim.store.touch("zone", zone)
    _set_state(sim, "host", hosts_in_zone(sim, zone["id"]), "Down")
    _set_state(sim, "storagepool", sim.store.find("storagepool", zoneid=zone["id"]), "Down", only_from=("Up",))


def recover_zone(sim, zone):
    zone["_down"] = False
    sim.store.touch("zone", zone)
    _set_state(sim, "host", hosts_in_zone(sim, zone["id"]), "Up")
    _set_state(sim, "storagepool", sim.store.find("storagepool", zoneid=zone["id"]), "Up", only_from=("Down",))


def zone_by_ref(sim, ref):
    zone = sim.store.get("zone", ref) or sim.store.first("zone", name=ref)
    if zone is None:
        raise errors.invalid(f"No zone named or with id {ref}")
    return zone


def _zone_summary(sim, zone):
    return {"zone": zone["name"], "down": zone["_down"],
            "hosts": {h["name"]: h["state"] for h in hosts_in_zone(sim, zone["id"])},
            "pools": {p["name"]: p["state"] for p in sim.store.find("storagepool", zoneid=zone["id"])}}


@control.op("fail-zone")
def op_fail_zone(sim, zone):
    """Fail a zone (name or id): hosts and pools Down, jobs needing its hypervisors fail."""
    zone = zone_by_ref(sim, zone)
    fail_zone(sim, zone)
    return _zone_summary(sim, zone)


@control.op("recover-zone")
def op_recover_zone(sim, zone):
    """Bring a failed zone back: hosts and pools Up."""
    zone = zone_by_ref(sim, zone)
    recover_zone(sim, zone)
    return _zone_summary(sim, zone)


# -- demo -----------------------------------------------------------------------------------
def seed_demo(sim, ctx):
    """Two advanced KVM zones, each with one pod, one cluster and DEMO_HOSTS_PER_CLUSTER hosts."""
    for name, net in DEMO_ZONES:
        zone = sim.run_now(ctx.caller, "createZone", {
            "name": name, "networktype": "Advanced", "dns1": "8.8.8.8", "internaldns1": f"{net}.0.2",
            "guestcidraddress": "10.100.0.0/16"})
        pod = sim.run_now(ctx.caller, "createPod", {
            "zoneid": zone["id"], "name": f"{name}-pod1", "gateway": f"{net}.1.1", "netmask": "255.255.255.0",
            "startip": f"{net}.1.100", "endip": f"{net}.1.199"})
        cluster = sim.run_now(ctx.caller, "addCluster", {
            "zoneid": zone["id"], "podid": pod["id"], "clustername": f"{name}-cluster1", "hypervisor": "KVM",
            "clustertype": "CloudManaged"})
        add_hosts(sim, ctx.caller, cluster, DEMO_HOSTS_PER_CLUSTER)


def add_hosts(sim, caller, cluster, count):
    """Add `count` more KVM hosts to a cluster (seed-tenants uses it to make room for big topologies)."""
    subnet = sim.store.get("pod", cluster["podid"])["gateway"].rsplit(".", 1)[0]
    first = len(sim.store.find("host", podid=cluster["podid"])) + 11
    return [sim.run_now(caller, "addHost", {
        "zoneid": cluster["zoneid"], "podid": cluster["podid"], "clusterid": cluster["id"], "hypervisor": "KVM",
        "url": f"http://{subnet}.{n}", "username": "root", "password": "password"})[0]
        for n in range(first, first + count)]
