"""Resource limits: updateResourceLimit, listResourceLimits, updateResourceCount (ResourceLimitManagerImpl).

The counts and the limits themselves are model/limits.py; the checks of the commands that allocate are
model/limit_checks.py.
"""

from .. import errors
from ..contract import api
from ..model.limits import (
    STORAGE_TYPES,
    TAGGED_TYPES,
    TYPES,
    UNLIMITED,
    account_count,
    account_limit,
    domain_count,
    domain_limit,
    is_root_admin,
    is_root_domain,
    limit_row,
    parent_of,
)
from ..model.texts import account_text, domain_text
from ..model.units import GIB
from ..views.limits import count_view, limit_view
from .accounts import check_account_access, check_domain_access

USER_ERROR = "Internal error executing command, please contact your system administrator"  # BaseCmd.USER_ERROR_MESSAGE
NPE_LIMIT_ID = 'Cannot invoke "com.cloud.configuration.ResourceLimitVO.getAccountId()" because "vo" is null'


def finalize_account(ctx, enabled_only):
    """AccountManagerImpl.finalyzeAccountId: the account `account` + `domainid` name (None without `account`)."""
    name = ctx.get("account")
    if name is None:
        if ctx.has("projectid"):
            ctx.lookup("project", "projectid")  # the simulator keeps no projects: CloudStack's 431 for a bad id
        return None
    if not ctx.has("domainid"):
        raise errors.invalid("Account must be specified with domainId parameter")
    domain = ctx.lookup("domain", "domainid")
    account = ctx.store.first("account", name=name, domainid=domain["id"], removed=None)
    if account is None:
        raise errors.invalid(f"Unable to find account by name {name} in domain with specified id")
    if enabled_only and account.get("state") != "enabled":
        raise errors.denied(f"Can't add resources to the account {account_text(account)} in state={account['state']} "
                            "as it's no longer active")
    return account


def _type_by_ordinal(ctx, text):
    ordinal = ctx.p.get("resourcetype")
    if ordinal is None:
        return None
    if not 0 <= ordinal < len(TYPES):
        raise errors.invalid(text)
    return TYPES[ordinal]


def _as_short(value):
    """Java's Long.shortValue()."""
    return (value + 32768) % 65536 - 32768


# -- updateResourceLimit ---------------------------------------------------------------------
def _check_account_update(ctx, account, rtype, max_, tag):
    if is_root_admin(account) and _as_short(max_) != UNLIMITED:
        raise errors.invalid("Only -1 limit is supported for Root Admin accounts")
    if account["id"] == ctx.caller.account["id"] and ctx.caller.role == "DomainAdmin":
        raise errors.denied(f"Unable to update resource limit for their own account {account_text(account)}, "
                            "permission denied")
    check_account_access(ctx, account)
    untagged = account_limit(ctx.sim, account, rtype)
    if tag and untagged > 0 and max_ > untagged:
        raise errors.invalid(f"Maximum untagged resource limit for account {account['name']} for resource type "
                             f"{rtype} is {untagged}, please specify a value less than or equal to that")


def _check_domain_update(ctx, domain, rtype, max_, tag):
    check_domain_access(ctx, domain)
    if is_root_domain(domain):
        raise errors.denied(f"Cannot update resource limit for ROOT domain {domain['_pk']}, permission denied")
    if domain["id"] == ctx.caller.domain["id"] and ctx.caller.role == "DomainAdmin":
        raise errors.denied(f"Unable to update resource limit for domain {domain['_pk']}, permission denied")
    untagged = domain_limit(ctx.sim, domain, rtype)
    if tag and untagged > 0 and max_ > untagged:
        raise errors.invalid(f"Maximum untagged resource limit for domain {domain['name']} for resource type "
                             f"{rtype} is {untagged}, please specify a value less than or equal to that")
    parent = parent_of(ctx.sim, domain)
    most = domain_limit(ctx.sim, parent, rtype)
    if most >= 0 and max_ > most:
        raise errors.invalid(f"Domain {domain_text(parent)} has maximum allowed resource limit {most} for {rtype}, "
                             f"please specify a value less than or equal to {most}")


@api("updateResourceLimit")
def update_resource_limit(ctx):
    """ResourceLimitManagerImpl.updateResourceLimit: an account's limit (account + domainid) or a domain's (domainid);
    max -1 (the default) is unlimited; storage in GiB. Root and domain admins; a domain admin neither for its own
    account nor its own domain; ROOT and root-admin accounts stay unlimited; a domain not above its parent's."""
    account = finalize_account(ctx, True)
    max_ = ctx.p.get("max")
    max_ = UNLIMITED if max_ is None else max_
    if max_ < UNLIMITED:
        raise errors.invalid("Please specify either '-1' for an infinite limit, or a limit that is at least '0'.")
    rtype = _type_by_ordinal(ctx, "Please specify valid resource type")
    tag = ctx.get("tag")
    if tag and rtype not in TAGGED_TYPES:
        raise errors.invalid(f"Resource limit with a tag is not supported for resource type {ctx.p['resourcetype']}")
    if rtype in STORAGE_TYPES and max_ >= 0:
        max_ *= GIB
    if account is not None:
        kind, owner = "Account", account
        _check_account_update(ctx, account, rtype, max_, tag)
    elif ctx.has("domainid"):
        kind, owner = "Domain", ctx.lookup("domain", "domainid")
        _check_domain_update(ctx, owner, rtype, max_, tag)
    else:
        raise errors.invalid("AccountId or domainId have to be specified in order to update resource limit")
    row = limit_row(ctx.sim, owner, rtype, tag) or ctx.store.add("resourcelimit", {
        "ownertype": kind, "ownerid": owner["id"], "type": rtype, "tag": tag})
    row["max"] = max_
    ctx.store.touch("resourcelimit", row)
    ctx.event("RESOURCE.LIMIT.UPDATE", f"Resource limit updated. Resource Type: {rtype}, New Value: {max_}")
    return limit_view(ctx.sim, kind, owner, rtype, max_, tag)


# -- listResourceLimits ----------------------------------------------------------------------
def _type_filter(ctx):
    """ListResourceLimitsCmd.getResourceTypeEnum: resourcetypename wins over resourcetype."""
    if ctx.has("resourcetypename"):
        if ctx.p["resourcetypename"] not in TYPES:
            raise errors.invalid("Please specify a valid resource type name.")
        return ctx.p["resourcetypename"]
    return _type_by_ordinal(ctx, "Please specify a valid resource type.")


def _owner_of_row(ctx, row):
    kind = "account" if row["ownertype"] == "Account" else "domain"
    return row["ownertype"], ctx.store.get(kind, row["ownerid"])


def _by_id(ctx, pk):
    row = ctx.store.by_pk("resourcelimit", pk)
    if row is None:  # ResourceLimitManagerImpl.searchForLimits dereferences the missing row
        raise errors.internal(NPE_LIMIT_ID if ctx.caller.is_root else USER_ERROR)
    kind, owner = _owner_of_row(ctx, row)
    if kind == "Account":
        check_account_access(ctx, owner)
    else:
        check_domain_access(ctx, owner)
    return [limit_view(ctx.sim, kind, owner, row["type"], row["max"], row["tag"])]


@api("listResourceLimits")
def list_resource_limits(ctx):
    """ResourceLimitManagerImpl.searchForLimits: the limits of one account (the caller's, or account + domainid for
    an admin) or of one domain (domainid): the rows updateResourceLimit wrote (in the order written), then the
    effective limit of every other type; tagged rows are left out (no resource.limit.*.tags)."""
    account = finalize_account(ctx, False)
    rtype = _type_filter(ctx)
    domain = ctx.lookup("domain", "domainid", required=False)
    if not ctx.caller.is_admin:
        account, domain = ctx.caller.account, None
    elif domain is not None:
        check_domain_access(ctx, domain)
        if account is not None:
            check_account_access(ctx, account)
            domain = None
    if ctx.p.get("id") is not None:
        return _by_id(ctx, ctx.p["id"])
    if account is None and domain is None:
        account = ctx.caller.account
    kind, owner = ("Account", account) if account is not None else ("Domain", domain)
    rows = sorted(ctx.store.find("resourcelimit", ownerid=owner["id"]), key=lambda r: r["_pk"])
    rows = [r for r in rows
            if (rtype is None or r["type"] == rtype) and (not ctx.has("tag") or r["tag"] == ctx.p["tag"])]
    effective = account_limit if account is not None else domain_limit
    found = {r["type"] for r in rows}
    wanted = [rtype] if rtype is not None else list(TYPES)
    items = [(r["type"], r["max"]) for r in rows if not r["tag"]]
    items += [(t, effective(ctx.sim, owner, t)) for t in wanted if t not in found]
    return [limit_view(ctx.sim, kind, owner, t, max_) for t, max_ in items]


# -- updateResourceCount ---------------------------------------------------------------------
@api("updateResourceCount")
def update_resource_count(ctx):
    """ResourceLimitManagerImpl.recalculateResourceCount: the counts of an account (account + domainid) or of a
    domain (its accounts and the domains below it), every type or one. The simulator's counts are always the
    recalculated ones (model/limits.py), so there is never a discrepancy to fix."""
    account = finalize_account(ctx, True)
    rtype = _type_by_ordinal(ctx, "Please specify valid resource type")
    if ctx.get("tag") and rtype is not None and rtype not in TAGGED_TYPES:
        raise errors.invalid(f"Resource count with a tag is not supported for resource type {ctx.p['resourcetype']}")
    domain = ctx.lookup("domain", "domainid")
    check_domain_access(ctx, domain)
    types = [rtype] if rtype is not None else list(TYPES)
    if account is not None:
        return [count_view(ctx.sim, "Account", account, t, account_count(ctx.sim, account, t)) for t in types]
    return [count_view(ctx.sim, "Domain", domain, t, domain_count(ctx.sim, domain, t)) for t in types]
