"""Affinity groups: create, list, delete (AffinityGroupServiceImpl; the rules they make are in model/affinity.py).

createAffinityGroup is an async create command: the group is made when the call is accepted (create()), and the
job only answers it; deleteAffinityGroup checks everything but an `id`'s access in its job."""

from .. import errors
from ..contract import SUCCESS, Job, api
from ..model.affinity import ADMIN_CONTROLLED, AFFINITY_TYPES
from ..views.affinity import affinity_group_view
from .accounts import check_domain_access
from .filters import keyword_filter


def _owner(ctx, gtype):
    """finalizeOwner, or a domain-level group (root admin, domainid without account, a type shared domain wide)."""
    if ctx.has("domainid") and not ctx.has("account"):
        if not ctx.caller.is_root:
            raise errors.invalid("Unable to create affinity group, account name must be passed with the domainId")
        if gtype not in ADMIN_CONTROLLED:
            raise errors.invalid(f"Unable to create affinity group, account name is needed. Affinity group type "
                                 f"{gtype} cannot be shared domain wide")
        domain = ctx.lookup("domain", "domainid")
        check_domain_access(ctx, domain)
        return None, domain
    owner = ctx.owner()
    return owner, ctx.store.get("domain", owner["domainid"])


@api("createAffinityGroup")
def create_affinity_group(ctx):
    name, gtype = ctx.p["name"], ctx.p["type"]
    if gtype not in AFFINITY_TYPES:
        raise errors.invalid(f"Unable to create affinity group, invalid affinity group type: {gtype}. Valid values are "
                             f"{','.join(AFFINITY_TYPES)}")
    if gtype in ADMIN_CONTROLLED and not ctx.caller.is_root:
        raise errors.denied("Cannot create the affinity group")
    owner, domain = _owner(ctx, gtype)
    if owner is not None and ctx.store.first("affinitygroup", name=name, accountid=owner["id"]):
        raise errors.invalid(f"Unable to create affinity group, a group with name {name} already exists.")
    if owner is None and ctx.store.first("affinitygroup", name=name, accountid=None, domainid=domain["id"]):
        raise errors.invalid(f"Unable to create affinity group, a group with name {name} already exists under the "
                             "domain.")
    row = {"name": name, "type": gtype, "description": ctx.get("description")}
    if owner is not None:
        group = ctx.store.add("affinitygroup", ctx.owned(row, owner))
    else:
        group = ctx.store.add("affinitygroup", dict(row, accountid=None, domainid=domain["id"],
                                                    domain=domain["name"], domainpath=domain["path"]))
    ctx.event("AG.CREATE", "Successfully created entity for Creating Affinity Group", owner)
    return Job(lambda: affinity_group_view(ctx, group), instance_type="AffinityGroup", instance_id=group["id"])


@api("listAffinityGroups")
def list_affinity_groups(ctx):
    """QueryManagerImpl.searchForAffinityGroupsInternal: the caller's groups and its domain's domain-level ones."""
    groups = [g for g in ctx.mine(ctx.store.all("affinitygroup")) if g.get("accountid") is not None
              or ctx.caller.is_root or g["domainid"] == ctx.caller.domain["id"]]  # domain level: no subdomains
    if ctx.has("type"):
        groups = [g for g in groups if g["type"] == ctx.p["type"]]
    if ctx.has("virtualmachineid"):
        vm = ctx.store.get("vm", ctx.p["virtualmachineid"])
        if vm is None or vm.get("removed"):
            raise errors.invalid(f"Unable to list affinity groups for virtual machine instance "
                                 f"{ctx.p['virtualmachineid']}; instance not found.")
        ctx.check_access(vm)
        groups = [g for g in groups if g["id"] in (vm.get("affinitygroupids") or [])]
    return [affinity_group_view(ctx, g) for g in keyword_filter(ctx, groups)]


@api("deleteAffinityGroup")
def delete_affinity_group(ctx):
    """AffinityGroupServiceImpl.deleteAffinityGroup: an `id` is resolved and access-checked at once (@ACL); a name
    is looked up in the job ("Unable to find affinity group <name>", 431), as is neither being given."""
    group = ctx.lookup("affinitygroup", "id", required=False)
    owner = ctx.owner() if group is None and ctx.has("name") else None

    def run():
        found = group
        if found is None:
            if not ctx.has("name"):
                raise errors.invalid("Either the affinity group Id or group name must be specified to delete the "
                                     "group")
            found = ctx.store.first("affinitygroup", name=ctx.p["name"], accountid=owner["id"])
            if found is None:
                raise errors.invalid(f"Unable to find affinity group {ctx.p['name']}")
        for vm in ctx.store.all("vm"):  # CloudStack drops the group's VM mappings with it
            if found["id"] in (vm.get("affinitygroupids") or []):
                vm["affinitygroupids"] = [g for g in vm["affinitygroupids"] if g != found["id"]]
                ctx.store.touch("vm", vm)
        ctx.store.delete("affinitygroup", found)
        ctx.event("AG.DELETE", "Successfully completed Deleting affinity group",
                  ctx.store.get("account", found.get("accountid")))
        return SUCCESS

    return Job(run, instance_type="AffinityGroup", instance_id=group and group["id"])
