"""Pods, clusters and hosts: list, create and update (ConfigurationManagerImpl.createPod,
ResourceManagerImpl.discoverCluster / discoverHosts / updateHost, ManagementServerImpl.searchForPods /
searchForClusters, QueryManagerImpl.searchForServers). The demo seed builds through them."""

import ipaddress
from urllib.parse import urlsplit

from .. import errors
from ..contract import api
from ..model.hosts import usage_by_host
from ..model.texts import host_text, pod_text, zone_text
from ..model.units import GIB
from ..model.zones import disabled_for
from ..views.infra import cluster_view, host_view, pod_view
from .filters import filter_eq, keyword_filter

# What an added KVM host reports (CloudStack learns it from the agent; addHost has no such params).
HOST_SHAPE = {"cpunumber": 64, "cpuspeed": 2500, "memorytotal": 512 * GIB}
# Hypervisor.HypervisorType names (resolved case-insensitively), and those a stock 4.20 has a discoverer for.
HYPERVISORS = {h.lower(): h for h in ("XenServer", "KVM", "VMware", "Hyperv", "VirtualBox", "Parralels", "BareMetal",
                                      "Simulator", "Ovm", "Ovm3", "LXC", "Custom", "Any", "None")}
DISCOVERERS = ("KVM", "XenServer", "VMware", "LXC", "Ovm3")
CLUSTER_TYPES = ("CloudManaged", "ExternalManaged")
ARCHES = ("x86_64", "i686", "aarch64")


# -- pods ------------------------------------------------------------------------------------------
@api("listPods")
def list_pods(ctx):
    pods = keyword_filter(ctx, ctx.store.all("pod"))
    return [pod_view(p) for p in filter_eq(ctx, pods, "zoneid", "allocationstate", as_text=True)]


def _ip4(value):
    try:
        return ipaddress.IPv4Address(value)
    except ValueError:
        return None


def _check_pod_range(ctx, name, zone):
    """ConfigurationManagerImpl.createPod / checkPodAttributes for a zone that is not an edge zone."""
    start, end, gateway, netmask = (ctx.get(p) for p in ("startip", "endip", "gateway", "netmask"))
    if start is None or _ip4(start) is None:
        raise errors.invalid("The start IP is invalid")
    if end is not None and _ip4(end) is None:
        raise errors.invalid("The end IP is invalid")
    if gateway is None or _ip4(gateway) is None:
        raise errors.invalid("The gateway is invalid")
    try:
        cidr = ipaddress.IPv4Network(f"{gateway}/{netmask}", strict=False)
    except (ValueError, TypeError):
        raise errors.invalid("The netmask is invalid") from None
    end = end or str(cidr.broadcast_address - 1)
    if ctx.store.first("pod", name=name, zoneid=zone["id"]):
        raise errors.invalid(f"A pod with name: {name} already exists in zone {zone_text(zone)}. Please specify a "
                             "different pod name. ")
    for ip, what in ((start, "start"), (end, "end")):
        if _ip4(ip) not in cidr:
            raise errors.invalid(f"The {what} address of the IP range is not in the CIDR subnet.")
    if _ip4(start) > _ip4(end):
        raise errors.invalid("The start IP address must have a lower value than the end IP address.")
    if _ip4(start) <= _ip4(gateway) <= _ip4(end):
        raise errors.invalid("The gateway shouldn't overlap start/end ip addresses")
    return start, end, str(cidr.netmask)


def _allocation_state(ctx, default="Enabled"):
    state = ctx.get("allocationstate", default)
    if state not in ("Enabled", "Disabled"):
        raise errors.invalid(f"Unable to resolve Allocation State '{state}' to a supported state")
    return state


@api("createPod")
def create_pod(ctx):
    zone = ctx.lookup("zone", "zoneid")
    if disabled_for(ctx.caller, zone):
        raise errors.denied(f"Cannot perform this operation, Zone is currently disabled: {zone_text(zone)}")
    start, end, netmask = _check_pod_range(ctx, ctx.p["name"], zone)
    pod = ctx.store.add("pod", {
        "name": ctx.p["name"], "zoneid": zone["id"], "zonename": zone["name"], "gateway": ctx.p["gateway"],
        "netmask": netmask, "startip": start, "endip": end, "allocationstate": _allocation_state(ctx),
    })
    ctx.event("POD.CREATE", "Successfully completed creating pod")
    return pod_view(pod)


# -- clusters --------------------------------------------------------------------------------------
@api("listClusters")
def list_clusters(ctx):
    clusters = keyword_filter(ctx, ctx.store.all("cluster"), "name", "hypervisortype")
    clusters = filter_eq(ctx, clusters, "zoneid", "podid", "allocationstate", "clustertype", "managedstate",
                         as_text=True)
    if ctx.has("hypervisor"):
        clusters = [c for c in clusters if c["hypervisortype"].lower() == ctx.p["hypervisor"].lower()]
    return [cluster_view(ctx.sim, c) for c in clusters]


@api("addCluster")
def add_cluster(ctx):
    """ResourceManagerImpl.discoverCluster; AddClusterCmd answers a list."""
    arch = ctx.get("arch", "x86_64")
    if arch not in ARCHES:  # CPU.CPUArch.fromType throws a CloudRuntimeException
        raise errors.internal_for(ctx.caller, f"Unsupported arch type: {arch}")
    zone, pod = ctx.lookup("zone", "zoneid"), ctx.lookup("pod", "podid")
    if disabled_for(ctx.caller, zone):
        raise errors.denied("Cannot perform this operation, Zone with specified id is currently disabled")
    if pod["zoneid"] != zone["id"]:
        raise errors.invalid(f"Pod with specified id doesn't belong to the zone {zone_text(zone)}")
    hypervisor = HYPERVISORS.get(ctx.p["hypervisor"].lower(), "None")
    if zone.get("securitygroupsenabled") and zone["networktype"] == "Advanced" and hypervisor not in (
            "KVM", "XenServer", "LXC", "Simulator"):
        raise errors.invalid(f"Don't support hypervisor type {hypervisor} in advanced security enabled zone")
    clustertype = ctx.get("clustertype", "CloudManaged")
    if clustertype not in CLUSTER_TYPES:
        raise errors.invalid(f"No enum constant com.cloud.org.Cluster.ClusterType.{clustertype}")
    state = _allocation_state(ctx)
    if hypervisor not in DISCOVERERS:
        raise errors.invalid(f"Could not find corresponding resource manager for {ctx.p['hypervisor']}")
    if ctx.store.first("cluster", name=ctx.p["clustername"], podid=pod["id"]):  # unique key (pod_id, name)
        raise errors.internal(f"Unable to create cluster {ctx.p['clustername']} in pod and data center with "
                              "specified ids")
    if clustertype == "ExternalManaged":  # a vCenter (or other manager) the simulator cannot discover
        raise errors.internal("Unable to add the external cluster")
    cluster = ctx.store.add("cluster", {
        "name": ctx.p["clustername"], "zoneid": zone["id"], "zonename": zone["name"], "podid": pod["id"],
        "podname": pod["name"], "hypervisortype": hypervisor, "clustertype": clustertype, "allocationstate": state,
        "managedstate": "Managed", "arch": arch,
    })
    for key in ("cpuOvercommitRatio", "memoryOvercommitRatio"):  # CapacityManager's overprovisioning factors
        ctx.store.add("detail", {"resource_kind": "cluster", "resource_pk": cluster["_pk"], "key": key,
                                 "value": "1.0", "fordisplay": True})
    return [cluster_view(ctx.sim, cluster)]


# -- hosts -----------------------------------------------------------------------------------------
@api("listHosts")
def list_hosts(ctx):
    hosts = keyword_filter(ctx, ctx.store.all("host"), "name", "state", "type")
    hosts = filter_eq(ctx, hosts, "zoneid", "podid", "clusterid", "state", "type", "resourcestate", as_text=True)
    if ctx.has("hypervisor"):
        hosts = [h for h in hosts if h["hypervisor"].lower() == ctx.p["hypervisor"].lower()]
    if ctx.p.get("outofbandmanagementenabled") is not None:
        hosts = [h for h in hosts if bool((h.get("_oobm") or {}).get("enabled")) == ctx.p["outofbandmanagementenabled"]]
    if ctx.has("outofbandmanagementpowerstate"):
        hosts = [h for h in hosts if (h.get("_oobm") or {}).get("powerstate", "Disabled")
                 == ctx.p["outofbandmanagementpowerstate"]]
    if ctx.has("virtualmachineid"):
        vm = ctx.lookup("vm", "virtualmachineid")
        hosts = [h for h in hosts if h["id"] != vm.get("hostid")]  # the hosts it could migrate to
    usage = usage_by_host(ctx.sim)
    return [host_view(h, usage.get(h["id"], (0, 0))) for h in hosts]


def _host_cluster(ctx, pod):
    """The cluster addHost names: by id, or by name (made when missing, ResourceManagerImpl.discoverHostsFull)."""
    if ctx.has("clusterid") and ctx.has("clustername"):
        raise errors.invalid("Can't specify cluster by both id and name")
    cluster = ctx.lookup("cluster", "clusterid", required=False)
    if cluster is None:
        name = ctx.get("clustername") or f"Standalone-{ctx.p['url']}"
        cluster = ctx.store.first("cluster", podid=pod["id"], name=name)
    return cluster, ctx.get("clustername") or f"Standalone-{ctx.p['url']}"


@api("addHost")
def add_host(ctx):
    """ResourceManagerImpl.discoverHosts / discoverHostsFull with the KVM discoverer (LibvirtServerDiscoverer.find):
    a host already in the zone, a cluster of another hypervisor or a URL that is not http:// is not found."""
    zone, pod = ctx.lookup("zone", "zoneid"), ctx.lookup("pod", "podid")
    if disabled_for(ctx.caller, zone):
        raise errors.denied("Cannot perform this operation, Zone with specified id is currently disabled")
    if pod["zoneid"] != zone["id"]:
        raise errors.invalid(f"Pod with specified pod {pod_text(pod)} doesn't belong to the zone with specified "
                             f"zone {zone_text(zone)}")
    cluster, cluster_name = _host_cluster(ctx, pod)
    hypervisor = ctx.p["hypervisor"]
    if hypervisor.lower() == "kvm" and not ctx.get("username"):
        raise errors.invalid("Username need to be provided.")
    if hypervisor.lower() not in ("kvm", "vmware") and not (ctx.get("username") and ctx.get("password")):
        raise errors.invalid("Username and Password need to be provided.")
    url = ctx.p["url"]
    parts = urlsplit(url)
    if not parts.scheme:
        raise errors.invalid(f"uri.scheme is null {url}, add nfs:// (or cifs://) as a prefix")
    if HYPERVISORS.get(hypervisor.lower()) not in DISCOVERERS:
        raise errors.internal(f"Do not support HypervisorType {hypervisor} for {url}")
    address = parts.hostname or url
    if (cluster is not None and cluster["hypervisortype"].lower() != hypervisor.lower()) or parts.scheme != "http" \
            or any(h["ipaddress"] == address for h in ctx.store.find("host", zoneid=zone["id"])):
        raise errors.internal(f"Unable to add the host: Cannot find the server resources at {url}")
    if cluster is None:
        cluster = add_cluster_named(ctx, zone, pod, cluster_name, HYPERVISORS[hypervisor.lower()])
    host = ctx.store.add("host", dict(
        HOST_SHAPE, name=address, zoneid=zone["id"], zonename=zone["name"], podid=pod["id"], podname=pod["name"],
        clusterid=cluster["id"], clustername=cluster["name"], clustertype=cluster["clustertype"],
        hypervisor=cluster["hypervisortype"], type="Routing", state="Up", resourcestate=_host_state(ctx),
        ipaddress=address, hosttags=",".join(ctx.p.get("hosttags") or []) or None, hahost=False,
        arch=cluster.get("arch", "x86_64"), version="4.20.1.0", hypervisorversion="8.0.0", _power="On",
    ))
    return [host_view(host, (0, 0))]


def _host_state(ctx):
    """addHost `allocationstate`: Enabled unless Disabled is asked for."""
    return "Disabled" if ctx.get("allocationstate") == "Disabled" else "Enabled"


def add_cluster_named(ctx, zone, pod, name, hypervisor):
    cluster = ctx.store.add("cluster", {
        "name": name, "zoneid": zone["id"], "zonename": zone["name"], "podid": pod["id"], "podname": pod["name"],
        "hypervisortype": hypervisor, "clustertype": "CloudManaged", "allocationstate": "Enabled",
        "managedstate": "Managed", "arch": "x86_64"})
    for key in ("cpuOvercommitRatio", "memoryOvercommitRatio"):
        ctx.store.add("detail", {"resource_kind": "cluster", "resource_pk": cluster["_pk"], "key": key, "value": "1",
                                 "fordisplay": True})
    return cluster


@api("updateHost")
def update_host(ctx):
    """ResourceManagerImpl.updateHost: `allocationstate` Enable or Disable (ResourceState.Event.toEvent, exact
    case) moves the resource state; UpdateHostCmd turns any failure into 530 "Failed to update host: ..."."""
    host = ctx.lookup("host", "id")
    state = ctx.get("allocationstate")
    try:
        if state is not None:
            if state not in ("Enable", "Disable"):
                raise errors.invalid(f"Invalid allocation state: {state}, only Enable/Disable are allowed")
            target = "Enabled" if state == "Enable" else "Disabled"
            if host["resourcestate"] not in ("Enabled", "Disabled") + (("ErrorInMaintenance",
                                                                         "ErrorInPrepareForMaintenance")
                                                                        if state == "Disable" else ()):
                raise errors.internal(f"Unable to transition to a new state from {host['resourcestate']} via "
                                      f"{state}")
            host["resourcestate"] = target
    except errors.ApiError as error:
        raise errors.internal(f"Failed to update host: {host_text(host)} with id {host['_pk']}, "
                              f"{error.errortext}") from None
    if ctx.get("name"):
        host["name"] = ctx.p["name"]
    if ctx.p.get("hosttags") is not None:
        host["hosttags"] = ",".join(ctx.p["hosttags"]) or None
    ctx.store.touch("host", host)
    return host_view(host, usage_by_host(ctx.sim).get(host["id"], (0, 0)))
