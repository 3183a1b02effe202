# Copyright: cloudstack.dr contributors
# Apache License 2.0 (see LICENSE)
"""Storage maps: where the replica of a primary storage pool is introduced in the recovery zone,
and where it comes back in the active zone for failback.

State lives in hidden pool details (resourcetype `Storage`, docs/metadata.md "Storage map"):
`dr.replica_{zone,url,scope,pod,cluster,tags,device}` and the same seven with `dr.failback_`, and the
pool's replication `dr.replication_{adapter,options,device}` (checked with the adapter itself: it must
know every device named, and the pool's device must replicate to one of them). The keys
`dr.replica_pool`/`dr.failback_pool` are written by the engine when it introduces a pool
(introduce.py) and are never touched here. Everything is validated before anything is written.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlsplit

from ..client.api import Client
from ..errors import InputError
from ..replication import registry
from ..replication.adapter import AdapterError, ReplicationAdapter, Status
from ..vocabulary import details
from ..vocabulary.details import Detail
from ..vocabulary.keys import FAILBACK, REPLICA, REPLICATION, KeySpec
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
             state: str = "present", replication: dict | None = None) -> Outcome:
        source = find(self.client.list("listStoragePools"), pool, "pool", "primary storage pool")
        zones = by_id(self.client.list("listZones"))
        current = details.read(self.client, RESOURCETYPE, source["id"], _label(source))
        zone = zones.get(source["zoneid"], {"id": source["zoneid"]})
        view = {"pool": ref(source), "zone": ref(zone)}
        if state == "absent":
            outcome = Outcome({**view, "replica": None, "failback": None, "replication": None, "state": "absent"})
            outcome.compare(RESOURCETYPE, source, _label(source), current, {},
                            owner(*REPLICA.values(), *FAILBACK.values(), *REPLICATION.values()))
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
        if replication is not None:  # omitted: the stored replication is kept
            desired.update(self._replication(replication, sides))
            owned.extend(REPLICATION.values())
        outcome = Outcome({**view, **targets, "replication": _replication_view(replication, current),
                           "state": "present"})
        outcome.compare(RESOURCETYPE, source, _label(source), current, desired, owner(*owned))
        return outcome

    def apply(self, outcome: Outcome) -> None:
        outcome.apply(self.client)

    def _replication(self, replication: dict, sides: dict[str, tuple[dict, dict]]) -> dict[str, Detail]:
        """The replication keys, once the adapter has confirmed every device the map names."""
        name = replication.get("adapter")
        options = registry.check("replication", name, replication.get("options"))
        device = replication.get("device")
        if not device:
            raise InputError("replication.device", "is required", "Name the pool's own device in the adapter "
                             "(an export, a Ceph pool, a SnapMirror volume: see the adapter's discover)")
        named = {"replication.device": device, **{f"{side}.device": spec.get("device")
                                                  for side, (spec, _zone) in sides.items()}}
        if not named.get("replica.device"):
            raise InputError("replica.device", "is required with replication",
                             "Name the replica's device in the adapter, the one the pool's device replicates to")
        _check_devices(_discover(registry.build(str(name), options, self.client)), named)
        values = {"adapter": name, "options": json.dumps(options, sort_keys=True), "device": device}
        return {REPLICATION[f].key(): Detail(v, False) for f, v in values.items()}

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
                                  "device": spec.get("device"),
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


def _discover(adapter: ReplicationAdapter) -> dict[str, Status]:
    try:
        return {s.device: s for s in adapter.discover()}
    except AdapterError as exc:
        raise InputError("replication", f"the {adapter.name} adapter could not list its devices: {exc.problem}",
                         "Check replication.options and that the storage answers") from exc


def _check_devices(devices: dict[str, Status], named: dict[str, str | None]) -> None:
    """Every device named is known to the adapter; the pool's device replicates (if at all) to one of them."""
    for option, device in named.items():
        if device and device not in devices:
            raise InputError(option, f"{device!r} is not a device of the replication adapter",
                             f"Use one of: {', '.join(sorted(devices)) or '(the adapter knows none)'}")
    own = devices[str(named["replication.device"])]
    peers = {d for o, d in named.items() if d and o != "replication.device"}
    if own.role == "source" and own.peer not in peers:
        raise InputError("replica.device", f"device {own.device} replicates to {own.peer}, which this map does "
                         f"not name ({', '.join(sorted(peers))})", f"Give {own.peer} as replica.device (or "
                         "failback.device), or fix the storage's replication first")


def _replication_view(replication: dict | None, current: dict[str, Detail]) -> dict | None:
    """The replication as given, or as stored when not managed in this run (None: not configured)."""
    if replication is not None:
        return {"adapter": replication.get("adapter"), "device": replication.get("device"),
                "options": dict(replication.get("options") or {})}
    stored = _stored(current, REPLICATION)
    return stored and {**stored, "options": json.loads(stored.get("options") or "{}")}


def _label(pool: dict) -> str:
    return f"pool {pool['name']}"


def _keys(specs: dict[str, KeySpec], target: dict) -> dict[str, Detail]:
    values = {
        "zone": target["zone"]["id"], "url": target["url"], "scope": target["scope"],
        "pod": target["pod"] and target["pod"]["id"], "cluster": target["cluster"] and target["cluster"]["id"],
        "tags": ",".join(target["tags"]), "device": target["device"],
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
