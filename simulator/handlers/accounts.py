"""Domains, accounts, users and their API keys."""

from .. import errors
from ..contract import api
from ..model.accounts import ROLE_NAMES, add_account, add_domain, new_key
from ..views.accounts import account_view, domain_view, user_view, wanted_details
from ..views.common import public
from .filters import keyword_filter


def visible_accounts(ctx):
    accounts = [a for a in ctx.store.all("account") if not a.get("removed")]
    if ctx.caller.is_root:
        return accounts
    if ctx.caller.role == "DomainAdmin":
        return [a for a in accounts if ctx.sim.in_domain(a["domainid"], ctx.caller.domain["id"])]
    return [a for a in accounts if a["id"] == ctx.caller.account["id"]]


@api("listDomains")
def list_domains(ctx):
    domains = [d for d in ctx.store.all("domain") if ctx.caller.is_root
               or ctx.sim.in_domain(d["id"], ctx.caller.domain["id"])]
    if not ctx.caller.is_admin:
        domains = [ctx.caller.domain]
    details = wanted_details(ctx)
    return [domain_view(ctx, d, details) for d in keyword_filter(ctx, domains)]


@api("createDomain")
def create_domain(ctx):
    parent = ctx.lookup("domain", "parentdomainid", required=False) or ctx.caller.domain
    if ctx.store.first("domain", name=ctx.p["name"], parentdomainid=parent["id"]):
        raise errors.invalid(f"Domain with name {ctx.p['name']} already exists for the parent id={parent['id']}")
    domain = add_domain(ctx.store, ctx.p["name"], parent)
    ctx.event("DOMAIN.CREATE", f"Domain Name: {domain['name']}")
    return public(domain)


@api("listAccounts")
def list_accounts(ctx):
    accounts = visible_accounts(ctx)
    if ctx.has("domainid"):
        accounts = [a for a in accounts if a["domainid"] == ctx.p["domainid"]]
    if ctx.has("accounttype"):
        accounts = [a for a in accounts if a["accounttype"] == int(ctx.p["accounttype"])]
    details = wanted_details(ctx)
    return [account_view(ctx, a, details) for a in keyword_filter(ctx, accounts)]


@api("createAccount")
def create_account(ctx):
    domain = ctx.lookup("domain", "domainid", required=False) or ctx.caller.domain
    name = ctx.get("account") or ctx.p["username"]
    if ctx.store.first("account", name=name, domainid=domain["id"], removed=None):
        raise errors.invalid(f"The specified account: {name} already exists")
    accounttype = int(ctx.get("accounttype", 0))
    if accounttype not in ROLE_NAMES:
        raise errors.invalid(f"Invalid account type {accounttype}")
    account = add_account(ctx.store, name, domain, accounttype, ctx.p["username"])
    ctx.event("ACCOUNT.CREATE", f"Account Name: {name}")
    return account_view(ctx, account)


@api("listUsers")
def list_users(ctx):
    accounts = {a["id"] for a in visible_accounts(ctx)}
    users = [u for u in ctx.store.all("user") if u["accountid"] in accounts]
    if ctx.has("account"):
        users = [u for u in users if u["account"] == ctx.p["account"]]
    if ctx.has("username"):
        users = [u for u in users if u["username"] == ctx.p["username"]]
    return [user_view(u) for u in keyword_filter(ctx, users, "username")]


def _own_user(ctx):
    user = ctx.lookup("user", "id")
    if not ctx.caller.is_root and user["accountid"] != ctx.caller.account["id"]:
        raise errors.denied("Caller is not allowed to access the keys of another account's user")
    return user


@api("getUserKeys")
def get_user_keys(ctx):
    user = _own_user(ctx)
    return {"apikey": user["apikey"], "secretkey": user["secretkey"]}


@api("registerUserKeys")
def register_user_keys(ctx):
    user = _own_user(ctx)
    user.update(apikey=new_key(), secretkey=new_key())
    ctx.store.touch("user", user)
    ctx.event("REGISTER.USER.KEY", f"Registered keys for user {user['username']}")
    return {"apikey": user["apikey"], "secretkey": user["secretkey"]}
