"""The checks createServiceOffering and createDiskOffering share (ConfigurationManagerImpl), and their listing
rules (QueryManagerImpl.searchForServiceOfferings / searchForDiskOfferings)."""

from .. import errors
from ..model.configs import int_setting, setting
from ..model.offerings import (
    PROVISIONING_TYPES,
    STATES,
    domain_is_permissible,
    for_domain,
    in_zone,
    scope_objects,
    scope_pks,
)
from ..model.texts import domain_text, service_offering_text, user_text

CACHE_MODES = ("none", "writeback", "writethrough")  # DiskOffering.DiskCacheMode
RATES = (("iopsreadrate", "iopsreadratemax", "IOPS read"), ("iopswriterate", "iopswriteratemax", "IOPS write"),
         ("bytesreadrate", "bytesreadratemax", "Bytes read"), ("byteswriterate", "byteswriteratemax", "Bytes write"))


def scope(ctx, kind):
    """The zones and domains a create names (`zoneid`/`domainid` lists of uuids, each resolved by the API
    layer: an unknown one is the "invalid value" 431); a child domain listed with its parent is dropped
    (ConfigurationManagerImpl.filterChildSubDomains)."""
    zones = [ctx.lookup("zone", "zoneid", value=z) for z in dict.fromkeys(ctx.p.get("zoneid") or [])]
    domains = [ctx.lookup("domain", "domainid", value=d) for d in dict.fromkeys(ctx.p.get("domainid") or [])]
    domains = [d for d in domains if not any(o is not d and ctx.sim.in_domain(d["id"], o["id"]) for o in domains)]
    return zones, domains


def check_cache_mode(ctx):
    """ConfigurationManagerImpl.validateCacheMode."""
    mode = ctx.get("cachemode")
    if mode is not None and mode.lower() not in CACHE_MODES:
        raise errors.invalid(f"Invalid cache mode ({mode}). Please specify one of the following valid cache mode "
                             "parameters: none, writeback or writethrough")
    return (mode or "none").lower()


def local_storage(ctx, offerha=False):
    """`storagetype` local or shared (any case); local storage cannot be offered with HA."""
    kind = ctx.get("storagetype")
    if kind is None or kind.lower() == "shared":
        return False
    if kind.lower() != "local":
        raise errors.invalid(f"Invalid storage type {kind} specified, valid types are: 'local' and 'shared'")
    if offerha:
        raise errors.invalid("HA offering with local storage is not supported. ")
    return True


def check_rates(ctx):
    """ConfigurationManagerImpl.validateMaxRateEqualsOrGreater."""
    for rate, rate_max, what in RATES:
        low, high = ctx.get(rate), ctx.get(rate_max)
        if low is not None and high is not None and high < low:
            raise errors.invalid(f"{what} rate ({low}) cannot be greater than {what} maximum rate ({high})")


def provisioning_type(ctx):
    """Storage.ProvisioningType.getProvisioningType: thin, sparse or fat, case-sensitive; anything else throws
    a NotImplementedException (commons-lang: "Code is not implemented"), which ApiServer answers as 530."""
    value = ctx.p.get("provisioningtype")
    value = "thin" if value is None else value
    if value not in PROVISIONING_TYPES:
        raise errors.internal_for(ctx.caller, "Code is not implemented")
    return value


def iops(ctx):
    """(miniops, maxiops, customizediops): customised or unset IOPS have no bounds; fixed ones default to 0."""
    custom = ctx.p.get("customizediops")
    if custom is None or custom:
        return None, None, custom
    low, high = ctx.get("miniops"), ctx.get("maxiops")
    if low is None and high is None:
        return 0, 0, custom
    if low is None or low <= 0:
        raise errors.invalid("The min IOPS must be greater than 0.")
    high = 0 if high is None else high
    if low > high:
        raise errors.invalid("The min IOPS must be less than or equal to the max IOPS.")
    return low, high, custom


def max_volume_gb(ctx):
    return int_setting(ctx.sim, "storage.max.volume.size")


def check_snapshot_reserve(ctx):
    reserve = ctx.get("hypervisorsnapshotreserve")
    if reserve is not None and reserve < 0:
        raise errors.invalid("If provided, Hypervisor Snapshot Reserve must be greater than or equal to 0.")


def check_creator(ctx, what, domains, tagged):
    """Domain admins create offerings only for domains of their subtree, never public ones, and tagged ones
    only when allow.domain.admins.to.create.tagged.offerings is true. `what` is "service" or "disk"."""
    if ctx.caller.is_root:
        return
    user = user_text(ctx.caller.user)
    if ctx.caller.role != "DomainAdmin":
        raise errors.invalid(f"Unable to create {what} offering by user: {user} because it is not root-admin or "
                             "domain-admin")
    if not domains:
        raise errors.invalid(f"Unable to create public {what} offering by admin: {user} because it is domain-admin")
    if tagged and setting(ctx.sim, "allow.domain.admins.to.create.tagged.offerings", ctx.caller.account) != "true":
        tags = "storage tags or host tags" if what == "service" else "storage tags"
        raise errors.invalid(f"User [{user}] is unable to create {what} offerings with {tags}.")
    for domain in domains:
        if not ctx.sim.in_domain(domain["id"], ctx.caller.domain["id"]):
            raise errors.invalid(f"Unable to create {what} offering by another domain-admin: {user} for domain: "
                                 f"{domain['id']}")


# -- listing ---------------------------------------------------------------------------------------
def list_state(ctx):
    """The `state` of the list commands: Active by default, `all` for both, any case; else 431."""
    value = ctx.get("state")
    if value is None:
        return "Active"
    match = next((s for s in STATES if s.lower() == value.lower()), None)
    if match is None and value.lower() != "all":
        raise errors.invalid(f"Invalid state value: {value}")
    return match


def list_owner(ctx):
    """AccountManagerImpl.finalizeOwner for the offering lists: the caller, or the account an admin names."""
    if ctx.has("account") and ctx.has("domainid"):
        return ctx.owner()
    return ctx.caller.account


def scoped(ctx, kind, offerings, what):
    """The state, zone and domain rules the offering lists share (QueryManagerImpl)."""
    state = list_state(ctx)
    owner = list_owner(ctx)
    owner_domain = ctx.store.get("domain", owner["domainid"])
    recursive = bool(ctx.p.get("isrecursive"))
    if recursive and owner["accounttype"] == 0:
        raise errors.invalid(f"Only ROOT admins and Domain admins can list {what} offerings with isrecursive=true")
    if ctx.has("domainid"):
        domain = ctx.lookup("domain", "domainid")
        if not ctx.caller.is_root and not domain_is_permissible(ctx.sim, owner_domain, domain):
            raise errors.denied(f"The account:{owner['name']} does not fall in the same domain hierarchy as the "
                                f"{what} offering")
        if ctx.caller.is_root and not ctx.has("account"):
            offerings = [o for o in offerings if domain["_pk"] in scope_pks(ctx.sim, kind, o, "domainid")]
    if state is not None:
        offerings = [o for o in offerings if o["state"] == state]
    if ctx.has("zoneid"):
        zone = ctx.lookup("zone", "zoneid")
        offerings = [o for o in offerings if in_zone(ctx.sim, kind, o, zone)]
    if owner["accounttype"] != 1:
        offerings = [o for o in offerings if for_domain(ctx.sim, kind, o, owner_domain, recursive)]
    return offerings


def keyword_and_name(ctx, offerings):
    """id, name (exact) and keyword (name or display text, case-insensitive LIKE)."""
    if ctx.has("id"):
        offerings = [o for o in offerings if o["id"] == ctx.p["id"]]
    if ctx.has("name"):
        offerings = [o for o in offerings if o["name"] == ctx.p["name"]]
    if ctx.has("keyword"):
        kw = ctx.p["keyword"].lower()
        offerings = [o for o in offerings if kw in o["name"].lower() or kw in (o.get("displaytext") or "").lower()]
    return sorted(offerings, key=lambda o: (o.get("sortkey", 0), o["_pk"]))


# -- domain admins on existing service offerings ---------------------------------------------------
def check_delete_by_domain_admin(ctx, offering):
    """ConfigurationManagerImpl.deleteServiceOffering: only offerings whose every domain is in the caller's tree."""
    user, text = user_text(ctx.caller.user), service_offering_text(offering)
    existing = scope_objects(ctx.sim, "serviceoffering", offering, "domainid")
    if not existing:
        raise errors.invalid(f"Unable to delete public service offering: {text} by admin: {user} because it is "
                             "domain-admin")
    if any(not ctx.sim.in_domain(d["id"], ctx.caller.domain["id"]) for d in existing):
        raise errors.invalid(f"Unable to delete service offering: {text} as it has linked domain(s) which are not "
                             f"child domain for domain-admin: {user}")


def check_update_by_domain_admin(ctx, offering, domains, zones):
    """ConfigurationManagerImpl.updateServiceOffering's domain-admin rules (zones unchanged, never public, tags
    only when allowed, names only for offerings wholly in its tree, new domains in its tree)."""
    user, text = user_text(ctx.caller.user), service_offering_text(offering)
    existing = scope_objects(ctx.sim, "serviceoffering", offering, "domainid")
    current_zones = {z["_pk"] for z in scope_objects(ctx.sim, "serviceoffering", offering, "zoneid")}
    if zones is not None and {z["_pk"] for z in zones} != current_zones:
        raise errors.invalid(f"Unable to update zone(s) for service offering: {text} by admin: {user} as it is "
                             "domain-admin")
    if not existing:
        raise errors.invalid(f"Unable to update public service offering: {text} by user: {user} because it is "
                             "domain-admin")
    if domains == []:
        raise errors.invalid(f"Unable to update service offering: {text} to a public offering by user: {user} "
                             "because it is domain-admin")
    tagged = ctx.p.get("storagetags") or ctx.p.get("hosttags")
    if tagged and setting(ctx.sim, "allow.domain.admins.to.create.tagged.offerings", ctx.caller.account) != "true":
        raise errors.invalid(f"User [{user}] is unable to update storage tags or host tags.")
    renamed = any(ctx.p.get(p) is not None for p in ("name", "displaytext", "sortkey"))
    if renamed and any(not ctx.sim.in_domain(d["id"], ctx.caller.domain["id"]) for d in existing):
        raise errors.invalid(f"Unable to update service offering: {text} as it has linked domain(s) which are not "
                             f"child domain for domain-admin: {user}")
    for domain in existing if domains is None else domains:
        if not ctx.sim.in_domain(domain["id"], ctx.caller.domain["id"]):
            raise errors.invalid(f"Unable to update service offering: {text} by domain-admin: {user} with domain: "
                                 f"{domain_text(domain)} which is not a child domain")
