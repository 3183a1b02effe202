"""Zones, pods, clusters and hosts: the list and create commands (the demo seed builds through them)."""

from urllib.parse import urlsplit

from .. import errors
from ..contract import api
from ..model.hosts import usage_by_host
from ..model.units import GIB
from ..views.common import details_of, public, tags_of
from ..views.infra import host_view
from .filters import filter_eq, keyword_filter

# What an added KVM host reports (CloudStack learns it from the agent; addHost has no such params).
HOST_SHAPE = {"cpunumber": 64, "cpuspeed": 2500, "memorytotal": 512 * GIB}


# -- list commands --------------------------------------------------------------------------
@api("listZones")
def list_zones(ctx):
    zones = keyword_filter(ctx, ctx.store.all("zone"))
    zones = filter_eq(ctx, zones, "networktype", as_text=True)
    if not ctx.caller.is_root or ctx.p.get("available"):
        zones = [z for z in zones if z["allocationstate"] == "Enabled"]
    return [zone_view(ctx, z) for z in zones]


def zone_view(ctx, zone):
    """DataCenterJoinDaoImpl.newDataCenterResponse: `resourcedetails` (ApiDBUtils.getResourceDetails: every
    detail for an admin, the displayed ones for others; left out when there is none) and `tags`."""
    view = public(zone)
    view["resourcedetails"] = details_of(ctx.sim, "zone", zone, hidden_too=ctx.caller.is_admin) or None
    view["tags"] = tags_of(ctx, "zone", zone)
    return view


@api("listPods")
def list_pods(ctx):
    pods = keyword_filter(ctx, ctx.store.all("pod"))
    return [public(p) for p in filter_eq(ctx, pods, "zoneid", "allocationstate", as_text=True)]


@api("listClusters")
def list_clusters(ctx):
    clusters = keyword_filter(ctx, ctx.store.all("cluster"))
    clusters = filter_eq(ctx, clusters, "zoneid", "podid", "allocationstate", "clustertype", "managedstate",
                         as_text=True)
    if ctx.has("hypervisor"):
        clusters = [c for c in clusters if c["hypervisortype"].lower() == ctx.p["hypervisor"].lower()]
    return [public(c) for c in clusters]


@api("listHosts")
def list_hosts(ctx):
    hosts = keyword_filter(ctx, ctx.store.all("host"))
    hosts = filter_eq(ctx, hosts, "zoneid", "podid", "clusterid", "state", "type", "resourcestate", "hypervisor",
                      as_text=True)
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
        "domain": ctx.get("domain"), "securitygroupsenabled": False,
        "localstorageenabled": bool(ctx.p.get("localstorageenabled")),  # local pools need it (storage rules)
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
