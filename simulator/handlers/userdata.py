"""Registered user data: register, list, delete."""

import base64
import binascii

from .. import errors
from ..contract import SUCCESS, api
from ..views.common import public
from .filters import keyword_filter


@api("registerUserData")
def register_user_data(ctx):
    owner = ctx.owner()
    if ctx.store.first("userdata", name=ctx.p["name"], accountid=owner["id"]):
        raise errors.invalid(f"A userdata with name {ctx.p['name']} already exists for this account.")
    try:
        base64.b64decode(ctx.p["userdata"], validate=True)
    except binascii.Error:
        raise errors.invalid("User data is not base64 encoded") from None
    row = ctx.store.add("userdata", ctx.owned(
        {"name": ctx.p["name"], "userdata": ctx.p["userdata"], "params": ctx.get("params")}, owner))
    ctx.event("REGISTER.USER.DATA", f"User data {row['name']}", owner)
    return dict(public(row), accountid=owner["id"])


@api("listUserData")
def list_user_data(ctx):
    return [dict(public(u)) for u in keyword_filter(ctx, ctx.mine(ctx.store.all("userdata")))]


@api("deleteUserData")
def delete_user_data(ctx):
    row = ctx.lookup("userdata", "id")
    if any(v.get("userdataid") == row["id"] and not v.get("removed") for v in ctx.store.all("vm")):
        raise errors.invalid(f"Userdata {row['name']} is being used by VMs, cannot be deleted")
    ctx.store.delete("userdata", row)
    ctx.event("DELETE.USER.DATA", f"User data {row['name']}", ctx.store.get("account", row["accountid"]))
    return SUCCESS
