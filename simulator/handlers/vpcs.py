"""VPCs: create (implemented at once unless start=false), list, update, delete.

createVPC is a BaseAsyncCreateCmd: the VPC row, its checks and its VPC.CREATE usage event (the VPC bills
from now, started or not) are in create(), answered to the call; the job only starts it (router and source
NAT IP) when start is true.
"""

from .. import errors
from ..contract import SUCCESS, Job, api
from ..model.accounts import owner_of
from ..model.addresses import rfc1918
from ..model.limit_checks import check_new_vpc
from ..model.networks import default_network_domain, implement_vpc
from ..model.public_ips import release_ip
from ..model.rules import valid_cidr
from ..model.texts import vpc_text
from ..model.usage import usage_event
from ..views.network import vpc_view
from .filters import display_filter, filter_eq
from .network_common import acl_scope, create_owner, owned_lookup, rename_work, tags_filter


def _check_cidr(ctx):
    """VpcManagerImpl.validateVpcCidrSize and createVpc(display, vpc): a valid RFC 1918 CIDR, no cidrsize."""
    if not ctx.has("cidr") and not ctx.has("cidrsize"):
        raise errors.invalid("VPC cidr or cidr size must be specified")
    if ctx.has("cidr") and ctx.has("cidrsize"):
        raise errors.invalid("VPC cidr and cidr size are mutually exclusive")
    if ctx.has("cidrsize"):
        raise errors.invalid("VPC cidr size is only applicable on VPC with Routed mode")


@api("createVPC")
def create_vpc(ctx):
    """CreateVPCCmd.create -> VpcManagerImpl.createVpc; execute -> startVpc in the job when start is true."""
    owner = create_owner(ctx)
    zone = ctx.lookup("zone", "zoneid")
    offering = ctx.lookup("vpcoffering", "vpcofferingid")
    check_new_vpc(ctx, ctx.owner())  # resource limits (model/limit_checks.py)
    if offering["state"] != "Enabled":
        raise errors.invalid("Unable to find vpc offering in Enabled state by specified id")
    _check_cidr(ctx)
    if zone.get("allocationstate") == "Disabled" and not ctx.caller.is_root:
        raise errors.denied("Cannot perform this operation since specified Zone is currently disabled")
    cidr = ctx.p["cidr"]
    if "/" not in cidr or not valid_cidr(cidr) or ":" in cidr:
        raise errors.invalid(f"Invalid CIDR specified {cidr}")
    if not rfc1918(cidr):
        raise errors.invalid(f"Guest Cidr {cidr} is not RFC1918 compliant")
    vpc = ctx.store.add("vpc", ctx.owned({
        "name": ctx.p["name"], "displaytext": ctx.get("displaytext", ctx.p["name"]), "cidr": cidr,
        "zoneid": zone["id"], "zonename": zone["name"], "vpcofferingid": offering["id"], "state": "Enabled",
        "implemented": False, "redundantvpcrouter": False,
        "networkdomain": ctx.get("networkdomain") or default_network_domain(owner),
        # CreateVPCCmd's fordisplay reaches VpcManagerImpl.createVpc unused in 4.20: every VPC starts displayed
        "fordisplay": True,
    }, owner))
    usage_event(ctx.sim, "VPC.CREATE", owner, zone["id"], vpc, vpc["name"])
    start = ctx.p.get("start", True)

    def run():
        if start:
            implement_vpc(ctx.sim, vpc)
        ctx.event("VPC.CREATE", f"Vpc Name: {vpc['name']}, Id: {vpc['id']}", owner)
        return vpc_view(ctx.sim, vpc, ctx.caller.is_root)

    return Job(run, "Vpc", vpc["id"], object_key="vpc")


@api("listVPCs")
def list_vpcs(ctx):
    """VpcManagerImpl.listVpcs: account scope (an admin's `id` looks beyond), `name` and `displaytext` substring
    matches, keyword on either, displayed VPCs unless a root admin asks; the newest first."""
    items = display_filter(ctx, acl_scope(ctx, ctx.store.all("vpc")), "fordisplay")
    items = filter_eq(ctx, items, "id", "zoneid", "vpcofferingid", "state", "cidr")
    for name in ("name", "displaytext"):
        if ctx.has(name):
            items = [v for v in items if ctx.p[name].lower() in v[name].lower()]
    if ctx.has("keyword"):
        kw = ctx.p["keyword"].lower()
        items = [v for v in items if kw in v["name"].lower() or kw in v["displaytext"].lower()]
    items = sorted(tags_filter(ctx, items, "vpc"), key=lambda v: (v["created"], v["_pk"]), reverse=True)
    return [vpc_view(ctx.sim, v, ctx.caller.is_root) for v in items]


@api("updateVPC")
def update_vpc(ctx):
    vpc = owned_lookup(ctx, "vpc")
    return Job(rename_work(ctx, "vpc", vpc, "VPC.UPDATE", vpc_view, display="fordisplay"), "Vpc", vpc["id"],
               object_key="vpc")


@api("deleteVPC")
def delete_vpc(ctx):
    """VpcManagerImpl.deleteVpc/destroyVpc: refused while tiers remain; its IPs are released; the VPC.DELETE usage
    event is saved only for a displayed VPC (UsageEventUtils: a hidden VPC's usage stays open)."""
    vpc = owned_lookup(ctx, "vpc")

    def run():
        tiers = ctx.store.find("network", vpcid=vpc["id"])
        if tiers:
            raise errors.invalid(f"Can't delete VPC {vpc_text(vpc)} as its used by {len(tiers)} networks")
        for row in ctx.store.find("tag", resource_kind="vpc", resource_pk=vpc["_pk"]):
            ctx.store.delete("tag", row)
        for ip in ctx.store.find("publicip", vpcid=vpc["id"]):
            release_ip(ctx.sim, ip)
        ctx.store.delete("vpc", vpc)
        owner = owner_of(ctx.sim, vpc)
        if vpc["fordisplay"]:
            usage_event(ctx.sim, "VPC.DELETE", owner, vpc["zoneid"], vpc, vpc["name"])
        ctx.event("VPC.DELETE", f"Vpc Name: {vpc['name']}, Id: {vpc['id']}", owner)
        return SUCCESS

    return Job(run, "Vpc", vpc["id"])
