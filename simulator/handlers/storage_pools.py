"""Primary storage pools: create (on an array a zone's hosts mount), list, update, delete, maintenance."""

from .. import errors
from ..contract import SUCCESS, Job, api
from ..model.arrays import url_key
from ..model.pools import OVERPROVISION, pool_reachable
from ..model.volumes import GONE_STATES, allocated_by_pool
from ..views.storage import pool_view
from .filters import keyword_filter


def add_data_store_error(text):
    return errors.internal(f"Failed to add data store: {text}")


def _pool_scope(ctx):
    scope = ctx.get("scope", "CLUSTER").upper()
    if scope not in ("CLUSTER", "ZONE"):
        raise errors.invalid(f"invalid scope for pool {ctx.p['scope']}")
    if scope == "CLUSTER" and not ctx.has("clusterid"):
        raise errors.invalid("cluster id can't be null, if scope is cluster")
    if scope == "ZONE" and not ctx.has("hypervisor"):
        raise errors.invalid("Missing parameter hypervisor. Hypervisor type is required to create zone wide "
                             "primary storage.")
    return scope


def _pool_array(ctx, zone, scope, cluster):
    """The array the URL names, mounted by the zone's hosts: CloudStack's initialize + attach checks."""
    scheme, host, path = url_key(ctx.p["url"])
    if scheme != "nfs" or not host:
        raise add_data_store_error(f"Unable to figure out the scheme for URI: {ctx.p['url']}")
    for pool in ctx.store.all("storagepool"):
        if (pool["ipaddress"], pool["path"]) == (host, path):
            pod = ctx.store.get("pod", pool.get("podid")) or {}
            raise add_data_store_error(f"Storage pool {ctx.p['url']} already in use by another pod "
                                       f"(id={pod.get('_pk')})")
    arrays = [a for a in ctx.store.find("array", zoneid=zone["id"]) if url_key(a["url"]) == (scheme, host, path)]
    if not arrays or ctx.sim.zone_down(zone["id"]):
        if scope == "ZONE":
            raise add_data_store_error("Failed to create storage pool as it is not accessible to hosts.")
        raise add_data_store_error(f"Failed to create storage pool in the cluster: {cluster['_pk']} as it is "
                                   "not accessible to hosts")
    return arrays[0], host, path


@api("createStoragePool")
def create_storage_pool(ctx):
    scope = _pool_scope(ctx)
    zone = ctx.lookup("zone", "zoneid")
    cluster = ctx.lookup("cluster", "clusterid") if scope == "CLUSTER" else None
    pod = ctx.lookup("pod", "podid", required=False) if scope == "CLUSTER" else None
    if cluster and pod is None:
        raise add_data_store_error("Cluster id requires pod id")
    if cluster and (cluster["podid"] != pod["id"] or cluster["zoneid"] != zone["id"]):
        raise add_data_store_error(f"Cluster {cluster['id']} is not in pod {pod['id']} of zone {zone['id']}")
    array, host, path = _pool_array(ctx, zone, scope, cluster)
    capacity = ctx.get("capacitybytes", array["capacity"])
    pool = ctx.store.add("storagepool", {
        "name": ctx.p["name"], "zoneid": zone["id"], "zonename": zone["name"],
        "podid": pod and pod["id"], "podname": pod and pod["name"],
        "clusterid": cluster and cluster["id"], "clustername": cluster and cluster["name"],
        "scope": scope, "type": "NetworkFilesystem", "url": ctx.p["url"], "ipaddress": host, "path": path,
        "state": "Up", "tags": ctx.get("tags"), "disksizetotal": capacity, "capacitybytes": capacity,
        "provider": ctx.get("provider", "DefaultPrimary"),
        "hypervisor": cluster["hypervisortype"] if cluster else ctx.p["hypervisor"], "managed": False,
        "overprovisionfactor": str(OVERPROVISION), "istagarule": False, "_array": array["id"],
    })
    return pool_view(pool, 0)


@api("listStoragePools")
def list_storage_pools(ctx):
    pools = keyword_filter(ctx, ctx.store.all("storagepool"))
    for param, field in (("zoneid", "zoneid"), ("podid", "podid"), ("clusterid", "clusterid"), ("status", "state"),
                         ("ipaddress", "ipaddress"), ("path", "path")):
        if ctx.has(param):
            pools = [p for p in pools if p.get(field) == ctx.p[param]]
    if ctx.has("scope"):
        pools = [p for p in pools if p["scope"] == ctx.p["scope"].upper()]
    if ctx.has("hostid"):
        host = ctx.lookup("host", "hostid")
        pools = [p for p in pools if pool_reachable(p, host)]
    allocated = allocated_by_pool(ctx.sim)
    return [pool_view(p, allocated.get(p["id"], 0)) for p in pools]


def _set_pool_enabled(pool, enabled):
    wanted_from, to, verb = ("Disabled", "Up", "enabled") if enabled else ("Up", "Disabled", "disabled")
    if pool["state"] != wanted_from:
        raise errors.invalid(f"Primary storage with id {pool['_pk']} cannot be {verb}. Storage pool state : "
                             f"{pool['state']}")
    pool["state"] = to


@api("updateStoragePool")
def update_storage_pool(ctx):
    pool = ctx.lookup("storagepool", "id")
    if ctx.has("name"):
        pool["name"] = ctx.p["name"]
    if "tags" in ctx.p:
        pool["tags"] = ",".join(ctx.p["tags"] or []) or None
    if ctx.has("capacitybytes"):
        pool["disksizetotal"] = pool["capacitybytes"] = ctx.p["capacitybytes"]
    if "enabled" in ctx.p:
        _set_pool_enabled(pool, ctx.p["enabled"])
        ctx.event("ENABLE.PS" if ctx.p["enabled"] else "DISABLE.PS", f"Storage pool {pool['name']}")
    ctx.store.touch("storagepool", pool)
    return pool_view(pool, allocated_by_pool(ctx.sim).get(pool["id"], 0))


@api("deleteStoragePool")
def delete_storage_pool(ctx):
    pool = ctx.lookup("storagepool", "id")
    if pool["state"] != "Maintenance":
        raise errors.invalid(f"Unable to delete storage due to it is not in Maintenance state, id: {pool['_pk']}")
    rows = [v for v in ctx.store.find("volume", storageid=pool["id"]) if v["state"] != "Expunged"]
    if ctx.p.get("forced") and any(v["state"] not in GONE_STATES for v in rows):
        raise errors.internal(f"Cannot delete pool {pool['name']} as there are associated non-destroyed vols "
                              "for this pool")
    if not ctx.p.get("forced") and rows:
        raise errors.internal(f"Cannot delete pool {pool['name']} as there are associated volumes for this pool")
    ctx.store.delete("storagepool", pool)  # the array and its files stay: only CloudStack forgets the pool
    return SUCCESS


def _maintenance_job(ctx, allowed, to, event, verb):
    pool = ctx.lookup("storagepool", "id")

    def run():
        if pool["state"] not in allowed:
            raise errors.invalid(f"Primary storage with id {pool['_pk']} is not ready {verb}, as the status is:"
                                 f"{pool['state']}")
        pool["state"] = to
        ctx.store.touch("storagepool", pool)
        ctx.event(event, f"Primary storage {pool['name']}")
        return pool_view(pool, allocated_by_pool(ctx.sim).get(pool["id"], 0))

    return Job(run, "StoragePool", pool["id"], hypervisor_zone=pool["zoneid"])


@api("enableStorageMaintenance")
def enable_storage_maintenance(ctx):
    return _maintenance_job(ctx, ("Up", "Disabled", "ErrorInMaintenance"), "Maintenance", "MAINT.PREPARE.PS",
                            "for migration")


@api("cancelStorageMaintenance")
def cancel_storage_maintenance(ctx):
    return _maintenance_job(ctx, ("Maintenance", "PrepareForMaintenance", "ErrorInMaintenance"), "Up",
                            "MAINT.CANCEL.PS", "to complete migration")
