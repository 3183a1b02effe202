"""Primary storage pools: update (name, tags, enable/disable), delete, and maintenance (StorageManagerImpl,
StoragePoolAutomationImpl)."""

from .. import errors
from ..contract import SUCCESS, Job, api
from ..model.pools import pool_reachable, up_hosts
from ..model.texts import pool_text
from ..model.vms import release_host, start_vm
from ..model.volumes import drop_file, remove_volume
from ..views.storage import pool_views


def _set_pool_enabled(pool, enabled):
    """StorageManagerImpl.enablePrimaryStoragePool / disablePrimaryStoragePool."""
    wanted_from, to, verb = ("Disabled", "Up", "enabled") if enabled else ("Up", "Disabled", "disabled")
    if pool["state"] != wanted_from:
        raise errors.invalid(f"Primary storage {pool_text(pool)} cannot be {verb}. Storage pool state : "
                             f"{pool['state']}")
    pool["state"] = to


@api("updateStoragePool")
def update_storage_pool(ctx):
    """UpdateStoragePoolCmd.execute: the update (if anything but `enabled` is given) is saved even when the
    enable/disable that follows is refused."""
    pool = ctx.lookup("storagepool", "id")
    if any(k in ctx.p for k in ("name", "tags", "capacitybytes", "capacityiops", "url", "istagarule", "details")):
        if ctx.has("name"):
            pool["name"] = ctx.p["name"]
        if "tags" in ctx.p:
            pool["tags"] = ",".join(ctx.p["tags"] or []) or None
            pool["istagarule"] = bool(ctx.p.get("istagarule"))
        if ctx.has("capacityiops"):
            pool["capacityiops"] = ctx.p["capacityiops"]
        if ctx.has("capacitybytes") and pool.get("managed"):
            pool["disksizetotal"] = ctx.p["capacitybytes"]
        ctx.store.touch("storagepool", pool)
        ctx.event("UPDATE.PS", "Successfully completed update storage pool")
    if "enabled" in ctx.p:
        _set_pool_enabled(pool, ctx.p["enabled"])
        ctx.store.touch("storagepool", pool)
        verb = "enable" if ctx.p["enabled"] else "disable"
        ctx.event("ENABLE.PS" if ctx.p["enabled"] else "DISABLE.PS", f"Successfully completed {verb} storage pool")
    return pool_views(ctx.sim, [pool])[0]


@api("deleteStoragePool")
def delete_storage_pool(ctx):
    """StorageManagerImpl.deletePool / deleteDataStoreInternal, CloudStackPrimaryDataStoreLifeCycleImpl
    .deleteDataStore: only in Maintenance; volume rows not removed block it (forced: only those not in Destroy,
    which it expunges); a host that mounted the pool must unmount it."""
    pool = ctx.lookup("storagepool", "id")
    if pool["state"] != "Maintenance":
        raise errors.invalid(f"Unable to delete storage due to it is not in Maintenance state, pool: {pool_text(pool)}")
    rows = [v for v in ctx.store.find("volume", storageid=pool["id"]) if not v.get("removed")]
    blocking = [v for v in rows if v["state"] != "Destroy"] if ctx.p.get("forced") else rows
    if blocking:
        raise errors.internal(f"Cannot delete pool {pool_text(pool)} as there are non-destroyed volumes associated "
                              "to this pool.")
    mounted = [h for h in ctx.store.find("host", zoneid=pool["zoneid"]) if pool_reachable(pool, h)]
    if mounted and not [h for h in mounted if h["state"] == "Up"]:  # no host could unmount it (storage_pool_host_ref)
        raise errors.internal("Failed to delete storage pool on host")
    for vol in rows:  # forced: the Destroy volumes are expunged (their files deleted) first
        drop_file(ctx.sim, vol)
        remove_volume(ctx.sim, vol, "Expunged")
    ctx.store.delete("storagepool", pool)  # the array and its files stay: only CloudStack forgets the pool
    return SUCCESS


def _stop_vms_on(ctx, pool):
    """StoragePoolAutomationImpl.maintain: the running user VMs with a volume on the pool are stopped, and
    remembered to start again when maintenance is cancelled."""
    stopped = []
    for vol in ctx.store.find("volume", storageid=pool["id"]):
        vm = ctx.store.get("vm", vol.get("virtualmachineid")) if vol.get("virtualmachineid") else None
        if vm and not vol.get("removed") and vm["state"] in ("Running", "Starting", "Stopping"):
            release_host(ctx, vm, "Stopped")
            stopped.append(vm["id"])
    pool["_stopped_vms"] = sorted(set(pool.get("_stopped_vms", [])) | set(stopped))


@api("enableStorageMaintenance")
def enable_storage_maintenance(ctx):
    """StorageManagerImpl.preparePrimaryStorageForMaintenance -> StoragePoolAutomationImpl.maintain: a pool none of
    whose hosts is Up (its zone failed) goes straight to Maintenance."""
    pool = ctx.lookup("storagepool", "id")

    def run():
        if pool["state"] not in ("Up", "ErrorInMaintenance"):
            raise errors.invalid(f"Primary storage {pool_text(pool)} is not ready for migration, as the status is:"
                                 f"{pool['state']}")
        if up_hosts(ctx.sim, pool, mounted=False):
            _stop_vms_on(ctx, pool)
        pool["state"] = "Maintenance"
        ctx.store.touch("storagepool", pool)
        ctx.event("MAINT.PREPARE.PS", "Successfully completed preparing storage pool for maintenance")
        return pool_views(ctx.sim, [pool])[0]

    return Job(run, "StoragePool", pool["id"], answer_id=False)


@api("cancelStorageMaintenance")
def cancel_storage_maintenance(ctx):
    """StorageManagerImpl.cancelPrimaryStorageForMaintenance -> StoragePoolAutomationImpl.cancelMaintain: Up again
    (a StorageUnavailableException, 530, from Up or PrepareForMaintenance); with an Up host the VMs stopped for
    the maintenance that still have a ROOT are started."""
    pool = ctx.lookup("storagepool", "id")

    def run():
        if pool["state"] in ("Up", "PrepareForMaintenance"):
            raise errors.internal(f"Primary storage {pool_text(pool)} is not ready to complete migration, as the "
                                  f"status is:{pool['state']}", errors.CS_STORAGE_UNAVAILABLE)
        pool["state"] = "Up"
        ctx.store.touch("storagepool", pool)
        if up_hosts(ctx.sim, pool):
            for vm_id in pool.pop("_stopped_vms", []):
                vm = ctx.store.get("vm", vm_id)
                roots = [v for v in ctx.store.find("volume", virtualmachineid=vm_id) if v["type"] == "ROOT"
                         and not v.get("removed")]
                if vm and vm["state"] == "Stopped" and roots:
                    try:
                        start_vm(ctx, vm)
                    except errors.ApiError as exc:
                        raise errors.internal(f"com.cloud.utils.exception.CloudRuntimeException: {exc.errortext}") \
                            from None
        ctx.event("MAINT.CANCEL.PS", "Successfully completed canceling maintenance for primary storage pool")
        return pool_views(ctx.sim, [pool])[0]

    return Job(run, "StoragePool", pool["id"], answer_id=False)
