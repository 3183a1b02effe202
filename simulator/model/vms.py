"""The VM lifecycle: create (row, NICs, Allocated volumes), start (host, files, networks), stop,
destroy, expunge, and a change of uuid.

A VM deployed with startvm=false is metadata only: Stopped, no host, its volumes Allocated (no file)
and its networks unimplemented; starting it places it on a host, gives its volumes files and
implements its networks. That is what a DR recovery VM is until failover.
"""


from .. import errors
from ..store import now
from .accounts import owner_of
from .affinity import excluded_hosts
from .hosts import pick_host
from .networks import implement
from .nics import add_nic, nics_of, remove_nic
from .uuids import check_custom_id
from .volumes import drop_file, materialise, new_data_volume, new_root_volume, remove_volume, volumes_of

GONE = ("Destroyed", "Expunging")


def vm_event(ctx, etype, verb, vm):
    """CloudStack's ActionEvent description, charged to the VM's owner."""
    ctx.event(etype, f"Successfully completed {verb} Vm. Vm Id: {vm['id']}", owner_of(ctx.sim, vm))


# -- create ----------------------------------------------------------------------------------
def _vm_row(ctx, plan):
    offering, template, zone = plan["offering"], plan["template"], plan["zone"]
    vm = {
        "state": "Stopped", "zoneid": zone["id"], "zonename": zone["name"], "hostid": None, "hostname": None,
        "serviceofferingid": offering["id"], "serviceofferingname": offering["name"],
        "cpunumber": offering["cpunumber"], "cpuspeed": offering["cpuspeed"], "memory": offering["memory"],
        "templateid": template["id"], "templatename": template["name"], "templatedisplaytext": template["displaytext"],
        "guestosid": template["ostypeid"], "ostypeid": template["ostypeid"], "osdisplayname": template["ostypename"],
        "passwordenabled": template["passwordenabled"], "userdata": plan["userdata"], "keypairs": plan["keypairs"],
        "affinitygroupids": plan["affinity"], "group": ctx.get("group"), "haenable": bool(offering.get("offerha")),
        "displayvm": ctx.p.get("displayvm", True) if ctx.caller.is_root else True,  # authorized = Admin
        "userid": ctx.caller.user["id"], "username": ctx.caller.user["username"], "_lasthostid": None,
    }
    if ctx.has("customid"):
        vm["id"] = ctx.p["customid"]
    return ctx.store.add("vm", ctx.owned(vm, plan["owner"]))


def _name(vm, plan, owner):
    """CloudStack's host name default (VM-<uuid>) and instance name (i-<account>-<vm>-VM)."""
    vm["name"] = plan["name"] or f"VM-{vm['id']}"
    vm["displayname"] = vm.get("displayname") or vm["name"]
    vm["instancename"] = f"i-{owner['_pk']}-{vm['_pk']}-VM"


def create_vm(ctx, plan):
    """The VM row, its NICs (reserving their IPs) and Allocated volumes: what deploy does before starting."""
    vm = _vm_row(ctx, plan)
    vm["displayname"] = ctx.get("displayname")
    _name(vm, plan, plan["owner"])
    try:
        for i, (net, ip) in enumerate(plan["networks"]):
            add_nic(ctx, vm, net, ip, isdefault=i == 0)
    except errors.ApiError:
        for nic in nics_of(ctx.sim, vm):
            ctx.store.delete("nic", nic)
        ctx.store.delete("vm", vm)
        raise
    new_root_volume(ctx, vm, plan["template"], ctx.get("rootdisksize"))
    if plan["disk"]:
        vol = new_data_volume(ctx, plan["owner"], plan["zone"], plan["disk"], ctx.get("size"), f"DATA-{vm['_pk']}")
        vol["displayvolume"] = vm.get("displayvm", True)
        vol.update(virtualmachineid=vm["id"], deviceid=1, attached=now())
        ctx.store.touch("volume", vol)
    for key, value in ctx.details_map().items():
        ctx.store.add("detail", {"resource_kind": "vm", "resource_pk": vm["_pk"], "key": key, "value": value,
                                 "fordisplay": True})
    vm_event(ctx, "VM.CREATE", "deploying", vm)
    return vm


# -- start and stop --------------------------------------------------------------------------
def start_vm(ctx, vm, host=None):
    """Place the VM on a host with room, give its volumes files, implement its networks: Running."""
    sim = ctx.sim
    host = pick_host(sim, vm["zoneid"], vm["cpunumber"], vm["cpuspeed"], vm["memory"],
                     exclude=excluded_hosts(sim, vm, host), vm=vm)
    for vol in volumes_of(sim, vm):
        materialise(sim, vol, host)
    for nic in nics_of(sim, vm):
        implement(sim, ctx.store.get("network", nic["networkid"]))
    vm.update(state="Running", hostid=host["id"], hostname=host["name"], _lasthostid=host["id"])
    ctx.store.touch("vm", vm)
    vm_event(ctx, "VM.START", "starting", vm)


def release_host(ctx, vm, state):
    vm.update(state=state, hostid=None, hostname=None)
    ctx.store.touch("vm", vm)


# -- destroy and expunge ---------------------------------------------------------------------
def expunge_vm(ctx, vm):
    """Free what the VM held: NICs (and the NAT/rules on them), volumes and their files."""
    for nic in nics_of(ctx.sim, vm):
        remove_nic(ctx.sim, nic)
    for vol in volumes_of(ctx.sim, vm):
        drop_file(ctx.sim, vol)
        remove_volume(ctx.sim, vol, "Expunged")
    vm.update(state="Expunging", removed=now(), hostid=None, hostname=None)
    ctx.store.touch("vm", vm)
    vm_event(ctx, "VM.EXPUNGE", "expunging", vm)


def destroy_vm(ctx, vm, delete=(), expunge=False):
    release_host(ctx, vm, "Destroyed")
    for vol in volumes_of(ctx.sim, vm):
        if vol["type"] == "ROOT":
            vol["state"] = "Destroy"
        else:  # data disks are detached, and deleted only when named in volumeids
            vol.update(virtualmachineid=None, deviceid=None, attached=None)
            if vol in delete:
                drop_file(ctx.sim, vol)
                remove_volume(ctx.sim, vol, "Expunged")
        ctx.store.touch("volume", vol)
    vm_event(ctx, "VM.DESTROY", "destroying", vm)
    if expunge:
        expunge_vm(ctx, vm)


# -- uuid ------------------------------------------------------------------------------------
def change_vm_id(ctx, vm, new_id):
    """customid: the VM's uuid changes; rows that name the VM by uuid follow it (NICs and rules use _pk)."""
    check_custom_id(ctx, "vm", new_id)
    for vol in ctx.store.find("volume", virtualmachineid=vm["id"]):
        vol["virtualmachineid"] = new_id
        ctx.store.touch("volume", vol)
    ctx.store.change_id("vm", vm, new_id)
