"""Domains, accounts and their users' API keys; whose an object is, and who calls as an account."""

import secrets

ROLE_NAMES = {0: ("User", "User"), 1: ("Admin", "Root Admin"), 2: ("DomainAdmin", "Domain Admin")}


def new_key():
    return secrets.token_urlsafe(64)[:86]


def add_domain(store, name, parent=None):
    path = "ROOT" if parent is None else f"{parent['path']}/{name}"
    return store.add("domain", {
        "name": name, "path": path, "level": 0 if parent is None else parent["level"] + 1,
        "parentdomainid": parent["id"] if parent else None,
        "parentdomainname": parent["name"] if parent else None, "state": "Active",
    })


def add_account(store, name, domain, accounttype=0, username=None, keys=True, **user_fields):
    """An account and its first user. Seeds give the user API keys (an operator registered them); createAccount
    does not (AccountManagerImpl.createUser: keys exist only after registerUserKeys)."""
    roletype, rolename = ROLE_NAMES[accounttype]
    account = store.add("account", {
        "name": name, "accounttype": accounttype, "roletype": roletype, "rolename": rolename,
        "domainid": domain["id"], "domain": domain["name"], "domainpath": domain["path"], "state": "enabled",
        "networkdomain": user_fields.pop("networkdomain", None),
    })
    user = {"username": username or name, "accountid": account["id"], "account": name,
            "accounttype": accounttype, "domainid": domain["id"], "domain": domain["name"],
            "roletype": roletype, "rolename": rolename, "state": "enabled", "email": f"{name}@example.com",
            "firstname": name, "lastname": "user", "usersource": "native", "isdefault": False}
    user.update({k: v for k, v in user_fields.items() if v is not None})
    if keys:
        user.update(apikey=new_key(), secretkey=new_key())
    store.add("user", user)
    return account


def owner_of(sim, obj):
    """The account an object belongs to; the root admin's for one that has none (shared networks)."""
    return sim.store.get("account", obj.get("accountid")) or sim.root_caller().account


def caller_of(sim, account):
    """The API caller of an account's first user, as seeds act for a tenant."""
    return sim.caller_for_key(sim.store.first("user", accountid=account["id"])["apikey"])
