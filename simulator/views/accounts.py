"""Account and user views."""

from .common import public


def account_view(ctx, account):
    view = public(account)
    view["user"] = [user_view(u) for u in ctx.store.find("user", accountid=account["id"])]
    return view


def domain_view(sim, domain):
    """DomainJoinDaoImpl.newDomainResponse: `haschild` and the path as ROOT/..."""
    view = public(domain)
    view["haschild"] = any(d.get("parentdomainid") == domain["id"] and d.get("state", "Active") == "Active"
                           for d in sim.store.all("domain"))
    view["hasannotations"] = False
    return view


def user_view(user):
    view = public(user)
    view.pop("secretkey", None)  # listUsers never returns the secret; getUserKeys does
    return view
