"""Domains, accounts, users and their API keys (DomainManagerImpl, AccountManagerImpl, QueryManagerImpl)."""

from .. import errors
from ..contract import api
from ..model.accounts import ROLE_NAMES, add_account, add_domain, new_key
from ..model.texts import account_text, domain_text
from ..views.accounts import account_view, domain_view, user_view, wanted_details
from .zones import NETWORK_DOMAIN_TEXT, _network_domain_ok

DENIED = "Caller does not have permission to operate with provided resource."


def check_domain_access(ctx, domain):
    """DomainChecker.checkAccess(Account, Domain): a user only its own domain, an admin its subtree."""
    if ctx.caller.is_root:
        return
    ok = (domain["id"] == ctx.caller.domain["id"] if not ctx.caller.is_admin
          else ctx.sim.in_domain(domain["id"], ctx.caller.domain["id"]))
    if not ok:
        raise errors.denied(f"Account {account_text(ctx.caller.account)} does not have permission to operate "
                            f"within domain id={domain['id']}")


def check_account_access(ctx, account):
    """DomainChecker.validateCallerHasAccessToEntityOwner: root, the account itself, or its domain's admin."""
    if ctx.caller.is_root or account["id"] == ctx.caller.account["id"]:
        return
    if ctx.caller.role == "DomainAdmin" and ctx.sim.in_domain(account["domainid"], ctx.caller.domain["id"]):
        return
    raise errors.denied(DENIED)


# -- domains ---------------------------------------------------------------------------------------
@api("listDomains")
def list_domains(ctx):
    """QueryManagerImpl.searchForDomainIdsAndCount: root admins list every domain; a domain admin its own domain,
    or its subtree with listall=true."""
    domains = [d for d in ctx.store.all("domain") if d.get("state", "Active") == "Active"]
    if ctx.has("id"):
        domain = ctx.lookup("domain", "id")
        check_domain_access(ctx, domain)
        domains = [domain]
    elif not ctx.caller.is_root:
        mine = ctx.caller.domain["id"]
        domains = [d for d in domains
                   if (ctx.sim.in_domain(d["id"], mine) if ctx.p.get("listall") else d["id"] == mine)]
    if ctx.has("name"):
        domains = [d for d in domains if d["name"] == ctx.p["name"]]
    if ctx.p.get("level") is not None:
        domains = [d for d in domains if d["level"] == ctx.p["level"]]
    if ctx.has("keyword"):
        domains = [d for d in domains if ctx.p["keyword"].lower() in d["name"].lower()]
    details = wanted_details(ctx)
    return [domain_view(ctx, d, details) for d in domains]


@api("createDomain")
def create_domain(ctx):
    """DomainManagerImpl.createDomain: under ROOT unless a parent is named; the caller must reach the parent;
    names are unique under a parent. Root and domain admins (CreateDomainCmd authorized Admin, DomainAdmin)."""
    parent = ctx.lookup("domain", "parentdomainid", required=False) or ctx.store.first("domain", path="ROOT")
    check_domain_access(ctx, parent)
    networkdomain = ctx.get("networkdomain")
    if networkdomain is not None and not _network_domain_ok(networkdomain):
        raise errors.invalid("Invalid network domain. Total length should not exceed 190 chars. Each domain label "
                             "must be between 1 and 63 characters long. It can contain ASCII letters 'a' through "
                             "'z', the digits '0' through '9', and the hyphen ('-'); it cannot start or end with "
                             '"-".')
    if ctx.store.first("domain", name=ctx.p["name"], parentdomainid=parent["id"]):
        raise errors.invalid(f"Domain with name [{ctx.p['name']}] already exists for the parent with ID "
                             f"[{parent['_pk']}].")
    domain = add_domain(ctx.store, ctx.p["name"], parent)
    if networkdomain:
        domain["networkdomain"] = networkdomain
        ctx.store.touch("domain", domain)
    ctx.event("DOMAIN.CREATE", "Successfully completed creating Domain")
    return domain_view(ctx, domain)


# -- accounts --------------------------------------------------------------------------------------
@api("listAccounts")
def list_accounts(ctx):
    """QueryManagerImpl.searchForAccountIdsAndCount: without `id`, an admin with listall=true lists its domain's
    tree (of `domainid` if given); an admin with `domainid` that domain (its tree with isrecursive); anybody else
    only its own account. Callers that are not admins never see domain admin accounts."""
    accounts = [a for a in ctx.store.all("account") if not a.get("removed")]
    domain = None
    if ctx.has("domainid"):
        domain = ctx.lookup("domain", "domainid")
        check_domain_access(ctx, domain)
    recursive = bool(ctx.p.get("isrecursive"))
    if ctx.has("id"):
        account = ctx.lookup("account", "id")
        check_account_access(ctx, account)
        accounts = [account]
    elif ctx.p.get("listall") and ctx.caller.is_admin:
        domain, recursive = domain or ctx.caller.domain, True
    elif not ctx.caller.is_admin or domain is None:
        accounts = [ctx.caller.account]
    if domain is not None:
        accounts = [a for a in accounts if (ctx.sim.in_domain(a["domainid"], domain["id"]) if recursive
                                            else a["domainid"] == domain["id"])]
    if not ctx.caller.is_admin:
        accounts = [a for a in accounts if a["accounttype"] != 2]
    if ctx.has("name"):
        accounts = [a for a in accounts if a["name"] == ctx.p["name"]]
    if ctx.has("accounttype"):
        accounts = [a for a in accounts if a["accounttype"] == int(ctx.p["accounttype"])]
    if ctx.has("state"):
        accounts = [a for a in accounts if a["state"] == ctx.p["state"].lower()]
    if ctx.has("keyword"):
        kw = ctx.p["keyword"].lower()
        accounts = [a for a in accounts if kw in a["name"].lower() or kw in a["state"].lower()]
    details = wanted_details(ctx)
    return [account_view(ctx, a, details) for a in sorted(accounts, key=lambda a: a["_pk"])]


@api("createAccount")
def create_account(ctx):
    """CreateAccountCmd.validateParams, AccountManagerImpl.createUserAccount / createAccount: in ROOT unless a
    domain is named; the first user has no API keys until registerUserKeys."""
    if not ctx.get("password"):
        raise errors.invalid("Empty passwords are not allowed")
    if ctx.has("roleid"):
        raise ctx.invalid_value("roleid", ctx.p["roleid"])  # the simulator keeps no role objects
    accounttype = ctx.get("accounttype")
    if accounttype is None or int(accounttype) not in range(6):
        raise errors.invalid("Neither account type and role ID are not provided")
    accounttype = int(accounttype)
    if accounttype not in ROLE_NAMES:
        raise errors.internal(f"The simulator does not model account type {accounttype}")
    domain = ctx.lookup("domain", "domainid", required=False) or ctx.store.first("domain", path="ROOT")
    check_domain_access(ctx, domain)
    username, name = ctx.p["username"], ctx.get("account") or ctx.p["username"]
    if any(u["username"] == username and u["domainid"] == domain["id"] for u in ctx.store.all("user")):
        raise errors.invalid(f"The user {username} already exists in domain {domain_text(domain)}")
    if ctx.get("networkdomain") is not None and not _network_domain_ok(ctx.p["networkdomain"]):
        raise errors.invalid(NETWORK_DOMAIN_TEXT)
    if domain["path"] != "ROOT" and accounttype == 1:
        raise errors.invalid(f"Invalid account type ADMIN given for an account in domain {domain_text(domain)}; "
                             "unable to create user of admin role type in non-ROOT domain.")
    if ctx.store.first("account", name=name, domainid=domain["id"], removed=None):
        raise errors.invalid(f"The specified account: {name} already exists")
    if accounttype == 1 and not ctx.caller.is_root:  # AccountManagerImpl.checkRoleEscalation
        raise errors.denied(f"User of Account {account_text(ctx.caller.account)} and domain "
                            f"{domain_text(ctx.caller.domain)} can not create an account with access to more "
                            "privileges they have themself.")
    account = add_account(ctx.store, name, domain, accounttype, username, keys=False,
                          networkdomain=ctx.get("networkdomain"), email=ctx.p["email"], firstname=ctx.p["firstname"],
                          lastname=ctx.p["lastname"], timezone=ctx.get("timezone"))
    details = f"Account Name: {username}, Domain Id:{domain['_pk'] if ctx.has('domainid') else None}"
    ctx.event("ACCOUNT.CREATE", f"Successfully completed creating Account. {details}", account)
    ctx.event("USER.CREATE", f"Successfully completed creating User. {details}", account)
    return account_view(ctx, account)


# -- users and keys --------------------------------------------------------------------------------
@api("listUsers")
def list_users(ctx):
    """QueryManagerImpl.searchForUsersInternal: a plain user lists only itself (another id: 531); admins list
    their own account's users unless listall, domainid or account (buildACLSearchParameters)."""
    users = [u for u in ctx.store.all("user") if not u.get("removed")]
    if ctx.caller.role == "User":
        if ctx.has("id") and ctx.p["id"] != ctx.caller.user["id"]:
            raise errors.denied("Calling user is not authorized to see the user requested by id")
        users = [ctx.caller.user]
    else:
        users = _admin_users(ctx, users)
    if ctx.has("id"):
        users = [u for u in users if u["id"] == ctx.p["id"]]
    for param in ("username", "accounttype", "state"):
        if ctx.has(param):
            users = [u for u in users if str(u.get(param)).lower() == str(ctx.p[param]).lower()]
    if ctx.has("keyword"):
        kw = ctx.p["keyword"].lower()
        users = [u for u in users if any(kw in str(u.get(f) or "").lower() for f in
                                         ("username", "firstname", "lastname", "email", "state", "account"))]
    return [user_view(u) for u in sorted(users, key=lambda u: u["_pk"])]


def _admin_users(ctx, users):
    domain = ctx.lookup("domain", "domainid", required=False)
    if domain is not None:
        check_domain_access(ctx, domain)
    if ctx.has("account"):
        where = domain or ctx.caller.domain
        account = ctx.store.first("account", name=ctx.p["account"], domainid=where["id"], removed=None)
        if account is None:
            raise errors.invalid(f"could not find account {ctx.p['account']} in domain {domain_text(where)}")
        check_account_access(ctx, account)
        return [u for u in users if u["accountid"] == account["id"]]
    if domain is not None:
        return [u for u in users if ctx.sim.in_domain(u["domainid"], domain["id"])]
    if ctx.has("id") or ctx.p.get("listall"):
        return [u for u in users if ctx.caller.is_root or ctx.sim.in_domain(u["domainid"], ctx.caller.domain["id"])]
    return [u for u in users if u["accountid"] == ctx.caller.account["id"]]


def _user_param(ctx):
    """The `id` of the key commands, resolved as the API layer does (no access check there)."""
    user = ctx.store.get("user", ctx.p["id"])
    if user is None:
        raise ctx.invalid_value("id", ctx.p["id"])
    return user


def _keys_of(ctx, user):
    """AccountManagerImpl.getKeys' checks: a ROOT-domain domain admin may not read a root admin's keys; then the
    account's owner, its domain admins and root admins."""
    account = ctx.store.get("account", user["accountid"])
    if ctx.caller.role == "DomainAdmin" and ctx.caller.domain["path"] == "ROOT" and account["accounttype"] == 1:
        raise errors.denied(f"Caller Username {ctx.caller.user['username']} does not have access to root admin keys")
    check_account_access(ctx, account)
    return account


@api("getUserKeys")
def get_user_keys(ctx):
    """GetUserKeysCmd (every role since 4.20's annotation) / AccountManagerImpl.getKeys; `apikeyaccess` from the
    api.key.access default (true); no keys yet: the fields are left out."""
    user = _user_param(ctx)
    if user.get("removed"):
        raise errors.invalid("Unable to find user by id")
    _keys_of(ctx, user)
    return {"apikey": user.get("apikey"), "secretkey": user.get("secretkey"), "apikeyaccess": True}


@api("registerUserKeys")
def register_user_keys(ctx):
    """AccountManagerImpl.createApiKeyAndSecretKey(RegisterCmd): new keys at once, the old ones stop working."""
    user = _user_param(ctx)
    account = ctx.store.get("account", user["accountid"])
    check_account_access(ctx, account)
    user.update(apikey=new_key(), secretkey=new_key())
    ctx.store.touch("user", user)
    ctx.event("REGISTER.USER.KEY", "Successfully completed register for the developer API keys", account)
    return {"apikey": user["apikey"], "secretkey": user["secretkey"]}
