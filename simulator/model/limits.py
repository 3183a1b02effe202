"""Resource limits and resource counts, as ResourceLimitManagerImpl keeps them.

Types are Resource.ResourceType; a type's ordinal is its position in TYPES. Storage types are
counted and limited in bytes (the API speaks GiB).

Counts: an account's count of a type is what ResourceLimitManagerImpl.recalculateAccountResourceCount
finds (what updateResourceCount answers, and what CloudStack's incremental counters are meant to
equal), kept current by a Store watcher: every counted object's share is recomputed when it is added,
touched or deleted, so no command needs a hook to count. A domain's count is the sum over the accounts
in it and below it. What counts (the `_share` functions below):
- user_vm, cpu, memory: a VM not removed, not Destroyed/Error/Expunging, displayed (UserVmDaoImpl
  .countAllocatedVMsForAccount; never-started Stopped VMs count: resource.count.running.vms.only=false);
- volume, primary_storage (its size): a volume not removed, not Destroy/Expunged, displayed
  (VolumeDaoImpl.countAllocatedVolumesForAccount, primaryStorageUsedForAccount): Allocated ones count;
- public_ip: an IP allocated to the account on a network or a VPC (IPAddressDaoImpl
  .countAllocatedIPsForAccount; hidden ones count too);
- network: an isolated, account-scoped, displayed network whose offering does not specify a VLAN
  (NetworkDaoImpl.countNetworksUserCanCreate; VPC tiers count);
- vpc: a VPC not removed (VpcDaoImpl.countByAccountId; hidden ones count too);
- template, secondary_storage: a template not removed, and its size in each zone's image store.

Limits (findCorrectResourceLimitForAccount/ForDomain): the account's or domain's own row
(updateResourceLimit), for a domain else the nearest ancestor's below ROOT, else the max.account.* /
max.domain.* setting; negative is unlimited (-1). Root-admin accounts and the ROOT domain are never
limited. `check` is checkResourceLimitWithTag: the account, then every non-ROOT domain up the tree.
"""

import struct
from decimal import ROUND_HALF_UP, Decimal

from .configs import setting
from .units import GIB

TYPES = ("user_vm", "public_ip", "volume", "snapshot", "template", "project", "network", "vpc", "cpu", "memory",
         "primary_storage", "secondary_storage", "backup", "backup_storage", "bucket", "object_storage")
STORAGE_TYPES = frozenset({"primary_storage", "secondary_storage", "backup_storage", "object_storage"})
TAGGED_TYPES = frozenset({"user_vm", "cpu", "memory", "volume", "primary_storage"})  # Host/StorageTagsSupportingTypes
SETTING_NAMES = {"user_vm": "user.vms", "public_ip": "public.ips", "volume": "volumes", "snapshot": "snapshots",
                 "template": "templates", "project": "projects", "network": "networks", "vpc": "vpcs",
                 "cpu": "cpus", "memory": "memory", "primary_storage": "primary.storage",
                 "secondary_storage": "secondary.storage", "backup": "backups", "backup_storage": "backup.storage",
                 "bucket": "buckets", "object_storage": "object.storage"}
UNLIMITED = -1
VM_NOT_COUNTED = ("Destroyed", "Error", "Expunging")
VOLUME_NOT_COUNTED = ("Destroy", "Expunged")


class LimitExceeded(Exception):
    """ResourceAllocationException: its message is CloudStack's text; each command answers it its own way."""


# -- counts ----------------------------------------------------------------------------------
def _vm_share(store, vm):
    if vm.get("removed") or vm.get("state") in VM_NOT_COUNTED or not vm.get("displayvm", True):
        return None
    return {"user_vm": 1, "cpu": int(vm.get("cpunumber") or 0), "memory": int(vm.get("memory") or 0)}


def _volume_share(store, vol):
    if vol.get("removed") or vol.get("state") in VOLUME_NOT_COUNTED or not vol.get("displayvolume", True):
        return None
    return {"volume": 1, "primary_storage": int(vol.get("size") or 0)}


def _ip_share(store, ip):
    if ip.get("state") != "Allocated" or not (ip.get("associatednetworkid") or ip.get("vpcid")):
        return None
    return {"public_ip": 1}


def _network_share(store, net):
    offering = store.get("networkoffering", net.get("networkofferingid")) or {}
    if (net.get("acltype") != "Account" or net.get("guestiptype") != "Isolated" or net.get("issystem")
            or not net.get("displaynetwork", True) or offering.get("specifyvlan") or net.get("removed")):
        return None
    return {"network": 1}


def _vpc_share(store, vpc):
    return None if vpc.get("removed") else {"vpc": 1}


def _template_share(store, template):
    if template.get("removed"):
        return None
    return {"template": 1, "secondary_storage": int(template.get("size") or 0) * len(template.get("_zones") or ())}


SHARES = {"vm": _vm_share, "volume": _volume_share, "publicip": _ip_share, "network": _network_share,
          "vpc": _vpc_share, "template": _template_share}


class Tally:
    """Every account's count of each type, kept by a Store watcher from the counted objects' shares; and the
    resourcelimit rows by (owner id, type, tag), which every check reads."""

    def __init__(self, store):
        self.store = store
        self.shares = {}  # (kind, pk) -> (account id, {type: amount})
        self.totals = {}  # account id -> {type: amount}
        self.rows = {}  # (owner id, type, tag) -> resourcelimit row
        store.watch(SHARES, self.update)
        store.watch(("resourcelimit",), self.update_row)
        for kind in SHARES:
            for obj in store.all(kind):
                self.update(kind, obj)
        for row in store.all("resourcelimit"):
            self.update_row("resourcelimit", row)

    def update_row(self, kind, row, gone=False):
        key = (row["ownerid"], row["type"], row.get("tag"))
        if gone:
            self.rows.pop(key, None)
        else:
            self.rows[key] = row

    def update(self, kind, obj, gone=False):
        old = self.shares.pop((kind, obj["_pk"]), None)
        if old is not None:
            self._add(old[0], old[1], -1)
        share = None if gone or not obj.get("accountid") else SHARES[kind](self.store, obj)
        if share:
            self.shares[(kind, obj["_pk"])] = (obj["accountid"], share)
            self._add(obj["accountid"], share, 1)

    def _add(self, account_id, share, sign):
        totals = self.totals.setdefault(account_id, {})
        for rtype, amount in share.items():
            totals[rtype] = totals.get(rtype, 0) + sign * amount

    def count(self, account_id, rtype):
        return self.totals.get(account_id, {}).get(rtype, 0)


def tally(sim):
    """The simulator's counts, made on first use (from every object the store holds) and kept from then on."""
    found = sim.store.derived.get("limits")
    if found is None:
        found = sim.store.derived["limits"] = Tally(sim.store)
    return found


def accounts_in(sim, domain):
    """The live accounts of a domain and of the domains below it."""
    return [a for a in sim.store.all("account") if not a.get("removed") and sim.in_domain(a["domainid"], domain["id"])]


def account_count(sim, account, rtype):
    return tally(sim).count(account["id"], rtype)


def domain_count(sim, domain, rtype):
    counts = tally(sim)
    return sum(counts.count(a["id"], rtype) for a in accounts_in(sim, domain))


# -- limits ----------------------------------------------------------------------------------
def is_root_admin(account):
    return account.get("accounttype") == 1


def is_root_domain(domain):
    return domain.get("parentdomainid") is None


def limit_row(sim, owner, rtype, tag=None):
    """The resourcelimit row updateResourceLimit wrote for an account or a domain (owner), or None."""
    return tally(sim).rows.get((owner["id"], rtype, tag))


def default_limit(sim, scope, rtype):
    """The max.<scope>.* setting of a type (scope "account" or "domain"): negative is unlimited; GiB -> bytes."""
    value = int(setting(sim, f"max.{scope}.{SETTING_NAMES[rtype]}"))
    if value < 0:
        return UNLIMITED
    return value * GIB if rtype in STORAGE_TYPES else value


def account_limit(sim, account, rtype):
    """ResourceLimitManagerImpl.findCorrectResourceLimitForAccount (untagged)."""
    if is_root_admin(account):
        return UNLIMITED
    row = limit_row(sim, account, rtype)
    return row["max"] if row is not None else default_limit(sim, "account", rtype)


def parent_of(sim, domain):
    return sim.store.get("domain", domain.get("parentdomainid") or "")


def domain_limit(sim, domain, rtype):
    """ResourceLimitManagerImpl.findCorrectResourceLimitForDomain: the domain's row, else the nearest ancestor's
    below ROOT, else the default; ROOT is unlimited."""
    if is_root_domain(domain):
        return UNLIMITED
    walk = domain
    while walk is not None and not is_root_domain(walk):
        row = limit_row(sim, walk, rtype)
        if row is not None:
            return row["max"]
        walk = parent_of(sim, walk)
    return default_limit(sim, "domain", rtype)


# -- checks ----------------------------------------------------------------------------------
def _java_fixed(value, digits):
    """Java's Formatter %.Nf on a double: the shortest decimal form, rounded half up."""
    return str(Decimal(repr(value)).quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_UP))


def _f32(value):
    return struct.unpack("f", struct.pack("f", value))[0]


def readable_size(size):
    """NumbersUtil.toReadableSize (float arithmetic, as Java's)."""
    if 0 <= size < 1024:
        return f"{size} bytes"
    for unit, scale, digits in (("KB", 1024, 2), ("MB", 1024 ** 2, 2), ("GB", 1024 ** 3, 2)):
        if size < scale * 1024:
            return f"{_java_fixed(_f32(_f32(float(size)) / _f32(float(scale))), digits)} {unit}"
    return f"{_java_fixed(_f32(_f32(float(size)) / _f32(float(1024 ** 4))), 4)} TB"


def shown(rtype, amount):
    """How the limit texts print an amount: storage as NumbersUtil.toHumanReadableSize
    (display.human.readable.sizes is true by default)."""
    return f"({readable_size(amount)}) {amount}" if rtype in STORAGE_TYPES else str(amount)


def _domain_of(sim, account):
    return sim.store.get("domain", account["domainid"])


def check(sim, account, rtype, amount=1, reserved=0):
    """ResourceLimitManagerImpl.checkResourceLimitWithTag (untagged): `amount` more of a type for the account, with
    `reserved` already reserved by the same call (CheckedReservation). Raises LimitExceeded with CloudStack's text
    (checkAccountResourceLimit, then checkDomainResourceLimit up to ROOT)."""
    if is_root_admin(account):
        return
    domain = _domain_of(sim, account)
    limit = account_limit(sim, account, rtype)
    if limit != UNLIMITED:
        count = account_count(sim, account, rtype)
        if count + reserved + amount > limit:
            raise LimitExceeded(
                f"Maximum amount of resources of Type = '{rtype}', tag = 'null' for Account Name = {account['name']} "
                f"in Domain Id = {domain['_pk']} is exceeded: Account Resource Limit = {shown(rtype, limit)}, "
                f"Current Account Resource Amount = {shown(rtype, count)}, Current Account Resource Reservation = "
                f"{shown(rtype, reserved)}, Requested Resource Amount = {shown(rtype, amount)}.")
    while domain is not None:
        if not is_root_domain(domain):
            _check_domain(sim, domain, rtype, amount, reserved)
        domain = parent_of(sim, domain)


def _check_domain(sim, domain, rtype, amount, reserved):
    limit = domain_limit(sim, domain, rtype)
    if limit == UNLIMITED:
        return
    count = domain_count(sim, domain, rtype)
    if count + reserved + amount > limit:
        raise LimitExceeded(
            f"Maximum domain resource limits of Type '{rtype}' for Domain Id = {domain['id']} is exceeded: Domain "
            f"Resource Limit = {shown(rtype, limit)}, Current Domain Resource Amount = {shown(rtype, count)}, Current "
            f"Resource Reservation = {shown(rtype, reserved)}, Requested Resource Amount = {shown(rtype, amount)}.")
