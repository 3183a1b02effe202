# Copyright: cloudstack.dr contributors
# Apache License 2.0 (see LICENSE)
"""Clean-up: remove what DR left behind once nothing needs it, for the storage maps of one protected zone.

A move never removes what holds data: the source VM's volumes are detached and kept (hidden with it),
the pools introduced for the replicas stay, and a drill's clones stay until removed. Clean-up lists
everything first and changes nothing without confirmation:

- kept volumes: a detached volume whose file (same path) is attached to a VM from another pool of the
  same storage map. CloudStack forgets it (unmanageVolume); its file stays on the storage. Only when the
  storage says its device holds nothing newer than its copies: the device is read-only (a replica, or a
  source a planned promotion demoted). A forced promotion leaves the old source writable, and the writes
  made after the replica's last consistent point may exist only there: those volumes are kept.
- introduced pools that hold no volume: maintenance, then deleteStoragePool (the storage is untouched);
  the DR details pointing at them go, so the next move introduces them again from the storage map's URL.
- clones DR made (named by `clone_name`) that no pool uses: the adapter's delete_clone.

Nothing of a VM in a move is touched, and no pool while any VM is in a move or a DR run holds the zone's lock.
Any run can be stopped and run again: each item is looked for afresh.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass

from ..client import batch
from ..client.api import Client, CloudStackError
from ..client.batch import Request
from ..config.resources import check_caller
from ..errors import InputError
from ..model.listing import list_both
from ..model.snapshot import Snapshot
from ..replication import registry
from ..replication.adapter import AdapterError, ReplicationAdapter, Status
from ..vocabulary import details, states
from ..vocabulary.keys import FAILBACK, FAILBACK_POOL, REPLICA, REPLICA_POOL, REPLICATION
from .fence import Fence
from .introduce import StorageIntroducer, zone_id_of
from .lock import ZoneLock

CLONE_PREFIX = "dr-clone-"
POINTERS = (REPLICA_POOL, FAILBACK_POOL)
DONE = {"unmanage": "unmanaged", "delete": "deleted", "remove": "removed"}


def clone_name(device: str, label: str) -> str:
    """The name DR gives a clone of `device` (a drill's): clean-up finds a zone's clones by it."""
    return f"{CLONE_PREFIX}{device}-{label}"


@dataclass
class Item:
    """One thing clean-up found: what it is, and what it does with it (`action` None: kept, `reason` says why)."""

    kind: str  # volume, pool, pointer, clone
    id: str
    name: str
    where: str  # the pool (volume), the zone (pool), the pool holding the detail (pointer), the adapter (clone)
    action: str | None
    reason: str
    ref: str = ""  # the id it is on (a volume's pool) or names (a pointer's pool)
    path: str | None = None  # a volume's file on the storage: where to find it once CloudStack forgot it
    done: bool = False
    error: str | None = None

    @property
    def label(self) -> str:
        return f"{self.name} ({self.where})"

    def line(self) -> str:
        what = f"{self.kind} {self.label}"
        if self.error:
            return f"FAILED {self.action} {what}: {self.error}"
        if self.action is None:
            return f"kept {what}: {self.reason}"
        return f"{DONE[self.action] if self.done else 'would ' + self.action} {what}: {self.reason}"


@dataclass
class Group:
    """One storage map: the mapped pool, its replica's and its failback target's pools, and each one's device."""

    home: dict
    pools: dict[str, str | None]  # pool id -> its device in the adapter (None: no adapter names it)
    adapter: ReplicationAdapter | None
    devices: set[str]  # the map's devices, introduced or not


class Cleanup:
    def __init__(self, api: Client, zone: str) -> None:
        self.api = api
        self.intro = StorageIntroducer(api, check_mode=True)
        self.zone_id = zone_id_of(api, zone)
        self.groups = self._groups()
        if not self.groups:
            raise InputError("zone", f"no primary storage pool of zone {zone} has a storage map",
                             "Name the active zone of a zone link whose pools cloudstack.dr.storage_map mapped")
        self.snap = Snapshot(api, network=False)
        self.statuses: dict[tuple[int, str], Status | str] = {}
        self.clone_adapters: dict[str, ReplicationAdapter] = {}  # clone name -> the adapter that discovered it
        # A fenced zone's hosts are off: CloudStack needs one of them to unmanage a volume or remove a pool there.
        mapped = {self.intro.pools[pid]["zoneid"] for g in self.groups for pid in g.pools if pid in self.intro.pools}
        self.fenced = {z["id"]: z["name"] for z in api.list("listZones")
                       if z["id"] in mapped and Fence(api, z).record()}
        self.lock = ZoneLock(api, self.zone_id, zone, "clean-up")
        holder = self.lock.holder()
        self.locked = holder.text() if holder and not self.lock.expired(holder) else None  # a move runs now

    # -- what the zone's storage maps name ----------------------------------------------------------------
    def _groups(self) -> list[Group]:
        """A group per storage map of the zone; a pool the volumes came home on (whose map failback copied) is in
        its home pool's group."""
        built = registry.Built(self.api)
        out = []
        for pool in self.intro.sources(self.zone_id, "failover"):
            found = self.intro.details(pool["id"])
            name = found.get(REPLICATION["adapter"].key())
            pools: dict[str, str | None] = {pool["id"]: found.get(REPLICATION["device"].key())}
            for side in (REPLICA, FAILBACK):
                url = found.get(side["url"].key())
                other = self.intro.find_pool(url, found.get(side["zone"].key())) if url else None
                if other is not None:
                    pools.setdefault(other["id"], found.get(side["device"].key()))
            devices = {found.get(k.key()) for k in (REPLICATION["device"], REPLICA["device"], FAILBACK["device"])}
            adapter = built.adapter(name, found.get(REPLICATION["options"].key())) if name else None
            out.append(Group(pool, pools, adapter, {d for d in devices if d}))
        members = {pid for g in out for pid in g.pools if pid != g.home["id"]}
        return [g for g in out if g.home["id"] not in members]

    def status(self, group: Group, device: str) -> Status | str:
        """The device's replication status (asked once), or why the storage did not answer."""
        assert group.adapter is not None
        key = (id(group.adapter), device)
        if key not in self.statuses:
            try:
                self.statuses[key] = group.adapter.status(device)
            except AdapterError as exc:
                self.statuses[key] = str(exc)
        return self.statuses[key]

    def moving(self, vm_id: str | None) -> str | None:
        """The name of the original VM in a move that `vm_id` (an original or a recovery VM) belongs to."""
        original = self.snap.aliases().get(vm_id or "")
        if original is not None and self.snap.status.get(original) in states.MOVING:
            return self.snap.vms[original]["name"]
        return None

    def all_moving(self) -> list[str]:
        return sorted(self.snap.vms[v]["name"] for v, s in self.snap.status.items() if s in states.MOVING
                      and v in self.snap.vms)

    # -- the plan ----------------------------------------------------------------------------------------
    def plan(self) -> tuple[list[Item], list[Item], list[Item], list[Item]]:
        """(volumes, pools, pointers, clones), each with its action or the reason it stays."""
        volumes_on = {pid: list_both(self.api, "listVolumes", storageid=pid)
                      for g in self.groups for pid in g.pools}
        volumes = [item for g in self.groups for item in self._kept_volumes(g, volumes_on)]
        going = {v.id for v in volumes if v.action}
        moving = self.all_moving()
        pools = [item for g in self.groups for item in self._pools(g, volumes_on, going, moving)]
        return volumes, pools, self._dangling(pools), self._clones()

    def _kept_volumes(self, group: Group, volumes_on: dict[str, list[dict]]) -> list[Item]:
        out = []
        for pool_id, device in group.pools.items():
            for vol in volumes_on[pool_id]:
                if vol.get("virtualmachineid") or vol.get("state") != "Ready":
                    continue
                copy = next((v for other in group.pools if other != pool_id for v in volumes_on[other]
                             if v.get("virtualmachineid") and v.get("path") == vol.get("path")), None)
                if copy is not None:  # else not DR's: no VM uses a copy of its file
                    out.append(self._volume(group, vol, device, copy))
        return out

    def _volume(self, group: Group, vol: dict, device: str | None, copy: dict) -> Item:
        pool = self.intro.pools[vol["storageid"]]["name"]
        item = Item("volume", vol["id"], vol["name"], pool, None, "", ref=vol["storageid"], path=vol.get("path"))
        vm = self.moving(copy["virtualmachineid"])
        status = self.status(group, device) if device and group.adapter else None
        if vm is not None:
            item.reason = f"VM {vm} is in a move: finish it (run its playbook again), then clean up"
        elif self.intro.pools[vol["storageid"]]["zoneid"] in self.fenced:
            item.reason = self.fenced_reason(self.intro.pools[vol["storageid"]]["zoneid"])
        elif status is None:
            item.reason = ("no replication adapter names its storage: DR cannot tell whether it holds writes its "
                           "copies lack")
        elif isinstance(status, str):
            item.reason = f"the storage did not answer: {status}"
        elif status.writable:
            item.reason = (f"device {device} is writable ({status.role}, {status.state or 'no mirror'}): it may "
                           "hold writes its replica never received (a forced promotion leaves the old source "
                           "writable); copy what you need, make the device read-only on the storage, then clean up")
        else:
            item.action = "unmanage"
            item.reason = (f"a copy of volume {copy['name']} of VM {copy.get('vmname')}, on pool "
                           f"{self.intro.pools[copy['storageid']]['name']}; device {device} is read-only, the "
                           "file stays on it")
        return item

    def fenced_reason(self, zone_id: str) -> str:
        return (f"zone {self.fenced[zone_id]} is fenced (its hosts are off): clean up there after the failback, or "
                "after playbooks/unfence.yml")

    def _pointers_to(self, pool_id: str) -> list[tuple[dict, str]]:
        """(pool, key) of each DR detail that names `pool_id` as an introduced pool."""
        return [(self.intro.pools[pid], spec.key()) for g in self.groups for pid in g.pools
                for spec in POINTERS if pid in self.intro.pools and self.intro.details(pid).get(spec.key()) == pool_id]

    def _pools(self, group: Group, volumes_on: dict[str, list[dict]], going: set[str],
               moving: list[str]) -> list[Item]:
        out = []
        for pool_id in group.pools:
            pool = self.intro.pools[pool_id]
            pointers = self._pointers_to(pool_id)
            if pool_id == group.home["id"] or not pointers:
                continue  # not introduced by DR
            item = Item("pool", pool_id, pool["name"], pool.get("zonename") or pool["zoneid"], None, "")
            staying = [v["name"] for v in volumes_on[pool_id] if v["id"] not in going]
            stuck = [p["name"] for p, key in pointers if key == REPLICA_POOL.key()
                     and not self.intro.details(p["id"]).get(REPLICA["url"].key())]
            if staying:
                item.reason = f"volumes stay on it: {', '.join(sorted(staying)[:5])}"
            elif pool["zoneid"] in self.fenced:
                item.reason = self.fenced_reason(pool["zoneid"])
            elif self.locked:
                item.reason = f"a DR run holds the zone's lock ({self.locked}): clean up once it ends"
            elif moving:
                item.reason = f"VMs are in a move ({', '.join(moving[:5])}): finish it, then clean up"
            elif stuck:
                item.reason = (f"pool {stuck[0]} has no replica URL to introduce it from again: map that pool with "
                               "cloudstack.dr.storage_map, then clean up")
            else:
                item.action = "delete"
                item.reason = (f"introduced by DR and no volume is on it; the next move introduces it again from "
                               f"the storage map (named in {', '.join(sorted({p['name'] for p, _ in pointers}))})")
            out.append(item)
        return out

    def _dangling(self, pools: list[Item]) -> list[Item]:
        """The DR details naming an introduced pool: of the pools deleted now, and of those already gone."""
        deleted = {p.id for p in pools if p.action}
        out = []
        for pool_id in sorted({pid for g in self.groups for pid in g.pools if pid in self.intro.pools}):
            pool = self.intro.pools[pool_id]
            if pool_id in deleted:
                continue  # its details go with it
            for spec in POINTERS:
                named = self.intro.details(pool_id).get(spec.key())
                if named and (named in deleted or named not in self.intro.pools):
                    out.append(Item("pointer", f"{pool_id}|{spec.key()}", spec.key(), pool["name"], "remove",
                                    f"names pool {self.intro.pools.get(named, {}).get('name', named)}, "
                                    f"{'deleted now' if named in deleted else 'which is gone'}",
                                    ref=named))
        return out

    def _clones(self) -> list[Item]:
        used = {p["name"] for p in self.intro.pools.values()}
        out = []
        for adapter, devices in self._devices_by_adapter():
            try:
                found = adapter.discover()
            except AdapterError as exc:
                out.append(Item("clone", "", "?", adapter.name, None, f"the storage did not answer: {exc}"))
                continue
            for status in found:
                if not any(status.device.startswith(clone_name(d, "")) for d in devices):
                    continue
                item = Item("clone", status.device, status.device, adapter.name, "delete", "a clone DR made")
                self.clone_adapters[status.device] = adapter
                if status.device in used:
                    item.action, item.reason = None, f"storage pool {status.device} uses it: a drill runs"
                out.append(item)
        return out

    def _devices_by_adapter(self) -> list[tuple[ReplicationAdapter, set[str]]]:
        out: dict[int, tuple[ReplicationAdapter, set[str]]] = {}
        for g in self.groups:
            if g.adapter is not None:
                out.setdefault(id(g.adapter), (g.adapter, set()))[1].update(g.devices)
        return list(out.values())

    # -- the changes ---------------------------------------------------------------------------------------
    def apply(self, volumes: list[Item], pools: list[Item], pointers: list[Item], clones: list[Item]) -> None:
        self._jobs([v for v in volumes if v.action], lambda v: (v.id, "unmanageVolume", {"id": v.id}))
        for p in pools:
            if p.action and any(v.error for v in volumes if v.ref == p.id):
                p.action, p.reason = None, "a volume on it could not be unmanaged"
        self._jobs([p for p in pools if p.action and self.intro.pools[p.id]["state"] != "Maintenance"],
                   lambda p: (p.id, "enableStorageMaintenance", {"id": p.id}))
        for p in pools:
            if p.action and p.error is None:
                self._call(p, "deleteStoragePool", id=p.id)
        kept = {p.id for p in pools if not p.done}
        for x in pointers:
            if x.ref in kept:
                x.action, x.reason = None, f"pool {x.ref} was not deleted"
        self._jobs([x for x in pointers if x.action],
                   lambda x: details.remove(x.id, "Storage", x.id.split("|")[0], x.name))
        for c in clones:
            if c.action:
                self._delete_clone(c)

    def _jobs(self, items: list[Item], request: Callable[[Item], Request[str]]) -> None:
        outcomes = batch.run(self.api, [request(i) for i in items])
        for item in items:
            outcome = outcomes[item.id]
            item.done, item.error = outcome.ok, None if outcome.ok else outcome.error

    def _call(self, item: Item, command: str, **params: str) -> None:
        try:
            self.api.call(command, **params)
            item.done = True
        except CloudStackError as exc:
            item.done, item.error = False, exc.errortext

    def _delete_clone(self, item: Item) -> None:
        """Through the adapter that found it (two storage maps may use two command adapters, both named so)."""
        try:
            self.clone_adapters[item.name].delete_clone(item.name)
            item.done = True
        except AdapterError as exc:
            item.error = str(exc)


def clean_up(api: Client, zone: str, confirm: bool, check_mode: bool = False) -> dict:
    """The dr_cleanup module's work: the plan for `zone`, applied when confirmed (and not in check mode)."""
    check_caller(api, "the DR details of storage pools")
    cleanup = Cleanup(api, zone)
    volumes, pools, pointers, clones = cleanup.plan()
    apply = confirm and not check_mode
    if apply and any(i.action for i in volumes + pools + pointers + clones):
        cleanup.lock.acquire()  # no move of the zone may start meanwhile
        try:
            cleanup.apply(volumes, pools, pointers, clones)
        finally:
            cleanup.lock.release()
    items = volumes + pools + pointers + clones
    listed = {f"{kind}s": [i.label for i in items if i.kind == kind] for kind in ("volume", "pool", "pointer", "clone")}
    removed = {i.label for i in items if i.action and (i.done or not apply)}
    going = sum(i.action is not None for i in items)
    return {
        "changed": any(i.done for i in items) or check_mode and confirm and going > 0,
        "confirmed": confirm,
        "msg": (f"{going} of {len(items)} items can go; nothing was removed "
                f"({'check mode' if check_mode else 'not confirmed'})" if not apply
                else f"removed {sum(i.done for i in items)} of {going} items that could go"),
        "volumes": [asdict(i) for i in volumes], "pools": [asdict(i) for i in pools],
        "pointers": [asdict(i) for i in pointers], "clones": [asdict(i) for i in clones],
        "summary": {"to_remove": going, "removed": sum(i.done for i in items),
                    "kept": sum(i.action is None for i in items), "failed": sum(i.error is not None for i in items)},
        "lines": [i.line() for i in items],
        "diff": {"before": listed, "after": {k: [n for n in v if n not in removed] for k, v in listed.items()}},
    }
