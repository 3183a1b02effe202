"""Primary storage pools: create (on an array the zone's hosts mount) and list. Update, delete and maintenance
are in storage_maintenance.py."""

from .. import errors
from ..contract import api
from ..errors import ApiError
from ..model.arrays import add_array, array_at, array_down, split_url
from ..model.pools import OVERPROVISION, pool_type, pool_uuid, up_hosts
from ..model.texts import cluster_text, host_text
from ..views.storage import pool_views
from .filters import keyword_filter

# StorageManagerImpl.zoneWidePoolSupportedHypervisorTypes
ZONE_WIDE_HYPERVISORS = ("KVM", "VMware", "Hyperv", "LXC", "Any", "Simulator")
HYPERVISOR_NAMES = {h.lower(): h for h in ("XenServer", "KVM", "VMware", "Hyperv", "VirtualBox", "Parralels",
                                           "BareMetal", "Simulator", "Ovm", "Ovm3", "LXC", "Custom", "External",
                                           "Any", "None")}
SCOPES = ("ZONE", "CLUSTER", "HOST", "REGION", "GLOBAL")  # ScopeType
# Providers whose lifecycle makes the pool managed (their initialize calls setManaged(true)); the default
# provider ignores the `managed` parameter.
MANAGED_PROVIDERS = ("SolidFire", "Datera", "PowerFlex", "Nexenta", "Primera", "FlashArray")
DEFAULT_PROVIDER = "DefaultPrimary"
# The text of Java's NullPointerException where CloudStack dereferences what is not there.
NPE_NO_SCHEME = 'Cannot invoke "Object.toString()" because the return value of "java.util.Map.get(Object)" is null'
NPE_NO_CLUSTER = 'Cannot invoke "com.cloud.dc.ClusterVO.getHypervisorType()" because "clusterVO" is null'
NPE_NO_STORE = ('Cannot invoke "org.apache.cloudstack.engine.subsystem.api.storage.DataStore.getId()" because '
                '"store" is null')
URL_FORMS = {"nfs": "nfs://hostname/path", "sharedmountpoint": "sharedmountpoint://localhost/path",
             "rbd": "rbd://hostname/pool", "gluster": "gluster://hostname/volume"}


class PoolRefused(Exception):
    """A refusal inside the lifecycle's initialize/attach: CloudStack prefixes "Failed to add data store: "."""


def _uri(url):
    """StorageManagerImpl.extractUriParamsAsMap: per-scheme checks of host and path."""
    parts = split_url(url)
    if parts is None:
        return None
    scheme, host, path, _ = parts
    blank = not host.strip() or not path.strip()
    form = URL_FORMS.get(scheme.lower())
    if form and (blank if scheme.lower() in ("nfs", "gluster") else not path):
        raise errors.invalid(f"host or path is null, should be {form}")
    return parts


def _scope_and_hypervisor(ctx, scheme, cluster):
    """StorageManagerImpl.createPool: the scope (file:// is host scope by default) and the hypervisor type."""
    scope = "HOST" if scheme and scheme.lower() == "file" else "CLUSTER"
    if ctx.has("scope"):
        scope = ctx.p["scope"].upper()
        if scope not in SCOPES:
            raise errors.invalid(f"invalid scope for pool {ctx.p['scope']}")
    if scope == "CLUSTER" and cluster is None:
        raise errors.invalid("cluster id can't be null, if scope is cluster")
    if scope != "ZONE":
        if cluster is None:
            raise errors.internal(NPE_NO_CLUSTER)
        return scope, cluster["hypervisortype"]
    if not ctx.has("hypervisor"):
        raise errors.invalid("Missing parameter hypervisor. Hypervisor type is required to create zone wide primary "
                             "storage.")
    hypervisor = HYPERVISOR_NAMES.get(ctx.p["hypervisor"].lower(), "None")
    if hypervisor not in ZONE_WIDE_HYPERVISORS:
        raise errors.invalid(f"Zone wide storage pool is not supported for hypervisor type {ctx.p['hypervisor']}")
    return scope, hypervisor


def _local_host(ctx, host_ref):
    """StorageManagerImpl.createLocalStorage: the host named by the URL (name, then IP address)."""
    host = ctx.store.first("host", name=host_ref) or ctx.store.first("host", ipaddress=host_ref)
    if host is None:
        raise PoolRefused(f"host {host_ref} not found")
    return host


def _mount(ctx, pool, scope, cluster):
    """CloudStackPrimaryDataStoreLifeCycleImpl.attachCluster/attachZone + StorageManagerImpl.connectHostsToPool:
    a cluster needs an Up host; the pool is added when one Up host of its scope can mount its export (a zone
    with no Up host takes a zone-wide pool all the same). A local pool is its host's directory (attachHost)."""
    array = array_at(ctx.sim, pool["zoneid"], pool["_url"])
    if pool["_hostid"]:
        host = ctx.store.get("host", pool["_hostid"])
        if host["state"] != "Up":
            raise PoolRefused(f"Unable to setup the local storage pool for {host_text(host)}")
        return array or add_array(ctx.sim, f"{host['name']}-local-{pool['id'][:8]}",
                                  ctx.store.get("zone", pool["zoneid"]), pool["_url"])
    if scope == "CLUSTER" and not [h for h in ctx.store.find("host", clusterid=cluster["id"]) if h["state"] == "Up"]:
        raise PoolRefused(f"No host up to associate a storage pool with in cluster: {cluster_text(cluster)}")
    if up_hosts(ctx.sim, pool, mounted=False) and (array is None or array_down(ctx.sim, array)):
        raise PoolRefused("Failed to access storage pool")
    return array


def _initialize(ctx, zone, pod, cluster, parts, scope, hypervisor):
    """CloudStackPrimaryDataStoreLifeCycleImpl.initialize (createLocalStorage for file://): the pool row."""
    scheme, host, path, _ = parts
    local_host = _local_host(ctx, host) if scheme.lower() == "file" else None
    if local_host is None and cluster is not None and pod is None and scope != "ZONE":
        raise PoolRefused("Cluster id requires pod id")
    ptype = pool_type(scheme)
    if local_host:  # the pool is in its host's zone, which must have local storage
        zone = ctx.store.get("zone", local_host["zoneid"])
        if not zone.get("localstorageenabled"):
            raise errors.internal(NPE_NO_STORE)  # createLocalStorage answers null: the NPE is outside the try
    stored = path.replace("/", "", 1) if ptype in ("RBD", "CLVM") else path
    ipaddress = local_host["ipaddress"] if local_host else "localhost" if ptype == "Filesystem" else host
    if local_host:  # the same directory of the same host is the same pool (StorageManagerImpl.createLocalStorage)
        same = ctx.store.first("storagepool", _hostid=local_host["id"], path=path)
        if same is not None:
            return same
    if local_host is None and scheme.lower() != "sharedmountpoint":
        taken = [p for p in ctx.store.all("storagepool") if (p["ipaddress"], p["path"]) == (host, path)]
        if taken:
            pod_pk = (ctx.store.get("pod", taken[0].get("podid")) or {}).get("_pk")
            raise PoolRefused(f"Storage pool {path} already in use by another pod (id={pod_pk or 'null'})")
    pool_id = pool_uuid(scheme.lower(), host, path)
    if ctx.store.get("storagepool", pool_id) is not None:
        raise PoolRefused("Another active pool with the same uuid already exists")
    provider = ctx.get("provider") if ctx.get("provider") in (DEFAULT_PROVIDER, *MANAGED_PROVIDERS) else None
    if local_host:
        pod, cluster = ctx.store.get("pod", local_host["podid"]), ctx.store.get("cluster", local_host["clusterid"])
    return {
        "id": pool_id, "name": ctx.p["name"], "zoneid": zone["id"], "zonename": zone["name"],
        "podid": pod and scope != "ZONE" and pod["id"] or None,
        "podname": pod and scope != "ZONE" and pod["name"] or None,
        "clusterid": cluster and scope != "ZONE" and cluster["id"] or None,
        "clustername": cluster and scope != "ZONE" and cluster["name"] or None,
        "scope": scope, "type": ptype, "ipaddress": ipaddress, "path": stored, "state": "Up",
        "tags": ",".join(t.strip() for t in ctx.get("tags", "").split(",") if t.strip()) or None,
        "istagarule": bool(ctx.p.get("istagarule")), "provider": provider or DEFAULT_PROVIDER,
        "hypervisor": local_host["hypervisor"] if local_host else hypervisor, "managed": provider in MANAGED_PROVIDERS,
        "overprovisionfactor": str(OVERPROVISION), "_url": ctx.p["url"], "_hostid": local_host and local_host["id"],
        "capacityiops": ctx.get("capacityiops"),
    }


def _create(ctx, zone, pod, cluster):
    parts = _uri(ctx.p["url"])
    scope, hypervisor = _scope_and_hypervisor(ctx, parts and parts[0], cluster)
    try:
        if parts is None:
            raise PoolRefused(NPE_NO_SCHEME)
        pool = _initialize(ctx, zone, pod, cluster, parts, scope, hypervisor)
        if "_pk" in pool:
            return pool
        array = _mount(ctx, pool, scope, cluster)
    except (PoolRefused, ApiError) as exc:
        if isinstance(exc, ApiError) and exc.errortext.startswith("Cannot invoke"):
            raise
        raise errors.internal(f"Failed to add data store: {exc.errortext if isinstance(exc, ApiError) else exc}")\
            from None
    # a zone-wide pool added while no host is Up is taken on trust: no host mounts it if its export is not there
    capacity = array["capacity"] if array else 0
    if pool["managed"] and ctx.has("capacitybytes"):
        capacity = ctx.p["capacitybytes"]
    pool.update(disksizetotal=capacity, _array=array and array["id"])
    return ctx.store.add("storagepool", pool)


@api("createStoragePool")
def create_storage_pool(ctx):
    """CreateStoragePoolCmd.execute turns every failure into a ServerApiException(INTERNAL_ERROR): 530."""
    zone = ctx.lookup("zone", "zoneid")
    pod = ctx.lookup("pod", "podid", required=False)
    cluster = ctx.lookup("cluster", "clusterid", required=False)
    try:
        pool = _create(ctx, zone, pod, cluster)
    except ApiError as exc:
        raise ApiError(errors.INTERNAL_ERROR, exc.errortext) from None
    return pool_views(ctx.sim, [pool])[0]


@api("listStoragePools")
def list_storage_pools(ctx):
    """QueryManagerImpl.searchForStoragePools: scope=host with a hostid lists that host's local pools (nothing else
    filters them); otherwise PrimaryDataStoreDaoImpl.createStoragePoolSearchCriteria: scope and status checked
    (case-insensitive), podid/clusterid also match pools without a pod/cluster (zone-wide ones), keyword matches
    the name or the type, sorted by id."""
    scope, status = ctx.get("scope"), ctx.get("status")
    if scope is not None and scope.upper() not in SCOPES:
        raise errors.invalid(f"Invalid scope type: {scope}")
    if status is not None and status.lower() not in {s.lower() for s in POOL_STATES}:
        raise errors.invalid(f"Invalid status: {status}")
    pools = sorted(ctx.store.all("storagepool"), key=lambda p: p["_pk"])
    if scope is not None and scope.upper() == "HOST" and ctx.has("hostid"):
        host = ctx.lookup("host", "hostid")
        return pool_views(ctx.sim, [p for p in pools if p["scope"] == "HOST" and p.get("_hostid") == host["id"]])
    pools = keyword_filter(ctx, pools, "name", "type")
    for param, field in (("zoneid", "zoneid"), ("ipaddress", "ipaddress"), ("path", "path")):
        if ctx.has(param):
            pools = [p for p in pools if p.get(field) == ctx.p[param]]
    for param in ("podid", "clusterid"):
        if ctx.has(param):
            pools = [p for p in pools if p.get(param) in (None, ctx.p[param])]
    if scope is not None:
        pools = [p for p in pools if p["scope"] == scope.upper()]
    if status is not None:
        pools = [p for p in pools if p["state"].lower() == status.lower()]
    return pool_views(ctx.sim, pools)


POOL_STATES = ("Initial", "Initialized", "Creating", "Attaching", "Up", "PrepareForMaintenance", "ErrorInMaintenance",
               "CancelMaintenance", "Maintenance", "Disabled", "Removed")  # StoragePoolStatus
