# Copyright: cloudstack.dr contributors
# Apache License 2.0 (see LICENSE)
"""Storage introduction: make the replicated pools of a lost zone usable on the other side.

The storage map on each primary pool (hidden details written by storage_map) says where its
replica appears: for failover, a URL in the recovery zone; for failback, a URL back in the active
zone. Introducing creates the CloudStack pool for that URL (or finds the one an earlier run made)
and records its id on the source pool, so the volume import knows where each volume's file is.
After a failback, the pool the volumes came home on is mapped to the same replica (its id and URL),
so the next failover finds them again. Pool details are read pool by pool (CloudStack lists details only by
resource, or by key and value).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urlsplit

from ..client import batch
from ..client.api import Client, CloudStackError
from ..config.resources import check_caller
from ..errors import InputError
from ..vocabulary import details
from ..vocabulary.details import as_values
from ..vocabulary.keys import FAILBACK, FAILBACK_POOL, REPLICA, REPLICA_POOL, KeySpec
from .fence import UNFENCE_TIMEOUT, Fence, fence_lines

DIRECTIONS = ("failover", "failback")


@dataclass
class Introduced:
    source: dict  # the pool whose volumes move
    pool: dict | None = None  # the pool they are imported from
    created: bool = False
    files: list[dict] = field(default_factory=list)
    error: str | None = None


def _pool_key(url: str) -> tuple[str | None, str]:
    parts = urlsplit(url)
    return parts.hostname, (parts.path or "/").rstrip("/") or "/"


def _side(direction: str) -> dict[str, KeySpec]:
    return REPLICA if direction == "failover" else FAILBACK


class StorageIntroducer:
    def __init__(self, api: Client, check_mode: bool = False, unfence_timeout: float = UNFENCE_TIMEOUT) -> None:
        self.api = api
        self.check_mode = check_mode
        self.unfence_timeout = unfence_timeout
        self.unfenced: list[str] = []  # what lifting the home zone's fence did (failback)
        self.pools = {p["id"]: p for p in api.list("listStoragePools")}
        self._details: dict[str, dict[str, str]] = {}

    def details(self, pool_id: str) -> dict[str, str]:
        """A pool's DR details (read once per run)."""
        if pool_id not in self._details:
            name = self.pools.get(pool_id, {}).get("name", pool_id)
            self._details[pool_id] = as_values(details.read(self.api, "Storage", pool_id, f"pool {name}"))
        return self._details[pool_id]

    def sources(self, zone_id: str, direction: str) -> list[dict]:
        """Pools whose volumes move: on failover those of the lost zone, on failback the replicas."""
        url = _side(direction)["url"].key()
        out: list[dict] = []
        for pool in self.pools.values():
            if pool["zoneid"] != zone_id:
                continue
            found = self.details(pool["id"])
            if direction == "failover" and (found.get(url) or found.get(REPLICA_POOL.key())) or \
                    direction == "failback" and found.get(url) and found.get(REPLICA_POOL.key()):
                out.append(pool)
        return sorted(out, key=lambda p: p["name"])

    def maps(self, zone_id: str, direction: str) -> dict[str, dict[str, str]]:
        """{pool the volumes are on: the storage map that moves them}, for `direction` of `zone_id`'s link: the
        zone's pools on failover, their replica pools (with the home pool's failback map) on failback."""
        sources = self.sources(zone_id, direction)
        if direction == "failover":
            return {p["id"]: self.details(p["id"]) for p in sources}
        return {self.details(p["id"])[REPLICA_POOL.key()]: self.details(p["id"]) for p in sources}

    def introduce(self, zone_id: str, direction: str) -> list[Introduced]:
        """[Introduced] for every mapped pool of `zone_id` (the active zone of the link)."""
        if direction not in DIRECTIONS:
            raise ValueError(f"direction must be one of {DIRECTIONS}")
        if direction == "failback" and not self.check_mode:
            # The home zone's hosts mount the pools introduced there: the fence its failover put up goes first.
            self.unfenced = fence_lines(Fence(self.api, self.api.list("listZones", id=zone_id)[0])
                                        .lift(self.unfence_timeout))
        results = [self._one(pool, direction) for pool in self.sources(zone_id, direction)]
        if not self.check_mode:
            self._list_files(results)
        return results

    def pool_map(self, results: list[Introduced], direction: str) -> dict[str, str]:
        """{pool the volumes are on now: pool to import them from}."""
        out: dict[str, str] = {}
        for r in results:
            if r.pool is None:
                continue
            on = r.source["id"] if direction == "failover" else self.details(r.source["id"])[REPLICA_POOL.key()]
            out[on] = r.pool["id"]
        return out

    def _one(self, source: dict, direction: str) -> Introduced:
        found = self.details(source["id"])
        if direction == "failover" and found.get(REPLICA_POOL.key()) in self.pools:
            return Introduced(source, self.pools[found[REPLICA_POOL.key()]])
        side = _side(direction)
        result = Introduced(source, self.find_pool(found[side["url"].key()], found.get(side["zone"].key())))
        if self.check_mode:
            return result
        try:
            if result.pool is None:
                result.pool, result.created = self._create(source, found, side, direction), True
            self._remember(source, found, result.pool, direction)
        except CloudStackError as error:
            result.error = error.errortext
        return result

    def find_pool(self, url: str, zone_id: str | None) -> dict | None:
        key = _pool_key(url)
        for pool in self.pools.values():
            if (pool.get("ipaddress"), (pool.get("path") or "").rstrip("/") or "/") == key and \
                    (zone_id is None or pool["zoneid"] == zone_id):
                return pool
        return None

    def _create(self, source: dict, found: dict[str, str], side: dict[str, KeySpec], direction: str) -> dict:
        suffix = "replica" if direction == "failover" else "failback"
        params = {
            "name": f"{source['name']}-{suffix}", "url": found[side["url"].key()], "zoneid": found[side["zone"].key()],
            "scope": found.get(side["scope"].key()) or "cluster", "hypervisor": "KVM",
            "podid": found.get(side["pod"].key()), "clusterid": found.get(side["cluster"].key()),
            "tags": found.get(side["tags"].key()),
        }
        pool = self.api.call("createStoragePool", **{k: v for k, v in params.items() if v})["storagepool"]
        self.pools[pool["id"]] = pool
        return pool

    def _remember(self, source: dict, found: dict[str, str], pool: dict, direction: str) -> None:
        """Record the introduced pool, so re-runs reuse it and the next direction finds it."""
        writes: list[tuple[str, dict[str, str]]] = []
        if direction == "failover" and found.get(REPLICA_POOL.key()) != pool["id"]:
            writes.append((source["id"], {REPLICA_POOL.key(): pool["id"]}))
        if direction == "failback":
            # The pool the volumes come home on replicates to the same replica: its own failover map, so the
            # next failover re-introduces the replica pool from the URL if clean-up removed it.
            home = {REPLICA_POOL.key(): found[REPLICA_POOL.key()],
                    **{spec.key(): found.get(spec.key(), "") for f, spec in REPLICA.items() if f != "device"}}
            if found.get(FAILBACK_POOL.key()) != pool["id"]:
                writes.append((source["id"], {FAILBACK_POOL.key(): pool["id"]}))
            if any(self.details(pool["id"]).get(k) != v for k, v in home.items()):
                writes.append((pool["id"], {k: v for k, v in home.items() if v}))
        outcomes = batch.run(self.api, [details.write(f"{rid}:{i}", "Storage", rid, values, False)
                                        for i, (rid, values) in enumerate(writes)])
        for rid, values in writes:
            self.details(rid).update(values)
        failed = [o.error for o in outcomes.values() if not o.ok]
        if failed:
            raise CloudStackError("addResourceDetail", failed[0], f"pool {source['name']}")

    def _list_files(self, results: list[Introduced]) -> None:
        for r in results:
            if r.pool is None or r.error:
                continue
            try:
                r.files = self.api.list("listVolumesForImport", storageid=r.pool["id"])
            except CloudStackError as error:
                r.error = error.errortext


def introduce_storage(api: Client, zone: str, direction: str, check_mode: bool = False,
                       unfence_timeout: float = UNFENCE_TIMEOUT) -> dict:
    """The storage_introduce module's work: introduce every mapped pool of `zone`; its result."""
    check_caller(api, "the DR details of storage pools")
    intro = StorageIntroducer(api, check_mode=check_mode, unfence_timeout=unfence_timeout)
    zone_id = zone_id_of(api, zone)
    results = intro.introduce(zone_id, direction)
    if not results:
        raise InputError("zone", f"no primary storage pool of zone {zone} has a {direction} storage map",
                         "Map the zone's pools with cloudstack.dr.storage_map first")
    return {
        "changed": any(r.created for r in results) or (check_mode and any(r.pool is None for r in results))
                   or bool(intro.unfenced),
        "pools": [{"source": {"id": r.source["id"], "name": r.source["name"]},
                   "pool": {"id": r.pool["id"], "name": r.pool["name"]} if r.pool else None,
                   "created": r.created, "files": len(r.files), "error": r.error} for r in results],
        "failed_pools": sum(r.error is not None for r in results),
        "fence_text": intro.unfenced,
    }


def zone_id_of(api: Client, ref: str) -> str:
    zones = api.list("listZones")
    for zone in zones:
        if ref in (zone["id"], zone["name"]):
            return zone["id"]
    raise InputError("zone", f"no zone has the name or id {ref!r}",
                     f"Use one of: {', '.join(sorted(z['name'] for z in zones))}")
