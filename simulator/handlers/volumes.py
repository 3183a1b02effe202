"""Volumes: create, list, update, delete (their rules are in model/volumes.py; attach and detach are in
volume_attach.py)."""

from .. import errors
from ..contract import SUCCESS, Job, api
from ..model.accounts import owner_of
from ..model.configs import setting
from ..model.limit_checks import check_new_volume
from ..model.texts import account_text
from ..model.uuids import check_custom_id
from ..model.volumes import expunge_file, live_volumes, new_data_volume, remove_volume
from ..views.storage import volume_view
from .filters import display_filter

VOLUME_STATES = ("Allocated", "Creating", "Ready", "Migrating", "Snapshotting", "RevertSnapshotting", "Resizing",
                 "Expunging", "Expunged", "Destroy", "Destroying", "UploadOp", "Copying", "Uploaded", "NotUploaded",
                 "UploadInProgress", "UploadError", "UploadAbandoned", "Attaching", "Restoring")  # Volume.State
CANNOT_BE_DESTROYED = ("Destroy", "Expunging", "Expunged", "Allocated")


def volume_param(ctx, name, required=True):
    """A volume uuid parameter as ParamProcessWorker resolves it (findByUuidIncludingRemoved): a deleted or
    unmanaged volume's uuid still names its row, for the manager to refuse; an unknown one is a 431."""
    value = ctx.get(name)
    if value is None:
        if required:
            raise errors.ApiError(errors.PARAM_ERROR, f"Unable to execute API command {ctx.command.name.lower()} due "
                                                      f"to missing parameter {name}")
        return None
    vol = ctx.store.get("volume", value)
    if vol is None:
        raise ctx.invalid_value(name, value)
    return vol


def owner_param(ctx):
    """AccountManagerImpl.finalyzeAccountId (the commands' getEntityOwnerId, answered before any job): `account`
    needs `domainid`, must exist there and be enabled; then the caller must have access to that account."""
    if not ctx.has("account"):
        return ctx.caller.account
    if not ctx.has("domainid"):
        raise errors.invalid("Account must be specified with domainId parameter")
    domain = ctx.lookup("domain", "domainid")
    acct = ctx.store.first("account", name=ctx.p["account"], domainid=domain["id"], removed=None)
    if acct is None:
        raise errors.invalid(f"Unable to find account by name {ctx.p['account']} in domain with specified id")
    if acct.get("state", "enabled") != "enabled":
        raise errors.denied(f"Can't add resources to the account {account_text(acct)} in state={acct['state']} as "
                            "it's no longer active")
    ctx.check_access(acct)
    return acct


# -- create ----------------------------------------------------------------------------------
def _disk_offering_for_create(ctx):
    """VolumeApiServiceImpl.allocVolume's offering and size checks."""
    if not ctx.has("diskofferingid") and not ctx.has("snapshotid"):
        raise errors.invalid("At least one of disk Offering ID or snapshot ID must be passed whilst creating volume")
    if ctx.has("snapshotid"):
        ctx.lookup("snapshot", "snapshotid")  # the simulator keeps no snapshots: 431 as for a bad id
    size = ctx.get("size")
    if size is not None and size <= 0:
        raise errors.invalid("Disk size must be larger than 0")
    offering = ctx.store.get("diskoffering", ctx.p["diskofferingid"])
    if offering is None:
        raise ctx.invalid_value("diskofferingid", ctx.p["diskofferingid"])
    if offering.get("removed") or offering.get("computeonly") or offering.get("_computeonly"):
        raise errors.invalid("Please specify a valid disk offering.")
    if offering.get("iscustomized"):
        if size is None:
            raise errors.invalid("This disk offering requires a custom size specified")
        low, high = (int(setting(ctx.sim, f"custom.diskoffering.size.{k}")) for k in ("min", "max"))
        if size < low or size > high:
            raise errors.invalid(f"Volume size: {size} GB is out of allowed range. Min: {low}. Max: {high}")
    elif size is not None:
        raise errors.invalid("This disk offering does not allow custom size")
    return offering


@api("createVolume")
def create_volume(ctx):
    """CreateVolumeCmd.create (VolumeApiServiceImpl.allocVolume) answers before the job: the volume is Allocated
    then; `virtualmachineid` is only read with `snapshotid`, so the volume is never attached here."""
    owner = owner_param(ctx)
    offering = _disk_offering_for_create(ctx)
    check_new_volume(ctx, ctx.owner(), offering)  # resource limits (model/limit_checks.py)
    if ctx.has("virtualmachineid"):
        ctx.lookup("vm", "virtualmachineid")
    zone = ctx.store.get("zone", ctx.get("zoneid", ""))
    if zone is None:
        if ctx.has("zoneid"):
            raise ctx.invalid_value("zoneid", ctx.p["zoneid"])
        raise errors.invalid("Unable to find zone by id null")
    if zone.get("allocationstate") == "Disabled" and not ctx.caller.is_root:
        raise errors.denied(f'Cannot perform this operation, Zone: Zone {{"id": "{zone["_pk"]}", "name": '
                            f'"{zone["name"]}", "uuid": "{zone["id"]}"}} is currently disabled')
    if offering.get("storagetype") == "local" and not zone.get("localstorageenabled"):
        raise errors.invalid(f"Zone is not configured to use local storage but volume's disk offering "
                             f"{offering['name']} uses it")
    if ctx.has("customid"):
        check_custom_id(ctx, "volume", ctx.p["customid"])
    vol = new_data_volume(ctx, owner, zone, offering, ctx.get("size"), ctx.get("name"), ctx.get("customid"))
    if "displayvolume" in ctx.p:
        vol["displayvolume"] = bool(ctx.p["displayvolume"])
    return Job(lambda: volume_view(ctx, vol), "Volume", vol["id"])


# -- list ------------------------------------------------------------------------------------
def _visible(ctx, vols):
    """AccountManagerImpl.buildACLSearchParameters: with an `id` an admin finds any volume it may see without
    listall; otherwise the usual account/domain/listall narrowing."""
    if ctx.has("id") and ctx.caller.is_admin and not ctx.has("account") and not ctx.has("domainid"):
        return [v for v in vols if ctx.can_see(v)]
    return ctx.mine(vols)


def _like(value, pattern):
    return pattern.lower() in str(value or "").lower()


def _storage_filters(ctx, vols):
    """The root-admin-only filters (storageid, clusterid, isencrypted) and the pod, through each volume's pool."""
    if ctx.has("storageid"):
        pool = ctx.store.get("storagepool", ctx.p["storageid"])
        if pool is None:
            raise errors.invalid(f"Unable to find storage pool by uuid {ctx.p['storageid']}")
        vols = [v for v in vols if v.get("storageid") == pool["id"]]
    for param in ("podid", "clusterid"):
        if ctx.has(param):
            pools = {p["id"] for p in ctx.store.find("storagepool", **{param: ctx.p[param]})}
            vols = [v for v in vols if v.get("storageid") in pools]
    if "isencrypted" in ctx.p:
        vols = [v for v in vols if bool(v.get("encryptformat")) == bool(ctx.p["isencrypted"])]
    return vols


@api("listVolumes")
def list_volumes(ctx):
    """QueryManagerImpl.searchForVolumeIdsAndCount: name exact, type and keyword (name, type or state) as LIKE,
    Expunged hidden from non-admins unless asked by state, tags matched by key and value, newest first."""
    vols = _visible(ctx, live_volumes(ctx.sim))
    if ctx.has("ids"):
        vols = [v for v in vols if v["id"] in set(ctx.p["ids"])]
    for param in ("id", "name", "virtualmachineid", "zoneid", "diskofferingid"):
        if ctx.has(param):
            vols = [v for v in vols if v.get(param) == ctx.p[param]]
    if ctx.has("serviceofferingid"):
        vols = [v for v in vols if v.get("serviceofferingid") == ctx.p["serviceofferingid"]]
    if ctx.has("type"):
        vols = [v for v in vols if _like(v["type"], ctx.p["type"])]
    if ctx.has("keyword"):
        vols = [v for v in vols if any(_like(v.get(f), ctx.p["keyword"]) for f in ("name", "type", "state"))]
    if ctx.has("state"):
        vols = [v for v in vols if v["state"].lower() == ctx.p["state"].lower()]
    elif not ctx.caller.is_admin:
        vols = [v for v in vols if v["state"] != "Expunged"]
    vols = _storage_filters(ctx, vols)
    for tag in ctx.p.get("tags") or []:
        tagged = {t["resource_pk"] for t in ctx.store.find("tag", resource_kind="volume", key=tag.get("key"),
                                                           value=tag.get("value"))}
        vols = [v for v in vols if v["_pk"] in tagged]
    vols = sorted(display_filter(ctx, vols, "displayvolume"), key=lambda v: (v["created"], v["_pk"]), reverse=True)
    views = [volume_view(ctx, v) for v in vols]
    for view in views:
        if view.get("storageid"):
            view.update(quiescevm=False, supportsstoragesnapshot=False)
    return views


# -- update ----------------------------------------------------------------------------------
@api("updateVolume")
def update_volume(ctx):
    """UpdateVolumeCmd (async; getEntityOwnerId answers first) -> VolumeApiServiceImpl.updateVolume in the job."""
    vol = volume_param(ctx, "id", required=False)
    if vol is None:
        raise errors.invalid("Invalid volume id was provided")
    pool = ctx.lookup("storagepool", "storageid", required=False)  # uuids resolve before the job
    old_id = vol["id"]

    def run():
        if ctx.has("customid"):
            check_custom_id(ctx, "volume", ctx.p["customid"])  # BaseAsyncCustomIdCmd.checkUuid, at dispatch
        if vol.get("removed"):
            raise errors.invalid("The volume id doesn't exist")
        ctx.check_access(vol)
        _apply_update(ctx, vol, pool)
        ctx.sim.event("VOLUME.UPDATE", f"Successfully completed updating volume. Volume Id: {old_id}",
                      owner_of(ctx.sim, vol), ctx.caller.user)
        return volume_view(ctx, vol)

    return Job(run, "Volume", vol["id"], answer_id=False)


def _apply_update(ctx, vol, pool):
    for field in ("path", "chaininfo"):
        if ctx.has(field):
            vol[field] = ctx.p[field]
    if ctx.has("state"):
        if ctx.p["state"] not in VOLUME_STATES:
            raise errors.invalid("Invalid volume state specified")
        vol["state"] = ctx.p["state"]
    if pool is not None:
        if pool["zoneid"] != vol["zoneid"]:
            raise errors.invalid("Invalid storageId specified; refers to the pool outside of the volume's zone")
        vol["storageid"] = pool["id"]
    if ctx.has("customid"):
        ctx.store.change_id("volume", vol, ctx.p["customid"])
    if ctx.has("name"):
        vol["name"] = ctx.p["name"]
    if "deleteprotection" in ctx.p:
        vol["deleteprotection"] = bool(ctx.p["deleteprotection"])
    if "displayvolume" in ctx.p:
        vol["displayvolume"] = bool(ctx.p["displayvolume"])  # updateDisplay: counts and usage follow the flag
    ctx.store.touch("volume", vol)


# -- delete ----------------------------------------------------------------------------------
@api("deleteVolume")
def delete_volume(ctx):
    """DeleteVolumeCmd -> VolumeApiServiceImpl.destroyVolume(id, caller, expunge=true): an Allocated volume is
    removed; another is destroyed, then its file deleted through a host that mounts its pool (with none the
    call fails and the volume stays in Destroy)."""
    vol = volume_param(ctx, "id")
    ctx.check_access(vol)  # @ACL(accessType = OperateEntry) on id
    if vol.get("removed"):
        raise errors.invalid(f"Unable to find volume with ID: {vol['_pk']}")
    vm = ctx.store.get("vm", vol["virtualmachineid"]) if vol.get("virtualmachineid") else None
    if vm is not None and not vm.get("removed") and vol["state"] != "Expunged":
        raise errors.invalid("Please specify a volume that is not attached to any VM.")
    if vol.get("deleteprotection"):
        raise errors.invalid(f"Volume [id = {vol['id']}, name = {vol['name']}] has delete protection enabled and "
                             "cannot be deleted.")
    owner = owner_of(ctx.sim, vol)
    if vol["state"] == "Allocated":
        remove_volume(ctx.sim, vol, "Destroy")
    else:
        if vol["state"] not in CANNOT_BE_DESTROYED:
            vol["state"] = "Destroy"
            ctx.store.touch("volume", vol)
        expunge_file(ctx.sim, vol)
        remove_volume(ctx.sim, vol, "Expunged")
    ctx.sim.event("VOLUME.DESTROY", f"Successfully completed destroying a volume. Volume Id: {vol['id']}", owner,
                  ctx.caller.user)
    return SUCCESS
