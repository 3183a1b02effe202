"""Registered user data: register, list, delete (ManagementServerImpl.registerUserData / listUserDatas /
deleteUserData, UserDataManagerImpl.validateUserData)."""

import base64
import binascii
import re
from urllib.parse import unquote

from .. import errors
from ..contract import SUCCESS, api
from ..model.configs import int_setting
from ..views.common import public
from .filters import keyword_filter

BASE64_CHARS = re.compile(r"^[A-Za-z0-9+/=_\-\s]*$")  # commons-codec Base64.isBase64
MAX_HTTP_POST_LENGTH = 1048576


def _validated(ctx, userdata):
    """UserDataManagerImpl.validateUserData: URL-decoded when it has a %, base64, not empty, not too long; kept
    re-encoded with its padding."""
    if "%" in userdata:
        userdata = unquote(userdata)
    if not BASE64_CHARS.match(userdata):
        raise errors.invalid("User data is not base64 encoded.")
    compact = re.sub(r"\s", "", userdata).replace("-", "+").replace("_", "/").rstrip("=")
    try:
        decoded = base64.b64decode(compact + "=" * (-len(compact) % 4))
    except binascii.Error:
        decoded = b""
    if not decoded:
        raise errors.invalid("User data is too short.")
    if len(userdata) > MAX_HTTP_POST_LENGTH:
        raise errors.invalid("User data is too long for http POST request")
    limit = int_setting(ctx.sim, "vm.userdata.max.length")
    if len(userdata) > limit:
        raise errors.invalid(f"User data has exceeded configurable max length: {limit}")
    return base64.b64encode(decoded).decode()


@api("registerUserData")
def register_user_data(ctx):
    """Checks in CloudStack's order: the name, the same content, then the value; event REGISTER.USER.DATA."""
    owner, name = ctx.owner(), ctx.p["name"]
    if ctx.store.first("userdata", name=name, accountid=owner["id"]):
        raise errors.invalid(f"A userdata with name {name} already exists for this account.")
    same = ctx.store.first("userdata", userdata=ctx.p["userdata"], accountid=owner["id"])
    if same is not None:
        raise errors.invalid(f"Userdata {same['name']} with same content already exists for this account.")
    row = ctx.store.add("userdata", ctx.owned(
        {"name": name, "userdata": _validated(ctx, ctx.p["userdata"]), "params": ctx.get("params")}, owner))
    ctx.event("REGISTER.USER.DATA", "Successfully completed registering userdata", owner)
    return dict(public(row), accountid=owner["id"])


@api("listUserData")
def list_user_data(ctx):
    """The usual account scope; `keyword` matches the name; the newest first (id descending)."""
    rows = keyword_filter(ctx, ctx.mine(ctx.store.all("userdata")))
    return [public(u) for u in sorted(rows, key=lambda u: u["_pk"], reverse=True)]


@api("deleteUserData")
def delete_user_data(ctx):
    """ManagementServerImpl.deleteUserData: no access check on the id; user data a VM uses is refused with a
    CloudRuntimeException (530, the text only for root admins); no event."""
    row = ctx.store.get("userdata", ctx.p["id"])
    if row is None:
        raise ctx.invalid_value("id", ctx.p["id"])
    if any(v.get("userdataid") == row["id"] and not v.get("removed") for v in ctx.store.all("vm")):
        raise errors.internal_for(ctx.caller, f"Userdata {row['name']} cannot be removed as it is being used by some "
                                              "VMs")
    ctx.store.delete("userdata", row)
    return SUCCESS
