"""Volumes: create, list, attach, detach, delete (their rules are in model/volumes.py)."""

from .. import errors
from ..contract import SUCCESS, Job, api
from ..model.accounts import owner_of
from ..model.limit_checks import check_new_volume
from ..model.volumes import (
    attach,
    check_root_change,
    drop_file,
    live_volumes,
    new_data_volume,
    remove_volume,
    volumes_of,
)
from ..views.storage import volume_view
from .filters import display_filter, keyword_filter


def _disk_offering_for_create(ctx):
    if not ctx.has("diskofferingid"):
        if ctx.has("snapshotid"):
            ctx.lookup("snapshot", "snapshotid")  # the simulator keeps no snapshots: 431 as for a bad id
        raise errors.invalid("Either disk Offering Id or snapshot Id must be passed whilst creating volume")
    offering = ctx.lookup("diskoffering", "diskofferingid")
    if offering.get("iscustomized") and not ctx.has("size"):
        raise errors.invalid("This disk offering requires a custom size specified")
    if not offering.get("iscustomized") and ctx.has("size"):
        raise errors.invalid("This disk offering does not allow custom size")
    return offering


@api("createVolume")
def create_volume(ctx):
    offering = _disk_offering_for_create(ctx)
    check_new_volume(ctx, ctx.owner(), offering)  # resource limits (model/limit_checks.py)
    vm = ctx.lookup("vm", "virtualmachineid", required=False)
    zone = ctx.store.get("zone", vm["zoneid"]) if vm else ctx.lookup("zone", "zoneid", required=False)
    if zone is None:
        raise errors.invalid("Please specify a valid zone.")
    vol = new_data_volume(ctx, ctx.owner(), zone, offering, ctx.get("size"), ctx.get("name"))

    def run():
        if vm:
            attach(ctx.sim, vol, vm, None)
        return volume_view(ctx.sim, vol)

    return Job(run, "Volume", vol["id"], queue_key=vm and f"vm:{vm['id']}")


@api("listVolumes")
def list_volumes(ctx):
    vols = keyword_filter(ctx, ctx.mine(live_volumes(ctx.sim)))
    for param in ("virtualmachineid", "zoneid", "storageid", "diskofferingid", "state"):
        if ctx.has(param):
            vols = [v for v in vols if v.get(param) == ctx.p[param]]
    if ctx.has("type"):
        vols = [v for v in vols if v["type"] == ctx.p["type"].upper()]
    return [volume_view(ctx.sim, v) for v in display_filter(ctx, vols, "displayvolume")]


# -- attach and detach -----------------------------------------------------------------------
def _vm_job(ctx, vol, vm, run):
    """Volume work on a VM runs in that VM's work queue, and needs its hypervisor while it runs."""
    return Job(run, "Volume", vol["id"], queue_key=f"vm:{vm['id']}",
               hypervisor_zone=vm["zoneid"] if vm["state"] == "Running" else None)


@api("attachVolume")
def attach_volume(ctx):
    vol, vm = ctx.lookup("volume", "id"), ctx.lookup("vm", "virtualmachineid")

    def run():
        attach(ctx.sim, vol, vm, ctx.p.get("deviceid"))
        ctx.sim.event("VOLUME.ATTACH", f"Successfully completed attaching volume. Volume Id: {vol['id']} VmId: "
                      f"{vm['id']}", owner_of(ctx.sim, vol), ctx.caller.user)
        return volume_view(ctx.sim, vol)

    return _vm_job(ctx, vol, vm, run)


def _volume_to_detach(ctx):
    by_id, by_device = ctx.has("id"), ctx.has("deviceid") and ctx.has("virtualmachineid")
    if by_id == (ctx.has("deviceid") or ctx.has("virtualmachineid")) or not (by_id or by_device):
        raise errors.invalid("Please provide either a volume id, or a tuple(device id, instance id)")
    if by_id:
        return ctx.lookup("volume", "id")
    vm = ctx.lookup("vm", "virtualmachineid")
    vol = next((v for v in volumes_of(ctx.sim, vm) if v["deviceid"] == ctx.p["deviceid"]), None)
    if vol is None:
        raise errors.invalid("Unable to find volume with ID: null")
    return vol


@api("detachVolume")
def detach_volume(ctx):
    vol = _volume_to_detach(ctx)
    vm = ctx.store.get("vm", vol.get("virtualmachineid"))
    if vm is None:
        raise errors.invalid("The specified volume is not attached to a VM.")

    def run():
        if vm["state"] not in ("Running", "Stopped", "Destroyed"):
            raise errors.invalid("Please specify a VM that is either running or stopped.")
        if vol["type"] == "ROOT":
            check_root_change(vm)
        # VolumeDaoImpl.detachVolume: a detached ROOT becomes a DATADISK
        vol.update(virtualmachineid=None, deviceid=None, attached=None, type="DATADISK")
        ctx.store.touch("volume", vol)
        ctx.sim.event("VOLUME.DETACH", f"Successfully completed detaching volume. Volume Id: {vol['id']}",
                      owner_of(ctx.sim, vol), ctx.caller.user)
        return volume_view(ctx.sim, vol)

    return _vm_job(ctx, vol, vm, run)


@api("deleteVolume")
def delete_volume(ctx):
    vol = ctx.lookup("volume", "id")
    if vol.get("virtualmachineid"):
        raise errors.invalid("Please specify a volume that is not attached to any VM.")
    drop_file(ctx.sim, vol)
    remove_volume(ctx.sim, vol, "Expunged")
    ctx.sim.event("VOLUME.DELETE", f"Successfully completed deleting volume. Volume Id: {vol['id']}",
                  owner_of(ctx.sim, vol), ctx.caller.user)
    return SUCCESS
