# Copyright: cloudstack.dr contributors
# Apache License 2.0 (see LICENSE)
"""Storage maps: where the replica of a primary storage pool is introduced in the recovery zone,
and where it comes back in the active zone for failback.

State lives in hidden pool details (resourcetype `Storage`, docs/metadata.md "Storage map"):
`dr.replica_{zone,url,scope,pod,cluster,tags}` and the same six with `dr.failback_`. The keys
`dr.replica_pool`/`dr.failback_pool` are written by the engine when it introduces a pool
(introduce.py) and are never touched here. Everything is validated before anything is written.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from ..client.api import Client
from ..errors import InputError
from ..vocabulary import details
from ..vocabulary.details import Detail
from ..vocabulary.keys import FAILBACK, REPLICA, KeySpec
from .outcome import Outcome
from .resources import by_id, check_caller, check_tags, find, known, owner, ref, split_tags, zone_links

RESOURCETYPE = "Storage"
SCOPES = ("cluster", "zone")
# createStoragePool URL schemes (CloudStack's StorageLayer names), compared in lower case.
SCHEMES = ("nfs", "smb", "cifs", "iscsi", "rbd", "gluster", "presetup", "sharedmountpoint", "clvm", "vmfs",
           "datastorecluster", "linstor", "powerflex", "filesystem")
DIRECTIONS = (("replica", REPLICA), ("failback", FAILBACK))


class StorageMaps:
    """Plans and applies storage maps over an api.Client."""

    def __init__(self, client: Client) -> None:
        self.client = client

    def check_caller(self) -> None:
        check_caller(self.client, "primary storage pool details")

    def plan(self, pool: str, replica: dict | None = None, failback: dict | None = None,
             state: str = "present") -> Outcome:
        source = find(self.client.list("listStoragePools"), pool, "pool", "primary storage pool")
        zones = by_id(self.client.list("listZones"))
        current = details.read(self.client, RESOURCETYPE, source["id"], _label(source))
        zone = zones.get(source["zoneid"], {"id": source["zoneid"]})
        view = {"pool": ref(source), "zone": ref(zone)}
        if state == "absent":
            outcome = Outcome({**view, "replica": None, "failback": None, "state": "absent"})
            outcome.compare(RESOURCETYPE, source, _label(source), current, {},
                            owner(*REPLICA.values(), *FAILBACK.values()))
            return outcome
        recovery = zones.get(zone_links(self.client).get(source["zoneid"]) or "")
        if recovery is None:
            raise InputError("pool", f"pool {source['name']} is in zone {zone.get('name')}, which is not linked "
                             "to a recovery zone", "Run cloudstack.dr.zone_link for that zone first")
        if replica is None:
            raise InputError("replica", "is required with state=present",
                             "Give the URL where the pool's replica appears in the recovery zone")
        sides: dict[str, tuple[dict, dict]] = {"replica": (replica, recovery)}
        if failback is not None:  # omitted: the stored failback map is kept
            sides["failback"] = (failback, zones[source["zoneid"]])
        desired: dict[str, Detail] = {}
        owned: list[KeySpec] = []
        targets: dict[str, dict | None] = {}
        for side, specs in DIRECTIONS:
            if side in sides:
                target = self._target(side, *sides[side], source)
                desired.update(_keys(specs, target))
                owned.extend(specs.values())
                targets[side] = _view(target)
            else:
                targets[side] = _stored(current, specs)
        outcome = Outcome({**view, **targets, "state": "present"})
        outcome.compare(RESOURCETYPE, source, _label(source), current, desired, owner(*owned))
        return outcome

    def apply(self, outcome: Outcome) -> None:
        outcome.apply(self.client)

    def _target(self, side: str, spec: dict, zone: dict, source: dict) -> dict:
        """One side's target, every name resolved and checked: zone, url, scope, pod, cluster, tags."""
        url = _check_url(f"{side}.url", spec.get("url"))
        if side == "replica" and _location(url) == _pool_location(source):
            raise InputError("replica.url", f"{url} is the URL of pool {source['name']} itself",
                             "Give the URL of its replica, where the storage replicates it in the recovery zone")
        scope = (spec.get("scope") or "cluster").lower()
        if scope not in SCOPES:
            raise InputError(f"{side}.scope", f"{spec.get('scope')!r} is not a scope", "Use cluster or zone")
        target: dict[str, Any] = {"zone": zone, "url": url, "scope": scope, "pod": None, "cluster": None,
                  "tags": split_tags(source.get("tags")) if spec.get("tags") is None
                  else check_tags(f"{side}.tags", spec["tags"])}
        if scope == "zone":
            for field in ("pod", "cluster"):
                if spec.get(field):
                    raise InputError(f"{side}.{field}", "applies only to scope cluster",
                                     f"Remove {field} or use scope: cluster")
            return target
        where = f" of zone {zone['name']}"
        pods = self.client.list("listPods", f"zone {zone['name']}", zoneid=zone["id"])
        clusters = self.client.list("listClusters", f"zone {zone['name']}", zoneid=zone["id"])
        if spec.get("pod"):
            target["pod"] = find(pods, spec["pod"], f"{side}.pod", "pod", where)
            clusters = [c for c in clusters if c.get("podid") == target["pod"]["id"]]
            where = f" of pod {target['pod']['name']}"
        if spec.get("cluster"):
            target["cluster"] = find(clusters, spec["cluster"], f"{side}.cluster", "cluster", where)
        elif len(clusters) == 1:
            target["cluster"] = clusters[0]
        else:
            problem = f"there is no cluster{where}" if not clusters else f"there are {len(clusters)} clusters{where}"
            raise InputError(f"{side}.cluster", f"{problem}, so the cluster to introduce the pool in is not clear",
                             f"Give {side}.cluster (one of: {known(clusters)}) or use scope: zone")
        if target["pod"] is None:
            target["pod"] = by_id(pods).get(target["cluster"].get("podid"), {"id": target["cluster"].get("podid")})
        return target


def _label(pool: dict) -> str:
    return f"pool {pool['name']}"


def _keys(specs: dict[str, KeySpec], target: dict) -> dict[str, Detail]:
    values = {
        "zone": target["zone"]["id"], "url": target["url"], "scope": target["scope"],
        "pod": target["pod"] and target["pod"]["id"], "cluster": target["cluster"] and target["cluster"]["id"],
        "tags": ",".join(target["tags"]),
    }
    return {specs[f].key(): Detail(v, specs[f].visible) for f, v in values.items() if v}


def _view(target: dict) -> dict:
    return {**target, "zone": ref(target["zone"]), "pod": ref(target["pod"]), "cluster": ref(target["cluster"])}


def _stored(current: dict[str, Detail], specs: dict[str, KeySpec]) -> dict | None:
    """A side not managed in this run, as stored (ids, not names); None when nothing is stored."""
    stored = {f: current[s.key()].value for f, s in specs.items() if s.key() in current}
    return stored or None


def _check_url(option: str, url: str | None) -> str:
    url = (url or "").strip()
    parts = urlsplit(url)
    if parts.scheme.lower() not in SCHEMES or not parts.hostname or parts.path in ("", "/"):
        raise InputError(option, f"{url!r} is not a primary storage URL",
                         "Give scheme://host/path, e.g. nfs://10.2.0.21/export/replica-a1 "
                         f"(schemes: {', '.join(SCHEMES)})")
    return url


def _location(url: str) -> tuple[str | None, str]:
    parts = urlsplit(url)
    return parts.hostname, parts.path.rstrip("/")


def _pool_location(pool: dict) -> tuple[str | None, str]:
    """Where a pool is: CloudStack answers its host as `ipaddress` and its export as `path` (no URL)."""
    if pool.get("url"):
        return _location(pool["url"])
    return (pool.get("ipaddress") or "").lower() or None, (pool.get("path") or "").rstrip("/")
