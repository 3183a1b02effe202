"""Affinity groups: create, list, delete (the rules they make are in model/affinity.py)."""

from .. import errors
from ..contract import SUCCESS, Job, api
from ..model.affinity import AFFINITY_TYPES, group_named
from ..views.affinity import affinity_group_view
from .filters import keyword_filter


@api("createAffinityGroup")
def create_affinity_group(ctx):
    owner = ctx.owner()
    name, gtype = ctx.p["name"], ctx.p["type"]
    if gtype not in AFFINITY_TYPES:
        raise errors.invalid(f"Unable to create affinity group, invalid affinity group type{gtype}")
    if ctx.store.first("affinitygroup", name=name, accountid=owner["id"]):
        raise errors.invalid(f"Unable to create affinity group, a group with name {name} already exists.")

    def run():
        group = ctx.store.add("affinitygroup", ctx.owned(
            {"name": name, "type": gtype, "description": ctx.get("description")}, owner))
        ctx.event("AG.CREATE", f"Affinity group {name}", owner)
        return affinity_group_view(ctx, group)

    return Job(run, instance_type="AffinityGroup")


@api("listAffinityGroups")
def list_affinity_groups(ctx):
    groups = ctx.mine(ctx.store.all("affinitygroup"))
    if ctx.has("type"):
        groups = [g for g in groups if g["type"] == ctx.p["type"]]
    if ctx.has("virtualmachineid"):
        vm = ctx.lookup("vm", "virtualmachineid")
        groups = [g for g in groups if g["id"] in (vm.get("affinitygroupids") or [])]
    return [affinity_group_view(ctx, g) for g in keyword_filter(ctx, groups)]


@api("deleteAffinityGroup")
def delete_affinity_group(ctx):
    if ctx.has("id"):
        group = ctx.lookup("affinitygroup", "id")
    elif ctx.has("name"):
        group = group_named(ctx, ctx.owner(), ctx.p["name"])
    else:
        raise errors.invalid("Either the affinity group Id or name should be specified")

    def run():
        for vm in ctx.store.all("vm"):  # CloudStack drops the group's VM mappings with it
            if group["id"] in (vm.get("affinitygroupids") or []):
                vm["affinitygroupids"] = [g for g in vm["affinitygroupids"] if g != group["id"]]
                ctx.store.touch("vm", vm)
        ctx.store.delete("affinitygroup", group)
        ctx.event("AG.DELETE", f"Affinity group {group['name']}", ctx.store.get("account", group["accountid"]))
        return SUCCESS

    return Job(run, instance_type="AffinityGroup", instance_id=group["id"])
