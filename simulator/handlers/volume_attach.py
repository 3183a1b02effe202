"""attachVolume and detachVolume: the uuids and the VM's ACL are checked when the call is made, every other rule
in the job (model/attach.py), which runs in the VM's work queue."""

from .. import errors
from ..contract import Job, api
from ..model.accounts import owner_of
from ..model.attach import attach, check_detachable, detach
from ..model.volumes import volumes_of
from ..views.storage import volume_view
from .volumes import volume_param


def vm_param(ctx, name, required=True):
    """A VM uuid parameter with @ACL(OperateEntry): resolved including removed rows, access checked now."""
    value = ctx.get(name)
    if value is None:
        if required:
            raise errors.ApiError(errors.PARAM_ERROR, f"Unable to execute API command {ctx.command.name.lower()} due "
                                                      f"to missing parameter {name}")
        return None
    vm = ctx.store.get("vm", value)
    if vm is None:
        raise ctx.invalid_value(name, value)
    ctx.check_access(vm)
    return vm


def _vm_job(ctx, vol, vm, run):
    """Volume work on a VM runs in that VM's work queue, and needs its hypervisor while it runs."""
    return Job(run, "Volume", vol["id"] if vol else None, queue_key=vm and f"vm:{vm['id']}",
               hypervisor_zone=vm["zoneid"] if vm and vm["state"] == "Running" else None, answer_id=False)


@api("attachVolume")
def attach_volume(ctx):
    vol, vm = volume_param(ctx, "id"), vm_param(ctx, "virtualmachineid")

    def run():
        """VolumeApiServiceImpl.attachVolumeToVM (a removed volume is not found: not a valid type)."""
        if vol.get("removed"):
            raise errors.invalid("Please specify a volume with the valid type: ROOT or DATADISK")
        attach(ctx.sim, vol, None if vm.get("removed") else vm, ctx.p.get("deviceid"), ctx.check_access)
        ctx.sim.event("VOLUME.ATTACH", f"Successfully completed attaching volume. Volume Id: {vol['id']} VmId: "
                      f"{vm['id']}", owner_of(ctx.sim, vol), ctx.caller.user)
        return volume_view(ctx, vol)

    return _vm_job(ctx, vol, vm, run)


def _volume_to_detach(ctx, vol, vm):
    """detachVolumeFromVM's lookups: either an id or a (device id, VM) pair."""
    by_id, device = vol is not None, ctx.p.get("deviceid")
    if by_id == (device is not None or vm is not None) or not by_id and (device is None or vm is None):
        raise errors.invalid("Please provide either a volume id, or a tuple(device id, instance id)")
    if by_id:
        if vol.get("removed"):
            raise errors.invalid(f"Unable to find volume with ID: {vol['_pk']}")
        return vol
    found = [v for v in volumes_of(ctx.sim, vm) if v["deviceid"] == device]
    if not found:  # VolumeDaoImpl.findByInstanceAndDeviceId(...).get(0) on an empty list
        raise errors.internal("Index 0 out of bounds for length 0")
    return found[0]


@api("detachVolume")
def detach_volume(ctx):
    vol = volume_param(ctx, "id", required=False)
    given_vm = vm_param(ctx, "virtualmachineid", required=False)
    queue_vm = given_vm or (ctx.store.get("vm", vol["virtualmachineid"])
                            if vol and vol.get("virtualmachineid") else None)

    def run():
        """VolumeApiServiceImpl.detachVolumeFromVM."""
        target = _volume_to_detach(ctx, vol, given_vm)
        ctx.check_access(target)
        vm = given_vm or (ctx.store.get("vm", target["virtualmachineid"]) if target.get("virtualmachineid") else None)
        if vm is None:
            raise errors.invalid("The specified volume is not attached to a VM.")
        check_detachable(ctx.sim, target, vm)
        detach(ctx.sim, target)
        what = f": {target['id']}" if vol is not None else f" with device id: {ctx.p['deviceid']} from vm: {vm['id']}"
        ctx.sim.event("VOLUME.DETACH", f"Successfully completed detaching volume. detaching volume{what}",
                      owner_of(ctx.sim, target), ctx.caller.user)
        return volume_view(ctx, target)

    return _vm_job(ctx, vol, queue_vm, run)
