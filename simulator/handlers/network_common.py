"""What the networking commands share: the lookups of what the caller may change, the rename work."""

from .. import errors
from ..model.accounts import owner_of


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


def rename_work(ctx, kind, obj, event, view):
    """The job work of updateNetwork/updateVPC: the new name and display text, with its event."""
    changes = {k: ctx.p[k] for k in ("name", "displaytext") if ctx.has(k)}

    def run():
        obj.update(changes)
        ctx.store.touch(kind, obj)
        ctx.event(event, f"Id: {obj['id']}", owner_of(ctx.sim, obj))
        return view(ctx.sim, obj)

    return run
