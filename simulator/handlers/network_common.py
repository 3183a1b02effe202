"""What the networking commands share: the lookups of what the caller may change, the owner a create acts
for, list scoping and order, 530 texts, the rename work."""

import ipaddress

from .. import errors
from ..errors import ApiError
from ..model.accounts import owner_of
from ..model.texts import network_text
from ..model.uuids import check_custom_id

USER_ERROR_MESSAGE = "Internal error executing command, please contact your system administrator"


def internal_for(ctx, text):
    """A CloudRuntimeException answered to the call (ApiServer.handleRequest): 530, its text only for a root
    admin."""
    return errors.internal(text if ctx.caller.is_root else USER_ERROR_MESSAGE)


def found(ctx, kind, name):
    """A uuid parameter's object without the @ACL access check (the command checks access later itself)."""
    obj = ctx.store.get(kind, ctx.p.get(name) or "")
    if obj is None or obj.get("removed"):
        raise ctx.invalid_value(name, ctx.p.get(name))
    ctx.entities.append(obj)  # a hidden object hides the call's events (Context.event_display)
    return obj


def param_error(text):
    """A ServerApiException(PARAM_ERROR) a command class throws itself: 431 without a cause."""
    return ApiError(errors.PARAM_ERROR, text, errors.CS_SERVER_API)


def owned_lookup(ctx, kind, name="id"):
    """An object the caller may operate on (@ACL OperateEntry): its owner's (531 from the owner check); a shared
    network only by a root admin (NetworkModelImpl.checkSharedNetworkOperatePermissions, specifyvlan=true)."""
    obj = ctx.lookup(kind, name)
    if kind == "network" and obj.get("type") == "Shared" and not ctx.caller.is_root:
        raise errors.denied(f"Shared network {network_text(obj)} with specifyvlan=true can only be operated by "
                            "root admin")
    return obj


def may_act_for(sim, actor, account):
    """AccountManagerImpl.checkAccess(actor, null, false, account): itself, a domain admin's tree, anything for a
    root admin."""
    if actor["accounttype"] == 1 or actor["id"] == account["id"]:
        return True
    return actor["accounttype"] == 2 and sim.in_domain(account["domainid"], actor["domainid"])


def check_owner_access(ctx, account):
    """The caller may act for the account (the owner check of BaseAsyncCreateCmd, finalizeOwner): 531."""
    if not may_act_for(ctx.sim, ctx.caller.account, account):
        raise errors.denied("Caller does not have permission to operate with provided resource.")


def create_owner(ctx):
    """AccountManagerImpl.finalyzeAccountId (getEntityOwnerId of createNetwork, createVPC): `account` needs
    `domainid`; the account must exist there and the caller must be able to act for it."""
    if not ctx.has("account"):
        return ctx.owner()
    if not ctx.has("domainid"):
        raise errors.invalid("Account must be specified with domainId parameter")
    domain = ctx.lookup("domain", "domainid")
    acct = ctx.store.first("account", name=ctx.p["account"], domainid=domain["id"], removed=None)
    if acct is None:
        raise errors.invalid(f"Unable to find account by name {ctx.p['account']} in domain with specified id")
    check_owner_access(ctx, acct)
    return acct


def acl_scope(ctx, items):
    """AccountManagerImpl.buildACLSearchParameters: the usual account scope, except that an admin naming an `id`
    without listall looks beyond their own account (a root admin anywhere, a domain admin in their tree)."""
    if ctx.has("id") and ctx.caller.is_admin and not (ctx.p.get("listall") or ctx.has("account")
                                                      or ctx.has("domainid")):
        return [o for o in items if ctx.can_see(o)]
    return ctx.mine(items)


def newest_first(items):
    """The lists ordered by id descending (Filter(..., "id", false)): the last created first."""
    return sorted(items, key=lambda o: o["_pk"], reverse=True)


def by_address(items):
    """listPublicIpAddresses: sorted by address (Comparator.comparing(IPAddressVO::getAddress))."""
    return sorted(items, key=lambda o: ipaddress.ip_address(o["ipaddress"]))


def tags_filter(ctx, items, kind):
    """The `tags` filter of list commands: objects carrying every key=value given."""
    wanted = ctx.details_map("tags")
    if not wanted:
        return items
    out = []
    for obj in items:
        have = {t["key"]: t["value"] for t in ctx.store.find("tag", resource_kind=kind, resource_pk=obj["_pk"])}
        if all(have.get(k) == v for k, v in wanted.items()):
            out.append(obj)
    return out


def rename_work(ctx, kind, obj, event, view, display):
    """The job work of updateNetwork/updateVPC (VpcManagerImpl.updateVpc, NetworkServiceImpl.updateGuestNetwork):
    the new name and display text, the display flag (`display`: root admins only) and the custom id
    (UUIDManagerImpl.checkUuid, in the job), with its event."""
    changes = {k: ctx.p[k] for k in ("name", "displaytext") if ctx.has(k)}
    if ctx.p.get(display) is not None:
        changes[display] = ctx.p[display]

    def run():
        if ctx.has("customid"):
            check_custom_id(ctx, kind, ctx.p["customid"])
            ctx.store.change_id(kind, obj, ctx.p["customid"])
        obj.update(changes)
        ctx.store.touch(kind, obj)
        ctx.event(event, f"Id: {obj['id']}", owner_of(ctx.sim, obj))
        return view(ctx.sim, obj, ctx.caller.is_root)

    return run
