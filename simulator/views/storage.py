"""Storage views: primary pools with their allocation, volumes, and unmanaged files for import."""

from ..model.volumes import GONE_STATES
from .common import public


def pool_view(pool, allocated):
    view = public(pool)
    view.update(disksizeallocated=allocated, disksizeused=allocated)
    return view


def volume_view(sim, vol):
    view = public(vol)
    vm = sim.store.get("vm", vol.get("virtualmachineid"))
    if vm:
        view.update(vmname=vm["name"], vmdisplayname=vm.get("displayname") or vm["name"], vmstate=vm["state"],
                    vmtype="User")
    pool = sim.store.get("storagepool", vol.get("storageid"))
    if pool:
        view.update(storage=pool["name"], clusterid=pool.get("clusterid"), clustername=pool.get("clustername"),
                    podid=pool.get("podid"), podname=pool.get("podname"))
    view.update(destroyed=vol["state"] in GONE_STATES, storagetype="shared", hypervisor="KVM",
                virtualsize=vol["size"], isextractable=True, quiescevm=False,
                tags=[{"key": t["key"], "value": t["value"], "resourcetype": "Volume", "resourceid": vol["id"],
                       "account": t.get("account"), "domainid": t.get("domainid"), "domain": t.get("domain")}
                      for t in sim.store.find("tag", resource_kind="volume", resource_pk=vol["_pk"])])
    view.pop("removed", None)
    return view


def file_view(pool, path, f):
    return {"name": path, "path": path, "fullpath": f"/mnt/{pool['id']}/{path}", "format": f["format"],
            "size": f["size"], "virtualsize": f["size"], "storageid": pool["id"], "storage": pool["name"],
            "storagetype": pool["type"], "details": {}}
