"""VPCs: create (implemented at once unless start=false), list, update, delete."""

from .. import errors
from ..contract import SUCCESS, Job, api
from ..model.accounts import owner_of
from ..model.addresses import parse_cidr
from ..model.limit_checks import check_new_vpc
from ..model.networks import implement_vpc
from ..model.public_ips import release_ip
from ..views.network import vpc_view
from .filters import display_filter, filter_eq, keyword_filter
from .network_common import rename_work


@api("createVPC")
def create_vpc(ctx):
    zone = ctx.lookup("zone", "zoneid")
    offering = ctx.lookup("vpcoffering", "vpcofferingid")
    check_new_vpc(ctx, ctx.owner())  # resource limits (model/limit_checks.py)
    cidr = str(parse_cidr(ctx.p["cidr"], "CIDR"))
    owner = ctx.owner()
    vpc = ctx.store.add("vpc", ctx.owned({
        "name": ctx.p["name"], "displaytext": ctx.get("displaytext", ctx.p["name"]), "cidr": cidr,
        "zoneid": zone["id"], "zonename": zone["name"], "vpcofferingid": offering["id"], "state": "Enabled",
        "implemented": False, "redundantvpcrouter": False, "networkdomain": ctx.get("networkdomain"),
        # CreateVPCCmd's fordisplay reaches VpcManagerImpl.createVpc unused in 4.20: every VPC starts displayed
        "fordisplay": True,
    }, owner))
    start = ctx.p.get("start", True)

    def run():
        if start:
            implement_vpc(ctx.sim, vpc)
        ctx.event("VPC.CREATE", f"Vpc Name: {vpc['name']}, Id: {vpc['id']}", owner)
        return vpc_view(ctx.sim, vpc, ctx.caller.is_root)

    return Job(run, "Vpc", vpc["id"], object_key="vpc")


@api("listVPCs")
def list_vpcs(ctx):
    items = filter_eq(ctx, display_filter(ctx, ctx.mine(ctx.store.all("vpc")), "fordisplay"), "zoneid",
                      "vpcofferingid", "state", "cidr")
    return [vpc_view(ctx.sim, v, ctx.caller.is_root) for v in keyword_filter(ctx, items, "name", "displaytext")]


@api("updateVPC")
def update_vpc(ctx):
    vpc = ctx.lookup("vpc", "id")
    return Job(rename_work(ctx, "vpc", vpc, "VPC.UPDATE", vpc_view, display="fordisplay"), "Vpc", vpc["id"],
               object_key="vpc")


@api("deleteVPC")
def delete_vpc(ctx):
    vpc = ctx.lookup("vpc", "id")

    def run():
        tiers = ctx.store.find("network", vpcid=vpc["id"])
        if tiers:
            raise errors.invalid(f"Can't delete VPC {vpc['id']} as its used by {len(tiers)} networks")
        for ip in ctx.store.find("publicip", vpcid=vpc["id"]):
            release_ip(ctx.sim, ip)
        ctx.store.delete("vpc", vpc)
        ctx.event("VPC.DELETE", f"Vpc Name: {vpc['name']}, Id: {vpc['id']}", owner_of(ctx.sim, vpc))
        return SUCCESS

    return Job(run, "Vpc", vpc["id"])
