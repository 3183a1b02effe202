"""VM snapshots: createVMSnapshot, listVMSnapshot, deleteVMSnapshot (VMSnapshotManagerImpl)."""

from .. import errors
from ..contract import SUCCESS, Job, api
from ..errors import ApiError
from ..model.vm_snapshots import (
    ACTIVE_STATES,
    LISTED_STATES,
    allocate,
    remove,
    snapshot_limit,
    take,
    vm_of_snapshot,
    vm_snapshots_of,
)
from ..model.vms import agent_unreachable
from ..model.volumes import volumes_of
from ..views.common import public
from .vm_common import ACCESS_DENIED, vm_param


def snapshot_view(sim, snap):
    """ApiResponseHelper.createVMSnapshotResponse."""
    view = public(snap)
    vm = vm_of_snapshot(sim, snap)
    if vm is not None:
        view.update(virtualmachineid=vm["id"], virtualmachinename=vm.get("displayname") or vm["name"])
    parent = sim.store.by_pk("vmsnapshot", snap["_parent_pk"]) if snap["_parent_pk"] else None
    if parent is not None:
        view.update(parent=parent["id"], parentName=parent["displayname"])
    view.update(tags=[], hasannotations=False)
    return view


def _snapshot_text(snap):
    """VMSnapshotVO.toString."""
    return (f'VMSnapshot {{"id":{snap["_pk"]},"uuid":"{snap["id"]}","name":"{snap["name"]}",'
            f'"vmId":{snap["_vm_pk"]}}}')


def _check_alloc(ctx, vm, displayname, description, memory):
    """VMSnapshotManagerImpl.allocVMSnapshot's refusals, in its order."""
    if vm.get("removed"):
        raise errors.invalid(f"Creating VM snapshot failed due to VM:{vm['_pk']} is a system VM or does not exist")
    if displayname is not None and len(displayname) > 255:
        raise errors.invalid("Creating VM snapshot failed due to length of VM snapshot vsDisplayName should not "
                             "exceed 255")
    if description is not None and len(description) > 255:
        raise errors.invalid("Creating VM snapshot failed due to length of VM snapshot vsDescription should not "
                             "exceed 255")
    if displayname is not None and any(s["displayname"] == displayname for s in vm_snapshots_of(ctx.sim, vm)):
        raise errors.invalid(f"Creating VM snapshot failed due to VM snapshot with name{displayname}  already exists")
    if vm["state"] not in ("Running", "Stopped"):
        raise errors.invalid(f"Creating vm snapshot failed due to VM:{vm['_pk']} is not in the running or Stopped "
                             "state")
    if memory and vm["state"] != "Running":
        raise errors.invalid("Can not snapshot memory when VM is not in Running state")
    vols = volumes_of(ctx.sim, vm)
    if not any(v["type"] == "ROOT" and v["state"] == "Ready" for v in vols):
        raise errors.internal(f"Unable to find root volume for the user vm:{vm['id']}")
    # DefaultVMSnapshotStrategy.canHandle (KVM): a Running VM only with memory, every volume QCOW2 (a volume
    # that never got a file has no format)
    if (vm["state"] == "Running" and not memory) or any(v["state"] != "Ready" for v in vols):
        raise errors.internal("Creating a snapshot of a running KVM instance without memory is not supported"
                              if not memory else "KVM does not support the type of snapshot requested")
    if len(vm_snapshots_of(ctx.sim, vm)) >= snapshot_limit(ctx.sim):
        raise errors.internal(f"Creating vm snapshot failed due to a VM can just have : {snapshot_limit(ctx.sim)} VM "
                              "snapshots. Please delete old ones")
    if any(s["state"] in ACTIVE_STATES for s in vm_snapshots_of(ctx.sim, vm)):
        raise errors.internal("There is other active vm snapshot tasks on the instance, please try again later")


@api("createVMSnapshot")
def create_vm_snapshot(ctx):
    """CreateVMSnapshotCmd: create() allocates the snapshot and answers the call; every refusal of
    allocVMSnapshot (InvalidParameterValueExceptions included: they are CloudRuntimeExceptions) becomes 530
    "Failed to create vm snapshot: <message>", for every caller. The job takes it (Ready, the VM's current
    snapshot); a host it cannot reach fails the job and leaves the snapshot in Error."""
    vm = vm_param(ctx, "virtualmachineid", removed_ok=True)
    memory = bool(ctx.p.get("snapshotmemory"))
    try:
        _check_alloc(ctx, vm, ctx.get("name"), ctx.get("description"), memory)
    except ApiError as exc:
        raise errors.ApiError(errors.INTERNAL_ERROR, f"Failed to create vm snapshot: {exc.errortext}") from None
    snap = allocate(ctx, vm, ctx.get("name"), ctx.get("description"), memory)

    def run():
        snap["state"] = "Creating"
        down = agent_unreachable(ctx.sim, vm) if vm["state"] == "Running" else (
            "no host in up state is found" if ctx.sim.zone_down(vm["zoneid"]) else None)
        if down:
            snap["state"] = "Error"
            ctx.store.touch("vmsnapshot", snap)
            raise errors.internal(f"Failed to create vm snapshot: [{_snapshot_text(snap)}] due to: {down}")
        take(ctx, snap)
        ctx.event("VMSNAPSHOT.CREATE", f"Successfully completed creating snapshot for VM: {vm['id']}. VM Id: "
                                       f"{vm['id']}", ctx.store.get("account", snap["accountid"]))
        return snapshot_view(ctx.sim, snap)

    return Job(run, "VMSnapshot", snap["id"], object_key="vmsnapshot", queue_key=f"vm:{vm['id']}")


@api("listVMSnapshot")
def list_vm_snapshot(ctx):
    """VMSnapshotManagerImpl.listVMSnapshots: the caller's scope (buildACLSearchParameters), newest first; without
    `state`, the states in LISTED_STATES; `name` is the display name; keyword in name, display name or
    description."""
    snaps = ctx.mine(ctx.store.all("vmsnapshot"))
    if ctx.has("virtualmachineid"):
        vm = ctx.store.get("vm", ctx.p["virtualmachineid"])
        snaps = [s for s in snaps if vm is not None and s["_vm_pk"] == vm["_pk"]]
    for param, field in (("vmsnapshotid", "id"), ("name", "displayname"), ("state", "state")):
        if ctx.has(param):
            snaps = [s for s in snaps if s[field] == ctx.p[param]]
    if not ctx.has("state"):
        snaps = [s for s in snaps if s["state"] in LISTED_STATES]
    if ctx.has("vmsnapshotids"):
        snaps = [s for s in snaps if s["id"] in set(ctx.p["vmsnapshotids"])]
    if ctx.has("keyword"):
        kw = ctx.p["keyword"].lower()
        snaps = [s for s in snaps if any(kw in (s.get(f) or "").lower() for f in ("name", "displayname",
                                                                                    "description"))]
    return [snapshot_view(ctx.sim, s) for s in sorted(snaps, key=lambda s: (s["created"], s["_pk"]), reverse=True)]


@api("deleteVMSnapshot")
def delete_vm_snapshot(ctx):
    """DeleteVMSnapshotCmd (@ACL OperateEntry on the snapshot) -> VMSnapshotManagerImpl.deleteVMSnapshot: only a
    Ready, Expunging or Error snapshot, and none of the VM's others active (431); then it is removed."""
    snap = ctx.store.get("vmsnapshot", ctx.p["vmsnapshotid"])
    if snap is None:
        raise ctx.invalid_value("vmsnapshotid", ctx.p["vmsnapshotid"])
    if not ctx.can_see(snap):
        raise errors.denied(ACCESS_DENIED)
    vm = vm_of_snapshot(ctx.sim, snap)

    def run():
        if snap["state"] not in ("Ready", "Expunging", "Error"):
            raise errors.invalid(f"Can't delete the vm snapshotshot {_snapshot_text(snap)} due to it is not in "
                                 "Created or Error, or Expunging State")
        if any(s is not snap and s["state"] in ACTIVE_STATES for s in vm_snapshots_of(ctx.sim, vm)):
            raise errors.invalid("There is other active vm snapshot tasks on the instance, please try again later")
        remove(ctx.sim, snap)
        ctx.event("VMSNAPSHOT.DELETE", f"Successfully completed delete vm snapshots. vmsnapshot id: {snap['id']}",
                  ctx.store.get("account", snap["accountid"]))
        return SUCCESS

    return Job(run, "VMSnapshot", snap["id"], queue_key=f"vm:{vm['id']}")
