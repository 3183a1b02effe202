"""VM snapshots (vm_snapshots): what a VM has, what other commands refuse because of them, and their
life: allocated by createVMSnapshot, made Ready by its job, removed by deleteVMSnapshot or with the VM.

A VM snapshot is a row `vmsnapshot` pointing at its VM by `_vm_pk` (so it follows a customid change);
`current` marks the VM's latest one and `_parent_pk` its parent (VMSnapshotVO.parent).
"""

from datetime import UTC, datetime

from .. import errors
from .accounts import owner_of
from .configs import setting

# VMSnapshotManagerImpl.listVMSnapshots lists these states when no `state` is asked for
LISTED_STATES = ("Ready", "Creating", "Allocated", "Error", "Expunging", "Reverting")
# VMSnapshotManagerImpl.hasActiveVMSnapshotTasks
ACTIVE_STATES = ("Creating", "Expunging", "Reverting", "Allocated")


def vm_snapshots_of(sim, vm):
    """The VM's VM snapshots (VMSnapshotDao.findByVm: every row that is not removed), oldest first."""
    return sim.store.find("vmsnapshot", _vm_pk=vm["_pk"])


def has_vm_snapshots(sim, vm):
    """True when the VM has VM snapshots: CloudStack then refuses NIC changes (UserVmManagerImpl
    .addNicToVirtualMachine/removeNicFromVirtualMachine/updateDefaultNicForVirtualMachine), volume
    attach/detach (VolumeApiServiceImpl.attachVolumeToVM/detachVolumeFromVM), volume migration and
    restoreVirtualMachine."""
    return bool(vm_snapshots_of(sim, vm))


def vm_of_snapshot(sim, snap):
    return sim.store.by_pk("vm", snap["_vm_pk"])


def allocate(ctx, vm, displayname, description, memory):
    """VMSnapshotManagerImpl.createAndPersistVMSnapshot: the row, Allocated, named
    <instancename>_VS_<yyyyMMddHHmmss> (GMT)."""
    stamp = datetime.now(UTC).strftime("%Y%m%d%H%M%S")
    name = f"{vm['instancename']}_VS_{stamp}"
    snap = {
        "name": name, "displayname": displayname or name, "description": description, "state": "Allocated",
        "type": "DiskAndMemory" if memory and vm["state"] == "Running" else "Disk", "current": False,
        "_vm_pk": vm["_pk"], "_parent_pk": None, "zoneid": vm["zoneid"], "zonename": vm["zonename"],
        "hypervisor": "KVM",
    }
    return ctx.store.add("vmsnapshot", ctx.owned(snap, owner_of(ctx.sim, vm)))


def take(ctx, snap):
    """DefaultVMSnapshotStrategy.takeVMSnapshot: Ready, the VM's current one, child of the previous current."""
    previous = ctx.store.first("vmsnapshot", _vm_pk=snap["_vm_pk"], current=True)
    if previous is not None:
        previous["current"] = False
        ctx.store.touch("vmsnapshot", previous)
    snap.update(state="Ready", current=True, _parent_pk=previous and previous["_pk"])
    ctx.store.touch("vmsnapshot", snap)


def remove(sim, snap):
    """DefaultVMSnapshotStrategy.finalizeDelete: its children get its parent; if it was current, its parent
    becomes current; the row is removed."""
    for child in sim.store.find("vmsnapshot", _parent_pk=snap["_pk"]):
        child["_parent_pk"] = snap["_parent_pk"]
        sim.store.touch("vmsnapshot", child)
    parent = sim.store.by_pk("vmsnapshot", snap["_parent_pk"]) if snap["_parent_pk"] else None
    if snap["current"] and parent is not None:
        parent["current"] = True
        sim.store.touch("vmsnapshot", parent)
    sim.store.delete("vmsnapshot", snap)


def remove_all(sim, vm):
    """VirtualMachineManagerImpl.deleteVMSnapshots (destroy, KVM): every VM snapshot of the VM goes."""
    for snap in vm_snapshots_of(sim, vm):
        sim.store.delete("vmsnapshot", snap)


def snapshot_limit(sim):
    return int(setting(sim, "vmsnapshot.max"))


def check_no_vm_snapshots(sim, vm, text):
    """The refusal of a NIC change on a VM with VM snapshots (an InvalidParameterValueException)."""
    if has_vm_snapshots(sim, vm):
        raise errors.invalid(text)
