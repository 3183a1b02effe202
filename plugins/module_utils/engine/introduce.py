# Copyright: cloudstack.dr contributors
# Apache License 2.0 (see LICENSE)
"""Storage introduction: make the replicated pools of a lost zone usable on the other side.

The storage map on each primary pool (details written by storage_map) says where its replica
appears: for failover, a URL in the recovery zone; for failback, a URL back in the active zone.
Introducing creates the CloudStack pool for that URL (or finds the one an earlier run made) and
records its id on the source pool, so the volume import knows where each volume's file is.
After a failback, the pool the volumes came home on is mapped to the same replica, so the next
failover finds them again.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urlsplit

from ..client import batch
from ..client.api import CloudStackError
from ..config.resources import check_caller
from ..errors import InputError
from ..model.snapshot import details_by_resource

DIRECTIONS = ("failover", "failback")


@dataclass
class Introduced:
    source: dict  # the pool whose volumes move
    pool: dict | None = None  # the pool they are imported from
    created: bool = False
    files: list = field(default_factory=list)
    error: str | None = None


def _pool_key(url):
    parts = urlsplit(url)
    return parts.hostname, (parts.path or "/").rstrip("/") or "/"


class StorageIntroducer:
    def __init__(self, api, check_mode=False):
        self.api = api
        self.check_mode = check_mode
        self.pools = {p["id"]: p for p in api.list("listStoragePools")}
        self.details = details_by_resource(api.list("listResourceDetails", resourcetype="Storage"))

    def sources(self, zone_id, direction):
        """Pools whose volumes move: on failover those of the lost zone, on failback the replicas."""
        prefix = "dr.replica_" if direction == "failover" else "dr.failback_"
        out = []
        for pool_id, details in self.details.items():
            pool = self.pools.get(pool_id)
            if pool is None or pool["zoneid"] != zone_id:
                continue
            if direction == "failover" and (details.get(prefix + "url") or details.get("dr.replica_pool")) or direction == "failback" and details.get(prefix + "url") and details.get("dr.replica_pool"):
                out.append(pool)
        return sorted(out, key=lambda p: p["name"])

    def introduce(self, zone_id, direction):
        """[Introduced] for every mapped pool of `zone_id` (the active zone of the link)."""
        if direction not in DIRECTIONS:
            raise ValueError(f"direction must be one of {DIRECTIONS}")
        results = [self._one(pool, direction) for pool in self.sources(zone_id, direction)]
        if not self.check_mode:
            self._list_files(results)
        return results

    def pool_map(self, results, direction):
        """{pool the volumes are on now: pool to import them from}."""
        out = {}
        for r in results:
            if r.pool is None:
                continue
            on = r.source["id"] if direction == "failover" else self.details[r.source["id"]]["dr.replica_pool"]
            out[on] = r.pool["id"]
        return out

    def _one(self, source, direction):
        details = self.details[source["id"]]
        if direction == "failover" and details.get("dr.replica_pool") in self.pools:
            return Introduced(source, self.pools[details["dr.replica_pool"]])
        prefix = "dr.replica_" if direction == "failover" else "dr.failback_"
        result = Introduced(source, self._find(details[prefix + "url"], details.get(prefix + "zone")))
        if self.check_mode:
            return result
        try:
            if result.pool is None:
                result.pool, result.created = self._create(source, details, prefix), True
            self._remember(source, details, result.pool, direction)
        except CloudStackError as error:
            result.error = error.errortext
        return result

    def _find(self, url, zone_id):
        key = _pool_key(url)
        for pool in self.pools.values():
            if (pool.get("ipaddress"), (pool.get("path") or "").rstrip("/") or "/") == key and \
                    (zone_id is None or pool["zoneid"] == zone_id):
                return pool
        return None

    def _create(self, source, details, prefix):
        suffix = "replica" if prefix == "dr.replica_" else "failback"
        params = {
            "name": f"{source['name']}-{suffix}", "url": details[prefix + "url"], "zoneid": details[prefix + "zone"],
            "scope": details.get(prefix + "scope") or "cluster", "hypervisor": "KVM",
            "podid": details.get(prefix + "pod"), "clusterid": details.get(prefix + "cluster"),
            "tags": details.get(prefix + "tags"),
        }
        pool = self.api.call("createStoragePool", **{k: v for k, v in params.items() if v})["storagepool"]
        self.pools[pool["id"]] = pool
        return pool

    def _remember(self, source, details, pool, direction):
        """Record the introduced pool, so re-runs reuse it and the next direction finds it."""
        writes = []
        if direction == "failover" and details.get("dr.replica_pool") != pool["id"]:
            writes.append((source["id"], {"dr.replica_pool": pool["id"]}))
        if direction == "failback":
            home = {"dr.replica_pool": details["dr.replica_pool"], "dr.replica_zone": details.get("dr.replica_zone", "")}
            if details.get("dr.failback_pool") != pool["id"]:
                writes.append((source["id"], {"dr.failback_pool": pool["id"]}))
            if any(self.details.get(pool["id"], {}).get(k) != v for k, v in home.items()):
                writes.append((pool["id"], home))
        outcomes = batch.run(self.api, [
            (f"{rid}:{i}", "addResourceDetail", {"resourcetype": "Storage", "resourceid": rid, "details": d,
                                                 "fordisplay": False})
            for i, (rid, d) in enumerate(writes)])
        for rid, d in writes:
            self.details.setdefault(rid, {}).update(d)
        failed = [o.error for o in outcomes.values() if not o.ok]
        if failed:
            raise CloudStackError("addResourceDetail", failed[0], f"pool {source['name']}")

    def _list_files(self, results):
        for r in results:
            if r.pool is None or r.error:
                continue
            try:
                r.files = self.api.list("listVolumesForImport", storageid=r.pool["id"])
            except CloudStackError as error:
                r.error = error.errortext


def introduce_storage(api, zone, direction, check_mode=False):
    """The storage_introduce module's work: introduce every mapped pool of `zone`; its result."""
    check_caller(api, "the DR details of storage pools")
    intro = StorageIntroducer(api, check_mode=check_mode)
    zone_id = _zone_id(api, zone)
    results = intro.introduce(zone_id, direction)
    if not results:
        raise InputError("zone", f"no primary storage pool of zone {zone} has a {direction} storage map",
                         "Map the zone's pools with cloudstack.dr.storage_map first")
    return {
        "changed": any(r.created for r in results) or (check_mode and any(r.pool is None for r in results)),
        "pools": [{"source": {"id": r.source["id"], "name": r.source["name"]},
                   "pool": {"id": r.pool["id"], "name": r.pool["name"]} if r.pool else None,
                   "created": r.created, "files": len(r.files), "error": r.error} for r in results],
        "failed_pools": sum(r.error is not None for r in results),
    }


def _zone_id(api, ref):
    zones = api.list("listZones")
    for zone in zones:
        if ref in (zone["id"], zone["name"]):
            return zone["id"]
    raise InputError("zone", f"no zone has the name or id {ref!r}",
                     f"Use one of: {', '.join(sorted(z['name'] for z in zones))}")
