# Copyright: cloudstack.dr contributors
# Apache License 2.0 (see LICENSE)
"""Before any change: the VMs whose move CloudStack would refuse half way, each with the reason and the fix.

A move stops the source VM, detaches its root disk, imports the replicas of its volumes and attaches
them at device 0 and up. CloudStack refuses some of these steps for some VMs (VolumeApiServiceImpl
.validateRootVolumeDetachAttach and attach/detachVolumeFromVM; VolumeImportUnmanageManagerImpl
.importVolume; ResourceLimitManagerImpl), and a VM refused after its stop would be down for nothing.
So they are refused here, from a few bulk listings, before anything changes:
- root disk detach/attach: only KVM, XenServer, VMware (and Simulator) VMs; not on managed storage;
  not for a VM with VM snapshots, nor with a backup offering unless
  backup.enable.attach.detach.of.volumes is set;
- importVolume: the replica's pool must be NFS, local Filesystem or RBD of a KVM cluster (or VMware);
  no encrypted file; no file with a backing file (a KVM root disk made from a template with THIN
  provisioning on file-based storage is a linked clone of the template); a size within
  custom.diskoffering.size.min/max when the import's disk offering is customized (the default
  import offering is);
- the account's volume and primary storage limits, at the peak of the move.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from ..client.api import Client
from ..config.resources import split_tags
from ..vocabulary.keys import FAILBACK, REPLICA
from ..vocabulary.states import Direction
from .move import Move

GIB = 1024 ** 3
ROOT_SWAP_HYPERVISORS = {"KVM", "XenServer", "VMware", "Simulator"}
IMPORT_POOL_TYPES = {"KVM": {"NetworkFilesystem", "Filesystem", "RBD"}, "VMware": {"NetworkFilesystem", "VMFS",
                                                                                    "PreSetup", "DatastoreCluster"}}
LINKED_CLONE_POOL_TYPES = {"NetworkFilesystem", "SharedMountPoint", "Filesystem"}
FULL_COPY = {"sparse", "fat"}  # provisioning types that copy a template whole (LibvirtStorageAdaptor)
URL_POOL_TYPES = {"nfs": "NetworkFilesystem", "file": "Filesystem", "filesystem": "Filesystem", "rbd": "RBD",
                  "sharedmountpoint": "SharedMountPoint", "vmfs": "VMFS", "presetup": "PreSetup",
                  "datastorecluster": "DatastoreCluster", "iscsi": "IscsiLUN", "clvm": "CLVM", "gluster": "Gluster"}
SETTINGS = ("custom.diskoffering.size.min", "custom.diskoffering.size.max", "backup.enable.attach.detach.of.volumes")
DEFAULT_SETTINGS = {"custom.diskoffering.size.min": "1", "custom.diskoffering.size.max": "1024",
                    "backup.enable.attach.detach.of.volumes": "false"}


@dataclass
class Facts:
    """What the checks read, once per run: pools, clusters, VM snapshots, disk offerings, accounts, settings."""

    pools: dict[str, dict]
    clusters: dict[str, dict]
    snapshots: dict[str, list[str]]  # vm id -> names of its VM snapshots
    disk_offerings: dict[str, dict]
    accounts: dict[tuple[str, str], dict]  # (name, domain id) -> account
    settings: dict[str, str]

    @classmethod
    def read(cls, api: Client) -> Facts:
        snapshots: dict[str, list[str]] = {}
        for snap in api.list("listVMSnapshot", listall=True):
            snapshots.setdefault(snap.get("virtualmachineid") or "", []).append(snap.get("displayname") or snap["name"])
        settings = dict(DEFAULT_SETTINGS)
        for name in SETTINGS:
            settings.update((c["name"], c["value"]) for c in api.list("listConfigurations", name=name)
                            if c["name"] == name and c.get("value") is not None)
        return cls(pools={p["id"]: p for p in api.list("listStoragePools")},
                   clusters={c["id"]: c for c in api.list("listClusters")}, snapshots=snapshots,
                   disk_offerings={d["id"]: d for d in api.list("listDiskOfferings", listall=True)},
                   accounts={(a["name"], a["domainid"]): a for a in api.list("listAccounts", listall=True)},
                   settings=settings)


class MoveChecks:
    """The refusals of one direction's moves; `storage_maps`: {pool the volumes are on: its storage map}."""

    def __init__(self, api: Client, direction: Direction, storage_maps: dict[str, dict[str, str]]) -> None:
        self.api = api
        self.direction = direction
        self.maps = storage_maps
        self.facts = Facts.read(api)

    def refusals(self, moves: list[Move], volumes: dict[str, list[dict]]) -> dict[int, str]:
        """{id(move): reason} for the moves that may not start; `volumes`: {vm id: its volumes}."""
        out: dict[int, str] = {}
        for m in moves:
            if m.done_before or m.journal is not None:
                continue  # already done, or already started: its volumes may have moved
            reason = self._vm(m) or self._volumes(m, volumes.get(m.source["id"], []))
            if reason:
                out[id(m)] = reason
        out.update(self._limits([m for m in moves if id(m) not in out and not m.done_before and m.journal is None],
                                volumes))
        return out

    def _vm(self, m: Move) -> str | None:
        for role, vm in (("source", m.source), ("target", m.target)):
            hypervisor = vm.get("hypervisor") or "KVM"
            if hypervisor not in ROOT_SWAP_HYPERVISORS:
                return (f"its {role} VM runs on {hypervisor}, and CloudStack detaches and attaches root disks only "
                        "on KVM, XenServer and VMware: it cannot move")
            names = self.facts.snapshots.get(vm["id"])
            if names:
                return (f"its {role} VM {vm['name']} has VM snapshots ({', '.join(sorted(names))}), and CloudStack "
                        "refuses to detach or attach the volumes of such a VM: delete them (deleteVMSnapshot)")
            if vm.get("backupofferingid") and self.facts.settings[SETTINGS[2]] != "true":
                return (f"its {role} VM {vm['name']} has the backup offering {vm.get('backupofferingname')}, and "
                        "CloudStack refuses to detach or attach its volumes: remove it from the offering "
                        "(removeVirtualMachineFromBackupOffering), or set backup.enable.attach.detach.of.volumes")
        return None

    def _volumes(self, m: Move, volumes: list[dict]) -> str | None:
        for vol in volumes:
            pool = self.facts.pools.get(vol.get("storageid") or "", {})
            reason = self._volume(vol, pool, m.source.get("hypervisor") or "KVM") or self._target_pool(vol, pool)
            if reason:
                return f"volume {vol.get('name')}: {reason}"
        return None

    def _volume(self, vol: dict, pool: dict, hypervisor: str) -> str | None:
        if vol.get("type") == "ROOT" and pool.get("managed"):
            return (f"it is on managed storage ({pool.get('name')}), where CloudStack does not detach a root disk: "
                    "this VM cannot move")
        if vol.get("encryptformat"):
            return "it is encrypted, and CloudStack does not import an encrypted file: this VM cannot move"
        if (vol.get("type") == "ROOT" and vol.get("templateid") and hypervisor == "KVM"
                and (vol.get("provisioningtype") or "thin").lower() not in FULL_COPY
                and pool.get("type") in LINKED_CLONE_POOL_TYPES):
            return ("it is a linked clone of its template (THIN provisioning on file-based storage): its replica has "
                    "a backing file, which importVolume refuses. Give the VM's service offering provisioningtype "
                    "sparse or fat (full copies) and re-create the VM from it, or flatten the disk on the storage")
        return self._size(vol)

    def _size(self, vol: dict) -> str | None:
        offering = self._data_offering(vol)
        if offering is not None and not offering.get("iscustomized"):
            return None  # imported with its own fixed-size offering: no range check
        low, high = (int(self.facts.settings[name]) for name in SETTINGS[:2])
        size = int(vol.get("virtualsize") or vol.get("size") or 0) // GIB
        if low <= size <= high:
            return None
        return (f"its size ({size} GB) is outside what importVolume accepts for a customized disk offering "
                f"({low} to {high} GB): set custom.diskoffering.size.min/max to allow it")

    def _data_offering(self, vol: dict) -> dict | None:
        """The disk offering a volume is imported with: a data disk's own; None for a root disk, imported with the
        default import offering (engine/volumes.py)."""
        return self.facts.disk_offerings.get(vol.get("diskofferingid") or "") if vol.get("type") != "ROOT" else None

    def _target_pool(self, vol: dict, pool: dict) -> str | None:
        """The pool the replica is imported from: its type (by the storage map's URL) and hypervisor."""
        side = REPLICA if self.direction.op == "failover" else FAILBACK
        found = self.maps.get(vol.get("storageid") or "", {})
        url = found.get(side["url"].key())
        if not url:
            return None  # unmapped: refused by the storage-map check
        kind = URL_POOL_TYPES.get(urlsplit(url).scheme.lower(), urlsplit(url).scheme)
        cluster = self.facts.clusters.get(found.get(side["cluster"].key()) or "", {})
        hypervisor = cluster.get("hypervisortype") or "KVM"
        if kind not in IMPORT_POOL_TYPES.get(hypervisor, set()):
            return (f"its replica is introduced as a {kind} pool of a {hypervisor} cluster, and importVolume "
                    f"takes files only from {', '.join(sorted(IMPORT_POOL_TYPES['KVM']))} pools of KVM clusters "
                    "(or VMware): change the storage map")
        offering = self._data_offering(vol)
        wanted = set(split_tags((offering or {}).get("tags")))
        missing = wanted - set(split_tags(found.get(side["tags"].key())))
        if missing:
            assert offering is not None, "only a data disk's offering wants storage tags"
            return (f"its disk offering {offering.get('name')} has the storage tags {', '.join(sorted(missing))}, "
                    "which the pool its replica is introduced as will not have, and importVolume refuses it: add "
                    "them to the storage map's tags")
        return None

    def _limits(self, moves: list[Move], volumes: dict[str, list[dict]]) -> dict[int, str]:
        """Per account, the peak of the moves against its volume and primary storage limits. The source is
        hidden before its replicas are imported, and hiding a volume frees its count: only a source volume
        already hidden adds to the peak."""
        need: dict[tuple[str, str], tuple[int, int]] = {}
        for m in moves:
            key = _account_of(m)
            count, gib = need.get(key, (0, 0))
            for vol in volumes.get(m.source["id"], []):
                if vol.get("displayvolume", True) is False:
                    count, gib = count + 1, gib + int(vol.get("virtualsize") or vol.get("size") or 0) // GIB
            need[key] = (count, gib)
        out: dict[int, str] = {}
        for key, (count, gib) in need.items():
            account = self.facts.accounts.get(key, {})
            # an account over its limit (lowered below what it has) fails every import, even with nothing more
            short = [f"{what} ({want} more, {avail} available)" for what, want, avail in (
                ("volumes", count, _available(account, "volumeavailable")),
                ("GiB of primary storage", gib, _available(account, "primarystorageavailable")))
                if avail is not None and avail < want]
            if short:
                reason = (f"account {key[0]} would exceed its limits of {' and '.join(short)}: raise them "
                          "(updateResourceLimit) first")
                out.update((id(m), reason) for m in moves if _account_of(m) == key)
        return out


def _account_of(m: Move) -> tuple[str, str]:
    """(account name, domain id) of the VM's owner, whose limits its volumes count against (CloudStack answers
    both for every VM)."""
    return m.original.get("account") or "", m.original.get("domainid") or ""


def _available(account: dict, field: str) -> int | None:
    """How many more of a resource the account may have; None when unlimited (CloudStack answers "Unlimited") or
    unknown."""
    text = str(account.get(field))
    return int(text) if text.lstrip("-").isdigit() else None
