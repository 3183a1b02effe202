"""The VM lifecycle: create (row, NICs, Allocated volumes), start (host, files, networks), stop,
destroy, expunge, and a change of uuid.

A VM deployed with startvm=false is metadata only: Stopped, no host, its volumes Allocated (no file)
and its networks unimplemented; starting it places it on a host, gives its volumes files and
implements its networks. That is what a DR recovery VM is until failover.
"""

from .. import errors
from ..errors import ApiError
from ..store import now
from .accounts import owner_of
from .affinity import excluded_hosts
from .alerts import send_alert
from .hosts import fits, pick_host, usage_by_host
from .networks import implement
from .nics import add_nic, nics_of, remove_nic
from .power import powered_off, powered_on
from .texts import network_vo_text, vm_text, volume_text
from .vm_snapshots import remove_all as remove_vm_snapshots
from .volumes import (
    check_disks_writable,
    drop_file,
    materialise,
    new_data_volume,
    new_root_volume,
    remove_volume,
    volumes_of,
)

GONE = ("Destroyed", "Expunging")
# DeployVMCmd/StartVMCmd.execute: what an InsufficientServerCapacityException of a VM with affinity groups adds
AFFINITY_SUFFIX = ", Please check the affinity groups provided, there may not be sufficient capacity to follow them"
USERVM_ALERT = 8  # AlertManager.AlertType.ALERT_TYPE_USERVM


def vm_event(ctx, etype, verb, vm, outcome="Successfully completed", level="INFO"):
    """CloudStack's ActionEvent description, charged to the VM's owner."""
    ctx.sim.event(etype, f"{outcome} {verb} Vm. Vm Id: {vm['id']}", owner_of(ctx.sim, vm), ctx.caller.user,
                  level=level)


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
        "deleteprotection": False, "backupofferingid": None,
    }
    if plan.get("customid"):
        vm["id"] = plan["customid"]
    return ctx.store.add("vm", ctx.owned(vm, plan["owner"]))


def _name(vm, plan, owner):
    """UserVmManagerImpl.createVirtualMachine: the host name is `name`, else VM-<uuid> (instance.name "VM");
    the display name is `displayname`, else the host name; the instance name i-<account>-<vm>-VM."""
    vm["name"] = plan["name"] or f"VM-{vm['id']}"
    vm["displayname"] = vm.get("displayname") or vm["name"]
    vm["instancename"] = f"i-{owner['_pk']}-{vm['_pk']}-VM"


def _no_guest_ip_text(ctx, network, zone):
    """GuestNetworkGuru.allocate's InsufficientVirtualNetworkCapacityException, as the CloudRuntimeException that
    wraps it prints it (UserVmManagerImpl.getUncheckedUserVmResource: new CloudRuntimeException(e))."""
    offering = ctx.store.get("networkoffering", network["networkofferingid"])
    return ("com.cloud.exception.InsufficientVirtualNetworkCapacityException: Unable to acquire Guest IP address for "
            f"network {network_vo_text(network, offering)}Scope=interface com.cloud.dc.DataCenter; id={zone['_pk']}")


def _add_details(ctx, vm, details):
    for key, value in details.items():
        ctx.store.add("detail", {"resource_kind": "vm", "resource_pk": vm["_pk"], "key": key, "value": value,
                                 "fordisplay": True})


def create_vm(ctx, plan):
    """The VM row, its NICs (reserving their IPs) and Allocated volumes: what deploy does before starting.

    VirtualMachineManagerImpl.allocate: the row exists before its NICs; a NIC whose IP cannot be had (taken,
    out of range) moves the VM to Error, keeping its uuid (so its customid) and the NICs made before, and no
    volume is made; the call fails with 530 (its text for root admins only)."""
    vm = _vm_row(ctx, plan)
    vm["displayname"] = ctx.get("displayname")
    _name(vm, plan, plan["owner"])
    for i, (net, ip) in enumerate(plan["networks"]):
        try:
            add_nic(ctx, vm, net, ip, isdefault=i == 0)
        except ApiError as exc:
            if exc.errorcode != errors.INSUFFICIENT_CAPACITY:
                raise
            vm["state"] = "Error"
            ctx.store.touch("vm", vm)
            vm_event(ctx, "VM.CREATE", "creating entity for deploying", vm, outcome="Error while", level="ERROR")
            raise errors.internal_for(ctx.caller, _no_guest_ip_text(ctx, net, plan["zone"])) from None
    new_root_volume(ctx, vm, plan["template"], ctx.get("rootdisksize"))
    if plan["disk"]:
        vol = new_data_volume(ctx, plan["owner"], plan["zone"], plan["disk"], ctx.get("size"), f"DATA-{vm['_pk']}")
        vol["displayvolume"] = vm.get("displayvm", True)
        vol.update(virtualmachineid=vm["id"], deviceid=1, attached=now())
        ctx.store.touch("volume", vol)
    _add_details(ctx, vm, plan["details"])
    vm_event(ctx, "VM.CREATE", "created entity for deploying", vm, outcome="Successfully")
    return vm


def failed_deploy(ctx, vm):
    """UserVmManagerImpl.updateVmStateForFailedVmCreation: a deployed VM that could not start goes to Error, its
    volumes are destroyed (state Destroy) and an ALERT.USERVM alert is sent."""
    if vm["state"] != "Stopped":
        return
    vm["state"] = "Error"
    ctx.store.touch("vm", vm)
    for vol in volumes_of(ctx.sim, vm):
        if vol["state"] != "Destroy":
            vol["state"] = "Destroy"
            ctx.store.touch("volume", vol)
    text = f"Failed to deploy Vm {vm_text(vm)}, on Host null with Id: null"
    send_alert(ctx.store, USERVM_ALERT, "ALERT.USERVM", text, vm["zoneid"], once=False)  # USERVM is exempted


# -- start and stop --------------------------------------------------------------------------
def _no_destination(sim, vm):
    """VMEntityManagerImpl.reserveVirtualMachine: "No destination found ..." for a VM whose ROOT never got a pool;
    with a Ready ROOT the planner's plan is changed to its pool and VirtualMachineManagerImpl.orchestrateStart
    fails with "Unable to create a deployment ..."; the command adds the affinity hint."""
    ready_root = any(v["type"] == "ROOT" and v["state"] == "Ready" for v in volumes_of(sim, vm))
    text = ("Unable to create a deployment for " if ready_root else "No destination found for a deployment for ")
    return errors.capacity(text + vm_text(vm) + (AFFINITY_SUFFIX if vm.get("affinitygroupids") else ""))


def place(sim, vm, host=None):
    """The host the VM starts on: `host` if given, else its last host when it still has room
    (considerlasthost, default true), else a random fitting one; none is a 533."""
    args = (sim, vm["zoneid"], vm["cpunumber"], vm["cpuspeed"], vm["memory"])
    try:
        if host is None and vm.get("_lasthostid"):
            try:
                last = sim.store.get("host", vm["_lasthostid"])
                return pick_host(*args, exclude=excluded_hosts(sim, vm, last), vm=vm)
            except ApiError:
                pass
        return pick_host(*args, exclude=excluded_hosts(sim, vm, host), vm=vm)
    except ApiError as exc:
        if exc.errorcode != errors.INSUFFICIENT_CAPACITY:
            raise
        raise _no_destination(sim, vm) from None


def _host_text(host):
    """HostVO.toString."""
    return f'Host {{"id":{host["_pk"]},"name":"{host["name"]}","type":"{host["type"]}","uuid":"{host["id"]}"}}'


def check_given_host(sim, vm, host):
    """UserVmManagerImpl.getDestinationHost and startVirtualMachine for a given host: Enabled and Up, with room
    (allow.deploy.vm.if.deploy.on.given.host.fails is false): InvalidParameterValueExceptions."""
    if host["resourcestate"] != "Enabled" or host["state"] != "Up":
        raise errors.invalid(f"Unable to deploy the VM as the host: {host['name']} is not in the right state")
    if not fits(host, usage_by_host(sim).get(host["id"], (0, 0)), vm["cpunumber"], vm["cpuspeed"], vm["memory"]):
        raise errors.invalid(f"Cannot deploy the VM to specified host {_host_text(host)}, host does not have enough "
                             "free CPU or RAM, please check the logs")


def start_vm(ctx, vm, host=None, event=True):
    """Place the VM on a host with room, give its volumes files, implement its networks: Running. The
    `deployvm` detail goes at the first start (VirtualMachineManagerImpl.orchestrateStart)."""
    sim = ctx.sim
    host = place(sim, vm, host)
    check_usable_volumes(sim, vm)
    check_disks_writable(sim, vm)
    for vol in volumes_of(sim, vm):
        materialise(sim, vol, host)
    for nic in nics_of(sim, vm):
        implement(sim, ctx.store.get("network", nic["networkid"]))
    vm.update(state="Running", hostid=host["id"], hostname=host["name"], _lasthostid=host["id"])
    powered_on(vm, host)
    ctx.store.touch("vm", vm)
    for row in ctx.store.find("detail", resource_kind="vm", resource_pk=vm["_pk"], key="deployvm"):
        ctx.store.delete("detail", row)
    if event:
        vm_event(ctx, "VM.START", "starting", vm)


USABLE_VOLUME_STATES = ("Creating", "Ready", "Allocated")  # VolumeDaoImpl.findUsableVolumesForInstance


def check_usable_volumes(sim, vm):
    """DeploymentPlanningManagerImpl.findSuitablePoolsForVolumes, reached once the planner has a host: a VM
    without a usable volume, or without a ROOT volume, is refused (CloudRuntimeException: 530), root admins and
    HA restarts alike."""
    vols = volumes_of(sim, vm)
    if not any(v["state"] in USABLE_VOLUME_STATES for v in vols):
        raise errors.internal(f"Unable to create deployment, no usable volumes found for the VM: {vm['id']}")
    if not any(v["type"] == "ROOT" for v in vols):
        raise errors.internal(f"Unable to deploy VM [{vm['id']}] because the ROOT volume is missing.")


def agent_unreachable(sim, vm):
    """AgentManagerImpl.send to a host whose agent is gone (its zone failed): the AgentUnavailableException's
    text, or None when the VM's host is Up."""
    host = sim.store.get("host", vm.get("hostid"))
    if host is None or host["state"] == "Up":
        return None
    return f"Resource [Host:{host['_pk']}] is unreachable: Host {host['_pk']}: Unable to find agent "


def release_host(ctx, vm, state):
    vm.update(state=state, hostid=None, hostname=None)
    ctx.store.touch("vm", vm)


def stop_vm(ctx, vm, forced):
    """VirtualMachineManagerImpl.advanceStop: Stopped, Destroyed, Expunging or Error VMs are left as they are;
    a VM whose host cannot be reached (its zone failed) is stopped only when forced, else the stop fails
    (the VM stays Running)."""
    if vm["state"] in ("Stopped", "Destroyed", "Expunging", "Error"):
        return
    host = ctx.store.get("host", vm.get("hostid"))
    reached = host is not None and host["state"] == "Up"
    if not forced and not reached:
        raise errors.internal(f"Unable to stop {vm_text(vm)}")
    if reached:  # a forced stop of an unreachable host's VM only changes the database: the domain runs on
        powered_off(vm)
    release_host(ctx, vm, "Stopped")
    vm_event(ctx, "VM.STOP", "stopping", vm)


# -- destroy and expunge ---------------------------------------------------------------------
def expunge_vm(ctx, vm):
    """Free what the VM held: NICs (and the NAT/rules on them), VM snapshots, volumes and their files."""
    for nic in nics_of(ctx.sim, vm):
        remove_nic(ctx.sim, nic)
    remove_vm_snapshots(ctx.sim, vm)
    for vol in volumes_of(ctx.sim, vm):
        drop_file(ctx.sim, vol)
        remove_volume(ctx.sim, vol, "Expunged")
    vm.update(state="Expunging", removed=now(), hostid=None, hostname=None)
    ctx.store.touch("vm", vm)
    vm_event(ctx, "VM.EXPUNGE", "expunging", vm)


def destroy_vm(ctx, vm, delete=(), expunge=False):
    """UserVmManagerImpl.destroyVm: the VM is stopped (not forced: a VM that cannot be stopped fails the
    destroy), its VM snapshots deleted, its data disks detached; it becomes Destroyed, or Expunging from Error
    (VirtualMachine.State's transitions). Its ROOT keeps its state (destroy.root.volume.on.vm.destruction is
    false). The data disks in `delete` are destroyed (state Destroy, recoverable), or expunged with `expunge`."""
    stop_vm(ctx, vm, forced=False)
    remove_vm_snapshots(ctx.sim, vm)
    for vol in volumes_of(ctx.sim, vm):
        if vol["type"] == "DATADISK":
            vol.update(virtualmachineid=None, deviceid=None, attached=None)
            ctx.store.touch("volume", vol)
            ctx.event("VOLUME.DETACH", f"Successfully completed detaching volume from VM. Volume Id: {vol['id']}",
                      owner_of(ctx.sim, vol))
    release_host(ctx, vm, "Expunging" if vm["state"] == "Error" else "Destroyed")
    vm_event(ctx, "VM.DESTROY", "destroying", vm)
    if expunge:
        expunge_vm(ctx, vm)
    for vol in delete:
        if expunge:
            drop_file(ctx.sim, vol)
            remove_volume(ctx.sim, vol, "Expunged")
        else:
            vol["state"] = "Destroy"
            ctx.store.touch("volume", vol)
        ctx.event("VOLUME.DESTROY", f"Successfully completed destroying a volume. {volume_text(vol)}",
                  owner_of(ctx.sim, vol))


# -- uuid ------------------------------------------------------------------------------------
def change_vm_id(ctx, vm, new_id):
    """customid: the VM's uuid changes; rows that name the VM by uuid follow it (NICs and rules use _pk)."""
    for vol in ctx.store.find("volume", virtualmachineid=vm["id"]):
        vol["virtualmachineid"] = new_id
        ctx.store.touch("volume", vol)
    ctx.store.change_id("vm", vm, new_id)
