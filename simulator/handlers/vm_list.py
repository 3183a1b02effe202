"""listVirtualMachines (and its Metrics twin): which VMs a caller sees, and the filters."""

from .. import errors
from ..contract import api
from ..model.vms import GONE
from ..views.vm import vm_view
from .filters import display_filter

ROOT_FILTERS = ("hostid",)  # honoured for root admins only, as QueryManagerImpl does
# ListVMsCmd.getDetails: the values `details` may hold
DETAILS = ("all", "group", "nics", "stats", "secgrp", "tmpl", "servoff", "diskoff", "backoff", "iso", "volume", "min",
           "affgrp", "vnfnics")


def _on_networks(sim, vms, network_ids):
    pks = {n["_vm_pk"] for n in sim.store.all("nic") if n["networkid"] in network_ids}
    return [v for v in vms if v["_pk"] in pks]


def _scoped(ctx, vms):
    """AccountManagerImpl.buildACLSearchParameters: an admin asking for one `id` (without listall, domainid or
    account) is not narrowed to its own account: a root admin finds any VM, a domain admin any in its domain
    tree; otherwise the usual account/domainid/listall narrowing."""
    if ctx.has("id") and ctx.caller.is_admin and not (ctx.p.get("listall") or ctx.has("domainid")
                                                      or ctx.has("account")):
        return [v for v in vms if ctx.can_see(v)]
    return ctx.mine(vms)


def visible_vms(ctx):
    """CloudStack's listVirtualMachines rules (QueryManagerImpl.searchForUserVMs): only displayed VMs, root
    admins included, unless a root admin passes displayvm=false (then only hidden ones: ListVMsCmd.getDisplay);
    a tenant never sees (allow.user.view.destroyed.vm=false) a destroyed one; removed VMs are gone for everyone."""
    vms = display_filter(ctx, [v for v in ctx.store.all("vm") if not v.get("removed")], "displayvm")
    if not ctx.caller.is_admin:
        vms = [v for v in vms if v["state"] not in GONE]
    return _scoped(ctx, vms)


def _sections(ctx):
    """ListVMsCmd.getDetails: absent is `all`; an unknown value is refused."""
    wanted = ctx.p.get("details")
    if not wanted:
        return None
    wanted = wanted if isinstance(wanted, list) else [wanted]
    for value in wanted:
        if value not in DETAILS:
            raise errors.invalid("The details parameter contains a non permitted value. The allowed values are "
                                 f"[{', '.join(DETAILS)}]")
    return set(wanted)


def _keyword(ctx, vms):
    """QueryManagerImpl.searchForUserVMIdsAndCount: keyword is LIKE on the display name, host name and NIC
    addresses, equal to the state, and (root admins) LIKE on the instance name."""
    kw = ctx.p["keyword"].lower()
    ips = {}
    for nic in ctx.store.all("nic"):
        ips.setdefault(nic["_vm_pk"], []).append(nic.get("ipaddress") or "")
    fields = ("name", "displayname") + (("instancename",) if ctx.caller.is_root else ())
    return [v for v in vms if any(kw in str(v.get(f) or "").lower() for f in fields)
            or any(kw in ip for ip in ips.get(v["_pk"], ())) or v["state"].lower() == kw]


@api("listVirtualMachines")
def list_virtual_machines(ctx):
    if ctx.has("id") and ctx.has("ids"):
        raise errors.invalid("Specify either id or ids but not both parameters")
    sections = _sections(ctx)
    vms = visible_vms(ctx)
    for field in ("zoneid", "serviceofferingid", "templateid", "haenable", *ROOT_FILTERS):
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
    if ctx.has("keyword"):
        vms = _keyword(ctx, vms)
    for param, field in (("id", "id"), ("name", "name")):  # `name` is an exact match on the host name
        if ctx.has(param):
            vms = [v for v in vms if v[field] == ctx.p[param]]
    if ctx.has("ids"):
        vms = [v for v in vms if v["id"] in set(ctx.p["ids"])]
    with_userdata = bool(ctx.p.get("userdata"))
    return [vm_view(ctx, v, with_userdata, sections=sections) for v in vms]


api("listVirtualMachinesMetrics")(list_virtual_machines)
