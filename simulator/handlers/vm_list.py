"""listVirtualMachines (and its Metrics twin): which VMs a caller sees, and the filters."""

from ..contract import api
from ..model.vms import GONE
from ..views.vm import vm_view
from .filters import display_filter, keyword_filter

ROOT_FILTERS = ("hostid",)  # honoured for root admins only, as QueryManagerImpl does


def _on_networks(sim, vms, network_ids):
    pks = {n["_vm_pk"] for n in sim.store.all("nic") if n["networkid"] in network_ids}
    return [v for v in vms if v["_pk"] in pks]


def visible_vms(ctx):
    """CloudStack's listVirtualMachines rules (QueryManagerImpl.searchForUserVMs): only displayed VMs, root
    admins included, unless a root admin passes displayvm=false (then only hidden ones: ListVMsCmd.getDisplay);
    a tenant never sees (allow.user.view.destroyed.vm=false) a destroyed one; removed VMs are gone for everyone."""
    vms = display_filter(ctx, [v for v in ctx.store.all("vm") if not v.get("removed")], "displayvm")
    if not ctx.caller.is_admin:
        vms = [v for v in vms if v["state"] not in GONE]
    return ctx.mine(vms)


@api("listVirtualMachines")
def list_virtual_machines(ctx):
    vms = visible_vms(ctx)
    for field in ("zoneid", "serviceofferingid", "templateid", "haenable", "userdataid", *ROOT_FILTERS):
        if ctx.p.get(field) not in (None, "") and (ctx.caller.is_root or field not in ROOT_FILTERS):
            vms = [v for v in vms if v.get(field) == ctx.p[field]]
    state = (ctx.get("state") or "").lower()
    if state:
        vms = [v for v in vms if (v["state"] not in GONE if state == "present" else v["state"].lower() == state)]
    if ctx.has("keypair"):
        vms = [v for v in vms if ctx.p["keypair"] in (v.get("keypairs") or "").split(",")]
    if ctx.has("networkid"):
        vms = _on_networks(ctx.sim, vms, {ctx.p["networkid"]})
    if ctx.has("vpcid"):
        vms = _on_networks(ctx.sim, vms, {n["id"] for n in ctx.store.find("network", vpcid=ctx.p["vpcid"])})
    if ctx.has("affinitygroupid"):
        vms = [v for v in vms if ctx.p["affinitygroupid"] in (v.get("affinitygroupids") or [])]
    with_userdata = bool(ctx.p.get("userdata"))
    return [vm_view(ctx, v, with_userdata) for v in keyword_filter(ctx, vms, "name", "displayname")]


api("listVirtualMachinesMetrics")(list_virtual_machines)
