"""Settings: listConfigurations and updateConfiguration (ConfigurationManagerImpl.updateConfiguration,
ManagementServerImpl.searchForConfigurations), for root and domain admins (4.17+)."""

from .. import errors
from ..contract import api
from ..model.configs import BOOLEAN, SETTINGS, config_view, scopes_of
from .accounts import check_account_access, check_domain_access

SCOPE_PARAMS = (("zoneid", "Zone"), ("clusterid", "Cluster"), ("accountid", "Account"), ("domainid", "Domain"),
                ("storageid", "StoragePool"), ("imagestoreid", "ImageStore"))
KINDS = {"zoneid": "zone", "clusterid": "cluster", "accountid": "account", "domainid": "domain",
         "storageid": "storagepool", "imagestoreid": "imagestore"}


def _scope(ctx):
    """The one scope a call names: a domain admin without account or domain is held to its own domain."""
    given = [(param, scope) for param, scope in SCOPE_PARAMS if ctx.has(param)]
    target = None
    for param, _ in given:
        if param in ("accountid", "domainid"):
            target = ctx.lookup(KINDS[param], param)
            (check_account_access if param == "accountid" else check_domain_access)(ctx, target)
        elif KINDS[param] != "imagestore":
            target = ctx.lookup(KINDS[param], param)
    if ctx.caller.role == "DomainAdmin" and not (ctx.has("accountid") or ctx.has("domainid")):
        given.append(("domainid", "Domain"))
        target = ctx.caller.domain
    if len(given) > 1:
        raise errors.invalid("cannot handle multiple IDs, provide only one ID corresponding to the scope")
    return (given[0][1], target) if given else (None, None)


@api("listConfigurations")
def list_configurations(ctx):
    """ManagementServerImpl.searchForConfigurations: `name` and `keyword` match part of a name; with a scope only
    the settings of that scope (a domain admin: its domain's); sorted by name."""
    scope, target = _scope(ctx)
    names = sorted(SETTINGS)
    for param in ("name", "keyword"):
        if ctx.has(param):
            names = [n for n in names if ctx.p[param].lower() in n.lower()]
    if ctx.has("category"):
        names = [n for n in names if SETTINGS[n][2] == ctx.p["category"]]
    if scope is not None:
        names = [n for n in names if scope in scopes_of(n)]
    return [config_view(ctx.sim, n, target if scope == "Account" else None) for n in names]


@api("updateConfiguration")
def update_configuration(ctx):
    """ConfigurationManagerImpl.updateConfiguration: a known name; without a value the current one is answered; a
    scope the setting does not have is refused (431), then a value of the wrong type (431)."""
    name = ctx.p["name"]
    if name not in SETTINGS:
        raise errors.invalid(f"Config parameter with name {name} doesn't exist")
    value = ctx.p.get("value")
    if value is None:
        return config_view(ctx.sim, name)
    scope, target = _scope(ctx)
    if scope is not None and scope not in scopes_of(name):
        raise errors.invalid(f"Invalid scope id provided for the parameter {name}")
    value = value.strip()
    kind = SETTINGS[name][1]
    if kind == "Boolean" and value.lower() not in BOOLEAN:
        raise errors.invalid(f"Value [{value}] is not a valid [class java.lang.Boolean].")
    if kind in ("Long", "Integer") and not value.lstrip("-").isdigit():
        raise errors.invalid(f"Value [{value}] is not a valid [class java.lang.{kind}].")
    value = value.lower() if kind == "Boolean" else value
    if scope == "Account":
        row = ctx.store.first("accountconfig", name=name, accountid=target["id"]) or ctx.store.add(
            "accountconfig", {"name": name, "accountid": target["id"], "value": value})
    else:
        row = ctx.store.first("config", name=name) or ctx.store.add("config", {"name": name, "value": value})
    row["value"] = value
    ctx.store.touch("accountconfig" if scope == "Account" else "config", row)
    ctx.event("CONFIGURATION.VALUE.EDIT", f"Successfully completed updating configuration.  Name: {name} New Value: "
              f"{value}")
    return config_view(ctx.sim, name, target if scope == "Account" else None)
