"""Primary storage pools: which hosts reach a pool, its storage tags, whether it takes work."""

from .. import errors
from .texts import pool_text

OVERPROVISION = 2.0  # storage.overprovisioning.factor for NFS


def pool_reachable(pool, host):
    """True when the host mounts the pool: same cluster for cluster scope, same zone for zone scope."""
    if pool["scope"] == "ZONE":
        return pool["zoneid"] == host["zoneid"]
    return pool["clusterid"] == host["clusterid"]


def split_tags(text):
    return {t.strip() for t in (text or "").split(",") if t.strip()}


def check_pool_available(pool):
    """VolumeImportUnmanageManagerImpl.checkIfPoolAvailable."""
    if pool["state"] in ("Maintenance", "PrepareForMaintenance"):
        raise errors.internal(f"Storage pool {pool_text(pool)} is in maintenance")
    if pool["state"] != "Up":
        raise errors.internal(f"Storage pool {pool_text(pool)} is not Up: {pool['state']}")
