"""Resource limits and counts in answers: the limit/total/available fields of an account or a domain
(listAccounts, listDomains), and the items of listResourceLimits/updateResourceLimit and updateResourceCount."""

import math

from ..model.limits import (
    STORAGE_TYPES,
    TYPES,
    UNLIMITED,
    account_count,
    account_limit,
    domain_count,
    domain_limit,
    is_root_domain,
)
from ..model.texts import db_path
from ..model.units import GIB

# response field prefix -> resource type, in AccountJoinDaoImpl.setResourceLimits' order
FIELDS = (("vm", "user_vm"), ("ip", "public_ip"), ("volume", "volume"), ("snapshot", "snapshot"),
          ("template", "template"), ("network", "network"), ("vpc", "vpc"), ("cpu", "cpu"), ("memory", "memory"),
          ("primarystorage", "primary_storage"), ("secondarystorage", "secondary_storage"), ("backup", "backup"),
          ("backupstorage", "backup_storage"), ("bucket", "bucket"), ("objectstorage", "object_storage"),
          ("project", "project"))
UNLIMITED_TEXT = "Unlimited"  # Resource.UNLIMITED
DETAILS = ("all", "resource", "min")  # ApiConstants.DomainDetails


def _triple(prefix, rtype, limit, total):
    """{prefix}limit / {prefix}total / {prefix}available: storage in whole GiB (secondary storage's total a float)."""
    if rtype == "secondary_storage":
        total_shown = float(total) / GIB
        available = None if limit == UNLIMITED else str(limit / GIB - total_shown)
    elif rtype in STORAGE_TYPES:
        total_shown = total // GIB
        available = None if limit == UNLIMITED else str(limit // GIB - total_shown)
    else:
        total_shown = total
        available = None if limit == UNLIMITED else str(limit - total)
    shown_limit = limit // GIB if rtype in STORAGE_TYPES and limit != UNLIMITED else limit
    return {f"{prefix}limit": UNLIMITED_TEXT if limit == UNLIMITED else str(shown_limit),
            f"{prefix}total": total_shown, f"{prefix}available": available or UNLIMITED_TEXT}


def account_limit_fields(sim, account):
    """AccountJoinDaoImpl.setResourceLimits: root-admin accounts are Unlimited; ipavailable is also capped by the
    free public IPs of the cloud (free_ip_view); vmrunning/vmstopped count every live VM, hidden ones too."""
    out = {}
    for prefix, rtype in FIELDS:
        out.update(_triple(prefix, rtype, account_limit(sim, account, rtype), account_count(sim, account, rtype)))
    ip_limit = account_limit(sim, account, "public_ip")
    free = sum(1 for ip in sim.store.all("publicip") if ip["state"] == "Free" and ip.get("forvirtualnetwork", True))
    left = ip_limit - account_count(sim, account, "public_ip")
    if left > free:
        out["ipavailable"] = str(free)
    vms = [v for v in sim.store.all("vm") if v.get("accountid") == account["id"] and not v.get("removed")]
    out["vmrunning"] = sum(1 for v in vms if v["state"] == "Running")
    out["vmstopped"] = sum(1 for v in vms if v["state"] == "Stopped")
    return out


def domain_limit_fields(sim, domain):
    """DomainJoinDaoImpl.setResourceLimits: the domain's counts are those of every account in it and below it;
    ROOT is Unlimited."""
    out = {}
    for prefix, rtype in FIELDS:
        limit = UNLIMITED if is_root_domain(domain) else domain_limit(sim, domain, rtype)
        out.update(_triple(prefix, rtype, limit, domain_count(sim, domain, rtype)))
    return out


def _owner_fields(sim, owner_kind, owner):
    domain = owner if owner_kind == "Domain" else sim.store.get("domain", owner["domainid"])
    out = {"domainid": domain["id"], "domain": domain["name"], "domainpath": db_path(domain)}
    if owner_kind == "Account":
        out["account"] = owner["name"]
    return out


def limit_view(sim, owner_kind, owner, rtype, max_, tag=None):
    """ApiResponseHelper.createResourceLimitResponse: storage limits in GiB, rounded up."""
    if rtype in STORAGE_TYPES and max_ >= 0:
        max_ = math.ceil(max_ / GIB)
    view = dict(_owner_fields(sim, owner_kind, owner), resourcetype=str(TYPES.index(rtype)), resourcetypename=rtype,
                max=max_)
    if tag:
        view["tag"] = tag
    return view


def count_view(sim, owner_kind, owner, rtype, count):
    """ApiResponseHelper.createResourceCountResponse."""
    return dict(_owner_fields(sim, owner_kind, owner), resourcetype=str(TYPES.index(rtype)), resourcetypename=rtype,
                resourcecount=count)
