"""Importing unmanaged volume files on a pool (a failover's replicas) and unmanaging volumes, as
VolumeImportUnmanageManagerImpl does: root admins only, every refusal in the job."""

import uuid

from .. import errors
from ..contract import SUCCESS, Job, api
from ..model.accounts import owner_of
from ..model.configs import setting
from ..model.limit_checks import check_import
from ..model.on_storage import check_import_writable, file_on_storage, template_paths, volumes_on_storage
from ..model.pools import check_pool_available, supports_tags
from ..model.texts import account_text, offering_text, pool_text
from ..model.units import GIB
from ..model.volumes import new_data_volume, remove_volume, text_of
from ..views.storage import volume_view
from .volumes import owner_param, volume_param

IMPORT_OFFERING = "Volume-Import"  # unique name of CloudStack's default offering for imported volumes
IMPORT_OFFERING_NAME = "Default Custom Offering for Volume Import"


def _managed_paths(sim, pool):
    """Paths of the pool that a volume row not removed names (VolumeDaoImpl.findByPoolIdAndPath)."""
    return {v["path"] for v in sim.store.find("volume", storageid=pool["id"]) if not v.get("removed")}


@api("listVolumesForImport")
def list_volumes_for_import(ctx):
    """VolumeImportUnmanageManagerImpl.listVolumesForImport: the host's answer without the managed files, the
    template copies and the primary snapshots; `keyword` only without `path`; never paged."""
    pool = ctx.lookup("storagepool", "storageid")
    check_pool_available(pool)
    keyword = ctx.get("keyword", "").strip() or None
    files = volumes_on_storage(ctx.sim, pool, ctx.get("path"), None if ctx.has("path") else keyword)
    skip = _managed_paths(ctx.sim, pool) | template_paths(pool)
    return [dict(f, storageid=pool["id"], storage=pool["name"], storagetype=pool["type"]) for f in files
            if f["path"] not in skip]


def _import_offering(ctx, pool):
    """getOrCreateDefaultDiskOfferingIdForVolumeImport: shared, customized, THIN, untagged, made on first use."""
    local = pool["scope"] == "HOST"
    unique = IMPORT_OFFERING + ("-Local" if local else "")
    offering = ctx.store.first("diskoffering", uniquename=unique)
    if offering is None:
        name = IMPORT_OFFERING_NAME + (" - Local Storage" if local else "")
        offering = ctx.store.add("diskoffering", {
            "name": name, "displaytext": name, "uniquename": unique, "disksize": 0, "iscustomized": True,
            "storagetype": "local" if local else "shared", "provisioningtype": "thin", "tags": None,
            "state": "Active", "encrypt": False, "displayoffering": True})
    return offering


def _check_offering(ctx, offering, pool, owner):
    """getOrCreateDiskOffering for an offering given: active, local or shared as the pool, not encrypting,
    accessible to the owner (its domains and zones)."""
    if offering.get("state", "Active") != "Active" or offering.get("removed"):
        raise errors.internal(f"Disk offering {offering_text(offering)} is not active")
    local = pool["scope"] == "HOST"
    if (offering.get("storagetype") == "local") != local:
        raise errors.internal(f"Disk offering {offering_text(offering)} should use {'local' if local else 'shared'} "
                              "storage")
    if offering.get("encrypt"):
        raise errors.internal(f"Disk offering {offering_text(offering)} should not support volume encryption")
    domains = [d for d in (offering.get("domainid") or "").split(",") if d]
    zones = [z for z in (offering.get("zoneid") or "").split(",") if z]
    if domains and not any(ctx.sim.in_domain(owner["domainid"], d) for d in domains) or zones and \
            pool["zoneid"] not in zones:
        raise errors.internal(f"Disk offering {offering_text(offering)} is not accessible by owner "
                              f"{account_text(owner)}")


def _check_import(ctx, pool, path, offering, owner):
    """importVolume's checks, in VolumeImportUnmanageManagerImpl's order; the file and the offering to use."""
    check_pool_available(pool)
    if path in _managed_paths(ctx.sim, pool):
        raise errors.internal(f"Volume is already managed by CloudStack: {path}")
    if path in template_paths(pool):
        raise errors.internal(f"Volume is a base image of a template: {path}")
    found = file_on_storage(ctx.sim, pool, path)
    if offering is not None:
        _check_offering(ctx, offering, pool, owner)
    chosen = offering or _import_offering(ctx, pool)
    if chosen.get("iscustomized"):
        gib = found["virtualsize"] // GIB
        low, high = (int(setting(ctx.sim, f"custom.diskoffering.size.{k}")) for k in ("min", "max"))
        if gib < low or gib > high:
            raise errors.invalid(f"Volume size: {gib} GB is out of allowed range. Min: {low}. Max: {high}")
    if not supports_tags(pool, chosen.get("tags")):
        raise errors.internal(f"Disk offering: {offering_text(chosen)} storage tags are not compatible with selected "
                              f"storage pool: {pool_text(pool)}")
    return found, chosen


@api("importVolume")
def import_volume(ctx):
    pool = ctx.lookup("storagepool", "storageid")
    offering = ctx.lookup("diskoffering", "diskofferingid", required=False)
    owner, path = owner_param(ctx), ctx.p["path"]

    def run():
        found, chosen = _check_import(ctx, pool, path, offering, owner)
        check_import(ctx, owner, found["size"])  # resource limits (model/limit_checks.py)
        check_import_writable(ctx.sim, pool, path)  # the agent opens the file: not on a read-only mirror target
        zone = ctx.store.get("zone", pool["zoneid"])
        name = ctx.get("name", "").strip() or path
        vol = new_data_volume(ctx, owner, zone, chosen, 0, name, str(uuid.uuid4()), event=False)
        # VolumeOrchestrator.importVolume: a Ready DATADISK at device 1 (though attached to nothing), the file's
        # virtual size, the pool's format
        vol.update(state="Ready", storageid=pool["id"], path=path, size=found["virtualsize"], deviceid=1,
                   _format=found["format"].upper(), diskofferingid=chosen["id"], diskofferingname=chosen["name"],
                   diskofferingdisplaytext=chosen.get("displaytext"))
        ctx.store.touch("volume", vol)
        ctx.sim.event("VOLUME.IMPORT", f"Successfully imported volume {vol['id']}", owner)
        return volume_view(ctx, vol, full=True)

    return Job(run, answer_id=False)


@api("unmanageVolume")
def unmanage_volume(ctx):
    vol = volume_param(ctx, "id")

    def run():
        """VolumeImportUnmanageManagerImpl.unmanageVolume (UnmanageVolumeCmd re-wraps every failure as 530)."""
        if vol.get("removed"):
            raise errors.internal(f"Volume (ID: {vol['_pk']}) does not exist")
        if vol["state"] != "Ready":
            raise errors.internal(f"Volume {text_of(ctx.sim, vol)} is not ready")
        if vol.get("encryptformat"):
            raise errors.internal(f"Volume {text_of(ctx.sim, vol)} is encrypted")
        if vol.get("attached") or vol.get("virtualmachineid"):
            vm = ctx.store.get("vm", vol.get("virtualmachineid") or "") or {}
            raise errors.internal(f"Volume {text_of(ctx.sim, vol)} is attached to VM (ID: {vm.get('_pk', 'null')})")
        pool = ctx.store.get("storagepool", vol["storageid"])
        check_pool_available(pool)
        file_on_storage(ctx.sim, pool, vol["path"])
        ctx.sim.event("VOLUME.UNMANAGE", f"Successfully unmanaged volume {vol['id']}", owner_of(ctx.sim, vol))
        remove_volume(ctx.sim, vol, "Destroy")  # the file stays on the array, now unmanaged
        return SUCCESS

    return Job(run, "Volume", vol["id"], answer_id=False)
