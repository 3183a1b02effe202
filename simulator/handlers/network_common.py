"""What the networking commands share: the lookups of what the caller may change, the rename work."""

from .. import errors
from ..model.accounts import owner_of
from ..model.uuids import check_custom_id


def owned_lookup(ctx, kind, name="id"):
    """An object the caller may change: shared networks only by admins."""
    obj = ctx.lookup(kind, name)
    if obj.get("acltype") == "Domain" and not ctx.caller.is_admin:
        raise errors.denied(f"Account {ctx.caller.account['name']} does not have permission to operate "
                            f"with resource {obj['id']}")
    return obj


def ip_param(ctx, name="id"):
    """An allocated public IP (a Free one is an invalid value for the caller)."""
    ip = ctx.lookup("publicip", name)
    if ip["state"] == "Free":
        raise ctx.invalid_value(name, ctx.p[name])
    return ip


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
        return view(ctx.sim, obj)

    return run
