"""Zones: listZones (QueryManagerImpl.listDataCenters), createZone and updateZone
(ConfigurationManagerImpl.createZone / editZone)."""

import ipaddress
import re
import uuid

from .. import errors
from ..contract import api
from ..views.infra import zone_view
from .filters import filter_eq

ALLOCATION_STATES = ("Enabled", "Disabled")  # Grouping.AllocationState, matched case-sensitively
# NetUtils.validateGuestCidr: RFC 1918 and RFC 6598 blocks (allow.non.rfc1918.compliant.ips=false)
GUEST_BLOCKS = [ipaddress.ip_network(b) for b in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10")]
DOMAIN_LABEL = re.compile(r"^(?!-)[A-Za-z0-9-]{1,63}(?<!-)$")
NETWORK_DOMAIN_TEXT = ("Invalid network domain. Total length shouldn't exceed 190 chars. Each domain label must be "
                       "between 1 and 63 characters long, can contain ASCII letters 'a' through 'z', the digits '0' "
                       "through '9', and the hyphen ('-'); can't start or end with \"-\"")


def _ip4(value):
    try:
        return ipaddress.IPv4Address(value) is not None
    except ValueError:
        return False


def _ip6(value):
    try:
        return ipaddress.IPv6Address(value) is not None
    except ValueError:
        return False


def _guest_cidr_ok(cidr):
    try:
        net = ipaddress.IPv4Network(cidr, strict=False)
    except ValueError:
        return False
    return "/" in cidr and any(net.subnet_of(block) for block in GUEST_BLOCKS)


def _network_domain_ok(value):
    """NetUtils.verifyDomainName."""
    return len(value) <= 190 and all(DOMAIN_LABEL.match(label) for label in value.split("."))


def _check_zone_params(ctx, name, check_duplicate):
    """ConfigurationManagerImpl.checkZoneParameters."""
    if check_duplicate and ctx.store.first("zone", name=name):
        raise errors.invalid("A zone with that name already exists. Please specify a unique zone name.")
    for param, what, valid in (("dns1", "DNS1", _ip4), ("dns2", "DNS2", _ip4), ("internaldns1", "internal DNS1", _ip4),
                               ("internaldns2", "internal DNS2", _ip4)):
        if ctx.get(param) is not None and not valid(ctx.p[param]):
            raise errors.invalid(f"Please enter a valid IP address for {what}")
    for param, what in (("ip6dns1", "IP6 DNS1"), ("ip6dns2", "IP6 DNS2")):
        if ctx.get(param) is not None and not _ip6(ctx.p[param]):
            raise errors.invalid(f"Please enter a valid IPv6 address for {what}")
    state = ctx.get("allocationstate")
    if state is not None and state not in ALLOCATION_STATES:
        raise errors.invalid(f"Unable to resolve Allocation State '{state}' to a supported state")


# -- list ----------------------------------------------------------------------------------------
@api("listZones")
def list_zones(ctx):
    """QueryManagerImpl.listDataCentersInternal: root admins see every zone; other callers only enabled zones
    with no domain or one of their domain tree, unless they name the zone by id or name; `available=false`
    keeps the zones where the caller's account has a virtual router."""
    zones = ctx.store.all("zone")
    zones = filter_eq(ctx, zones, "networktype", as_text=True)
    if ctx.has("ids"):
        zones = [z for z in zones if z["id"] in set(ctx.p["ids"])]
    if ctx.has("id"):
        zones = [z for z in zones if z["id"] == ctx.p["id"]]
    elif ctx.has("name"):
        zones = [z for z in zones if z["name"] == ctx.p["name"]]
    else:
        zones = _narrowed(ctx, zones)
    zones = sorted(zones, key=lambda z: (z.get("sortkey", 0), z["_pk"]))
    full = ctx.caller.is_root
    return [zone_view(ctx, z, full) for z in zones]


def _narrowed(ctx, zones):
    if ctx.has("keyword"):
        kw = ctx.p["keyword"].lower()
        zones = [z for z in zones if kw in z["name"].lower() or kw in (z.get("description") or "").lower()]
    if ctx.has("domainid"):
        zones = [z for z in zones if z.get("domainid") == ctx.p["domainid"]]
    elif not ctx.caller.is_root:
        zones = [z for z in zones if z["allocationstate"] != "Disabled" and (
            z.get("domainid") is None or ctx.sim.in_domain(ctx.caller.domain["id"], z["domainid"])
            or (ctx.caller.is_admin and ctx.sim.in_domain(z["domainid"], ctx.caller.domain["id"])))]
    if ctx.p.get("available") is False:
        with_router = {n["zoneid"] for n in ctx.store.all("network") if n.get("accountid") == ctx.caller.account["id"]
                       and n.get("state") == "Implemented"}
        zones = [z for z in zones if z["id"] in with_router]
    return zones


# -- create and update ---------------------------------------------------------------------------
@api("createZone")
def create_zone(ctx):
    """ConfigurationManagerImpl.createZone(cmd): Disabled unless `allocationstate` says otherwise (an admin
    enables a zone once its physical networks are set up)."""
    networktype = ctx.p["networktype"]
    if networktype.lower() not in ("basic", "advanced"):
        raise errors.invalid("Invalid zone type; only Advanced and Basic values are supported")
    networktype = networktype.capitalize()
    guest_cidr = ctx.get("guestcidraddress")
    if networktype == "Basic" and guest_cidr is not None:
        raise errors.invalid("guestCidrAddress parameter is not supported for Basic zone")
    if networktype != "Advanced" and ctx.p.get("isedge"):
        raise errors.invalid("Only advanced network type zones can be edge zones")
    if guest_cidr is not None and not _guest_cidr_ok(guest_cidr):
        raise errors.invalid("Please enter a valid guest cidr")
    if ctx.get("domain") is not None and not _network_domain_ok(ctx.p["domain"]):
        raise errors.invalid(NETWORK_DOMAIN_TEXT)
    dedicated = ctx.lookup("domain", "domainid", required=False)
    _check_zone_params(ctx, ctx.p["name"], check_duplicate=True)
    zone = ctx.store.add("zone", {
        "name": ctx.p["name"], "networktype": networktype, "allocationstate": ctx.get("allocationstate", "Disabled"),
        "dns1": ctx.p["dns1"], "dns2": ctx.get("dns2"), "internaldns1": ctx.p["internaldns1"],
        "internaldns2": ctx.get("internaldns2"), "ip6dns1": ctx.get("ip6dns1"), "ip6dns2": ctx.get("ip6dns2"),
        "guestcidraddress": guest_cidr, "domain": ctx.get("domain"),
        "domainid": dedicated and dedicated["id"], "domainname": dedicated and dedicated["name"],
        "securitygroupsenabled": networktype == "Basic" or bool(ctx.p.get("securitygroupenabled")),
        "localstorageenabled": bool(ctx.p.get("localstorageenabled")),
        "type": "Edge" if ctx.p.get("isedge") else "Core",
        "zonetoken": str(uuid.uuid4()), "dhcpprovider": "VirtualRouter", "sortkey": 0, "_down": False,
    })
    ctx.event("ZONE.CREATE", f"Successfully completed creating zone. Zone Name: {zone['name']}")
    return zone_view(ctx, zone, full=True)


@api("updateZone")
def update_zone(ctx):
    """ConfigurationManagerImpl.editZone: a new name is checked for duplicates; `allocationstate` Enabled or
    Disabled (the simulator has no physical networks to check before enabling)."""
    zone = ctx.lookup("zone", "id")
    details = {}
    for entry in ctx.p.get("details") or []:
        if entry.get("key") is None or entry.get("value") is None:
            raise errors.invalid("Invalid Zone Detail specified, fields 'key' and 'value' cannot be null, please "
                                 "specify details in the form:  details[0].key=XXX&details[0].value=YYY")
        details[entry["key"]] = entry["value"]
    guest_cidr = ctx.get("guestcidraddress")
    if guest_cidr is not None and not _guest_cidr_ok(guest_cidr):
        raise errors.invalid("Please enter a valid guest cidr")
    if ctx.get("domain") is not None and not _network_domain_ok(ctx.p["domain"]):
        raise errors.invalid(NETWORK_DOMAIN_TEXT)
    name = ctx.get("name", zone["name"])
    _check_zone_params(ctx, name, check_duplicate=name != zone["name"])
    for param in ("dns1", "dns2", "ip6dns1", "ip6dns2", "internaldns1", "internaldns2", "guestcidraddress",
                  "sortkey", "dhcpprovider", "allocationstate", "localstorageenabled"):
        if ctx.p.get(param) not in (None, ""):
            zone[param] = ctx.p[param]
    zone["name"] = name
    if ctx.p.get("domain") is not None:
        zone["domain"] = ctx.p["domain"] or None
    if ctx.p.get("ispublic"):
        zone.update(domainid=None, domainname=None)
    ctx.store.touch("zone", zone)
    for key, value in details.items():
        row = ctx.store.first("detail", resource_kind="zone", resource_pk=zone["_pk"], key=key)
        if row is None:
            ctx.store.add("detail", {"resource_kind": "zone", "resource_pk": zone["_pk"], "key": key, "value": value,
                                     "fordisplay": True})
        else:
            row["value"] = value
            ctx.store.touch("detail", row)
    ctx.event("ZONE.EDIT", f"Successfully completed editing zone. Zone Id: {zone['_pk']}")
    return zone_view(ctx, zone, full=True)
