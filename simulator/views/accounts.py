"""Account, domain and user views."""

from .. import errors
from .common import public
from .limits import DETAILS, account_limit_fields, domain_limit_fields


def wanted_details(ctx):
    """ListAccountsCmd/ListDomainsCmd.getDetails: `details` names DomainDetails (all, resource, min); default all."""
    wanted = ctx.p.get("details") or ["all"]
    if any(d not in DETAILS for d in wanted):
        raise errors.invalid("The details parameter contains a non permitted value. The allowed values are "
                             f"[{', '.join(DETAILS)}]")
    return wanted


def _with_limits(details):
    return "all" in details or "resource" in details


def account_view(ctx, account, details=("all",)):
    """AccountJoinDaoImpl.newAccountResponse: the limit/total/available fields with details all or resource."""
    view = public(account)
    if _with_limits(details):
        view.update(account_limit_fields(ctx.sim, account))
    view["user"] = [user_view(u) for u in ctx.store.find("user", accountid=account["id"])]
    return view


def domain_view(ctx, domain, details=("all",)):
    """DomainJoinDaoImpl.newDomainResponse: `haschild`, the path as ROOT/..., and the limit/total/available fields
    with details all or resource."""
    view = public(domain)
    view["haschild"] = any(d.get("parentdomainid") == domain["id"] and d.get("state", "Active") == "Active"
                           for d in ctx.store.all("domain"))
    view["hasannotations"] = False
    if _with_limits(details):
        view.update(domain_limit_fields(ctx.sim, domain))
    return view


def user_view(user):
    view = public(user)
    view.pop("secretkey", None)  # listUsers never returns the secret; getUserKeys does
    return view
