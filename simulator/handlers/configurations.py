"""Global settings: listConfigurations and updateConfiguration (ConfigurationManagerImpl)."""

from .. import errors
from ..contract import api
from ..model.configs import BOOLEAN, SETTINGS, config_view


@api("listConfigurations")
def list_configurations(ctx):
    """ManagementServerImpl.searchForConfigurations: `name` and `keyword` match part of a name; sorted by name."""
    names = sorted(SETTINGS)
    for param in ("name", "keyword"):
        if ctx.has(param):
            names = [n for n in names if ctx.p[param].lower() in n.lower()]
    if ctx.has("category"):
        names = [n for n in names if SETTINGS[n][2] == ctx.p["category"]]
    return [config_view(ctx.sim, n) for n in names]


@api("updateConfiguration")
def update_configuration(ctx):
    """ConfigurationManagerImpl.updateConfiguration: a known name, a value of its type; without a value the
    current one is answered."""
    name = ctx.p["name"]
    if name not in SETTINGS:
        raise errors.invalid(f"Config parameter with name {name} doesn't exist")
    value = ctx.p.get("value")
    if value is not None:
        kind = SETTINGS[name][1]
        if kind == "Boolean" and value.lower() not in BOOLEAN:
            raise errors.invalid(f"Value [{value}] is not a valid [class java.lang.Boolean].")
        if kind in ("Long", "Integer") and not value.lstrip("-").isdigit():
            raise errors.invalid(f"Value [{value}] is not a valid [class java.lang.{kind}].")
        row = ctx.store.first("config", name=name) or ctx.store.add("config", {"name": name, "value": value})
        row["value"] = value.lower() if kind == "Boolean" else value
        ctx.store.touch("config", row)
        ctx.event("CONFIGURATION.VALUE.EDIT", f"Successfully edited configuration value. {name} = {value}")
    return config_view(ctx.sim, name)
