"""Account and user views."""

from .common import public


def account_view(ctx, account):
    view = public(account)
    view["user"] = [user_view(u) for u in ctx.store.find("user", accountid=account["id"])]
    return view


def user_view(user):
    view = public(user)
    view.pop("secretkey", None)  # listUsers never returns the secret; getUserKeys does
    return view
