"""Storage views: primary pools with their allocation, and volumes in CloudStack's two response views."""

from ..model.arrays import array_of
from ..model.attach import volume_hypervisor
from ..model.volumes import allocated_by_pool
from .common import public, tags_of

# What only a root admin is answered (VolumeJoinDaoImpl.newVolumeResponse, ResponseView.Full)
FULL_ONLY = ("clusterid", "clustername", "podid", "podname", "path", "storage", "storageid", "storagetype",
             "hypervisor", "virtualsize", "physicalsize")
VM_FIELDS = ("virtualmachineid", "vmname", "vmdisplayname", "vmstate", "vmtype")


def pool_views(sim, pools):
    """StoragePoolJoinDaoImpl.newStoragePoolResponse: disksizeallocated is what the pool's volumes and template
    copies take; disksizeused what its export holds."""
    allocated = allocated_by_pool(sim)
    out = []
    for pool in pools:
        view = public(pool)
        copies = 0
        used = 0
        if pool.get("_array"):
            files = array_of(sim, pool)["files"]
            copies = sum(files[p]["size"] for p in (pool.get("_templates") or {}).values() if p in files)
            used = sum(f["size"] for f in files.values())
        view.update(disksizeallocated=allocated.get(pool["id"], 0) + copies, disksizeused=used, hasannotations=False)
        out.append(view)
    return out


def _hypervisor(sim, vol):
    """The volume's pool's cluster's hypervisor, else the one its image format implies (None without one)."""
    found = volume_hypervisor(sim, vol)
    if found != "None":
        return found
    return "KVM" if vol.get("_format") or vol.get("templateid") else "None"


def _extractable(sim, vol):
    """A data disk always is; a volume made from a template only if the template is (and is not a system one)."""
    if vol["type"] == "DATADISK" or not vol.get("templateid"):
        return True
    template = sim.store.get("template", vol["templateid"]) or {}
    return bool(template.get("isextractable")) and template.get("templatetype") != "SYSTEM"


def volume_view(ctx, vol, full=None):
    """VolumeJoinDaoImpl.newVolumeResponse: root admins get the Full view (pool, path, hypervisor...), others the
    Restricted one; the VM fields only while attached and not destroyed; tags always."""
    sim = ctx.sim
    full = ctx.caller.is_root if full is None else full
    view = public(vol)
    view.pop("removed", None)
    vm = sim.store.get("vm", vol.get("virtualmachineid")) if vol.get("virtualmachineid") else None
    for field in VM_FIELDS:
        view.pop(field, None)
    if vm and vol["state"] != "Destroy":
        view.update(virtualmachineid=vm["id"], vmname=vm["name"], vmstate=vm["state"], vmtype="User",
                    vmdisplayname=vm.get("displayname") or vm["name"])
    pool = sim.store.get("storagepool", vol.get("storageid")) if vol.get("storageid") else None
    offering = sim.store.get("diskoffering", vol.get("diskofferingid")) if vol.get("diskofferingid") else None
    local = (pool or {}).get("scope") == "HOST" or (offering or {}).get("storagetype") == "local"
    view.update(storage=pool["name"] if pool else "none", storageid=pool and pool["id"],
                clusterid=pool and pool.get("clusterid"), clustername=pool and pool.get("clustername"),
                podid=pool and pool.get("podid"), podname=pool and pool.get("podname"),
                storagetype="local" if local else "shared", hypervisor=_hypervisor(sim, vol),
                destroyed=vol["state"] == "Destroy", isextractable=_extractable(sim, vol),
                deleteprotection=bool(vol.get("deleteprotection")), hasannotations=False,
                tags=tags_of(ctx, "volume", vol))
    if pool is not None:
        view.update(virtualsize=vol["size"], physicalsize=vol["size"])
    if not full:
        for field in FULL_ONLY:
            view.pop(field, None)
    return view
