"""Importing unmanaged volume files on a pool (a failover's replicas) and unmanaging volumes."""

import math
import uuid

from .. import errors
from ..contract import SUCCESS, Job, api
from ..model.accounts import owner_of
from ..model.limit_checks import check_import
from ..model.pools import check_pool_available, split_tags
from ..model.texts import pool_text, volume_text
from ..model.units import GIB
from ..model.volumes import new_data_volume, remove_volume, unmanaged_files
from ..views.storage import file_view, volume_view

IMPORT_OFFERING = "Volume-Import"  # unique name of CloudStack's default offering for imported volumes


@api("listVolumesForImport")
def list_volumes_for_import(ctx):
    pool = ctx.lookup("storagepool", "storageid")
    check_pool_available(pool)
    files = unmanaged_files(ctx.sim, pool)
    if ctx.has("path"):
        files = {p: f for p, f in files.items() if p == ctx.p["path"]}
    if ctx.has("keyword"):
        files = {p: f for p, f in files.items() if ctx.p["keyword"].strip() in p}
    return [file_view(pool, p, f) for p, f in sorted(files.items())]


def _import_offering(ctx):
    """CloudStack's "Default Custom Offering for Volume Import", created on first use."""
    offering = ctx.store.first("diskoffering", uniquename=IMPORT_OFFERING)
    if offering is None:
        name = "Default Custom Offering for Volume Import"
        offering = ctx.store.add("diskoffering", {
            "name": name, "displaytext": name, "uniquename": IMPORT_OFFERING, "disksize": 0, "iscustomized": True,
            "storagetype": "shared", "provisioningtype": "thin", "tags": None, "state": "Active"})
    return offering


def _check_import(sim, pool, path, offering):
    check_pool_available(pool)
    if sim.store.first("volume", storageid=pool["id"], path=path, removed=None):
        raise errors.internal(f"Volume is already managed by CloudStack: {path}")
    found = unmanaged_files(sim, pool).get(path)
    if found is None:
        raise errors.internal(f"Cannot find volume on storage pool: {path}")
    if offering and not split_tags(offering.get("tags")) <= split_tags(pool.get("tags")):
        raise errors.internal(
            f'Disk offering: DiskOffering {{"id":{offering["_pk"]},"name":"{offering["name"]}","uuid":'
            f'"{offering["id"]}"}} storage tags are not compatible with selected storage pool: {pool_text(pool)}')
    return found


@api("importVolume")
def import_volume(ctx):
    pool = ctx.lookup("storagepool", "storageid")
    offering = ctx.lookup("diskoffering", "diskofferingid", required=False)
    owner, path, vol_id = ctx.owner(), ctx.p["path"], str(uuid.uuid4())

    def run():
        found = _check_import(ctx.sim, pool, path, offering)
        check_import(ctx, owner, found["size"])  # resource limits (model/limit_checks.py)
        chosen = offering or _import_offering(ctx)
        zone = ctx.store.get("zone", pool["zoneid"])
        vol = new_data_volume(ctx, owner, zone, chosen, math.ceil(found["size"] / GIB), ctx.get("name", path),
                              vol_id)
        vol.update(state="Ready", storageid=pool["id"], path=path, size=found["size"])
        ctx.store.touch("volume", vol)
        ctx.sim.event("VOLUME.IMPORT", f"Successfully imported volume {vol['id']}", owner, ctx.caller.user)
        return volume_view(ctx.sim, vol)

    return Job(run, "Volume", vol_id)


@api("unmanageVolume")
def unmanage_volume(ctx):
    vol = ctx.lookup("volume", "id")

    def run():
        if vol["state"] != "Ready":
            raise errors.internal(f"Volume {volume_text(vol)} is not ready")
        if vol.get("virtualmachineid"):
            vm = ctx.store.get("vm", vol["virtualmachineid"]) or {}
            raise errors.internal(f"Volume {volume_text(vol)} is attached to VM (ID: {vm.get('_pk')})")
        pool = ctx.store.get("storagepool", vol["storageid"])
        check_pool_available(pool)
        remove_volume(ctx.sim, vol, "Destroy")  # the file stays on the array, now unmanaged
        ctx.sim.event("VOLUME.UNMANAGE", f"Successfully unmanaged volume {vol['id']}", owner_of(ctx.sim, vol),
                      ctx.caller.user)
        return SUCCESS

    return Job(run, "Volume", vol["id"])
