"""Primary storage pools: their types and uuids, which hosts mount them, their tags, whether they take work."""

import hashlib
import uuid

from .. import errors
from .texts import pool_text

OVERPROVISION = 2.0  # storage.overprovisioning.factor for NFS
# URL scheme -> StoragePoolType (CloudStackPrimaryDataStoreLifeCycleImpl.initialize); any other scheme is tried as
# a StoragePoolType name (StoragePoolType.valueOf), which fails for a name that is not one.
POOL_TYPES = {"nfs": "NetworkFilesystem", "sharedmountpoint": "SharedMountPoint", "rbd": "RBD", "file": "Filesystem",
              "cifs": "SMB", "clvm": "CLVM", "presetup": "PreSetup", "datastorecluster": "DatastoreCluster",
              "iscsi": "IscsiLUN", "iso": "ISO", "vmfs": "VMFS", "ocfs2": "OCFS2", "gluster": "Gluster"}
STORAGE_POOL_TYPES = ("Filesystem", "NetworkFilesystem", "IscsiLUN", "Iscsi", "ISO", "LVM", "CLVM", "RBD",
                      "SharedMountPoint", "VMFS", "PreSetup", "EXT", "SMB", "Gluster", "PowerFlex", "ManagedNFS",
                      "Linstor", "DatastoreCluster", "StorPool", "FiberChannel")
# Pool types whose KVM volumes are files that qemu-img creates as linked clones of the template copy (THIN)
FILE_POOL_TYPES = ("NetworkFilesystem", "SharedMountPoint", "Filesystem")
MAINTENANCE_STATES = ("PrepareForMaintenance", "Maintenance", "ErrorInMaintenance")


def pool_type(scheme):
    """The StoragePoolType of a URL scheme; IllegalArgumentException's text for one that names no type."""
    found = POOL_TYPES.get(scheme.lower()) or (scheme if scheme in STORAGE_POOL_TYPES else None)
    if found is None:
        raise errors.internal(f"No enum constant com.cloud.storage.Storage.StoragePoolType.{scheme}")
    return found


def pool_uuid(scheme, host, path):
    """The pool's uuid: UUID.nameUUIDFromBytes(host + path) (a version 3 uuid of the bytes, no namespace), random
    for SharedMountPoint and CLVM pools (CloudStackPrimaryDataStoreLifeCycleImpl.initialize) and local ones
    (StorageManagerImpl.createLocalStorage)."""
    if scheme in ("sharedmountpoint", "clvm", "file"):
        return str(uuid.uuid4())
    return str(uuid.UUID(bytes=hashlib.md5(f"{host}{path}".encode()).digest(), version=3))


def pool_reachable(pool, host):
    """True when the host mounts the pool (its storage_pool_host_ref): same cluster for cluster scope, same zone
    and hypervisor for zone scope, that host for a local (host scope) pool; a pool whose export no host could
    mount (added to a zone without Up host) is mounted by none."""
    return bool(pool.get("_array")) and in_scope(pool, host)


def in_scope(pool, host):
    """The hosts a pool's scope covers."""
    if pool["scope"] == "ZONE":
        return pool["zoneid"] == host["zoneid"] and pool.get("hypervisor") in (None, "Any", host.get("hypervisor"))
    if pool["scope"] == "HOST":
        return pool.get("_hostid") == host["id"]
    return pool["clusterid"] == host["clusterid"]


def up_hosts(sim, pool, mounted=True):
    """The Up hosts that mount the pool (the ones CloudStack sends the pool's commands to), or, not `mounted`,
    that its scope covers."""
    reach = pool_reachable if mounted else in_scope
    return [h for h in sim.store.find("host", zoneid=pool["zoneid"]) if h["state"] == "Up" and reach(pool, h)]


def split_tags(text):
    return {t.strip() for t in (text or "").split(",") if t.strip()}


def supports_tags(pool, tags):
    """VolumeApiServiceImpl.doesTargetStorageSupportDiskOffering: an untagged offering fits every pool; a tagged
    one only a pool that has all its tags."""
    wanted = split_tags(tags)
    return not wanted or wanted <= split_tags(pool.get("tags"))


def in_maintenance(pool):
    """StoragePoolVO.isInMaintenance."""
    return pool["state"] in MAINTENANCE_STATES or bool(pool.get("removed"))


def check_pool_available(pool):
    """VolumeImportUnmanageManagerImpl.checkIfPoolAvailable."""
    if in_maintenance(pool):
        raise errors.internal(f"Storage pool {pool_text(pool)} is in maintenance")
    if pool["state"] != "Up":
        raise errors.internal(f"Storage pool {pool_text(pool)} is not Up: {pool['state']}")
