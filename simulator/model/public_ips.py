"""Public IPs: a zone's ranges, allocation and release, source NAT, static NAT, and the rules on them."""

from .. import errors
from ..errors import ApiError
from ..store import now
from .accounts import owner_of
from .addresses import parse_cidr
from .rules import leave_tier_if_unused, remove_rule
from .usage import usage_event

OWNER_FIELDS = ("accountid", "account", "domainid", "domain", "domainpath")


def add_public_range(sim, zone, cidr):
    """A zone's public VLAN range: one Free publicip row per usable address."""
    vlanid = f"{zone['id']}-public"
    for address in parse_cidr(cidr).hosts():
        sim.store.add("publicip", {
            "ipaddress": str(address), "zoneid": zone["id"], "zonename": zone["name"], "state": "Free",
            "forvirtualnetwork": True, "vlanid": vlanid, "vlanname": "vlan://untagged", "issourcenat": False,
            "isstaticnat": False, "issystem": False, "isportable": False, "fordisplay": True,
            "_zone_pk": zone["_pk"],
        })


def allocate_ip(sim, zone, owner, display=None):
    """IpAddressManagerImpl.allocateIp: the zone's first free public IP, Allocating for `owner` (not yet on a
    network, not yet billed); `display` None keeps the IP displayed. 533 when the zone has none left."""
    free = sim.store.first("publicip", zoneid=zone["id"], state="Free")
    if free is None:
        raise ApiError(errors.INSUFFICIENT_CAPACITY, "Insufficient address capacity", errors.CS_SERVER_API)
    domain = sim.store.get("domain", owner["domainid"])
    free.update(state="Allocating", allocated=now(), issourcenat=False, accountid=owner["id"], account=owner["name"],
                domainid=domain["id"], domain=domain["name"], domainpath=domain["path"])
    if display is not None:
        free["fordisplay"] = display
    sim.store.touch("publicip", free)
    sim.event("NET.IPASSIGN", f"Ip: {free['ipaddress']}", owner)
    return free


def assign(sim, ip, network=None, vpc=None, sourcenat=False):
    """The IP joins a network or a VPC and is marked Allocated (IpAddressManagerImpl.markPublicIpAsAllocated):
    a NET.IPASSIGN usage event, whatever its display flag, starts its IP hours."""
    ip.update(associatednetworkid=network and network["id"], associatednetworkname=network and network["name"],
              vpcid=vpc and vpc["id"], vpcname=vpc and vpc["name"], issourcenat=sourcenat, state="Allocated")
    sim.store.touch("publicip", ip)
    usage_event(sim, "NET.IPASSIGN", owner_of(sim, ip), ip["zoneid"], ip, ip["ipaddress"], issourcenat=sourcenat)
    return ip


def take_ip(sim, zone, owner, network=None, vpc=None, sourcenat=False):
    """An IP allocated and assigned at once (a source NAT IP taken when a network or VPC is implemented)."""
    return assign(sim, allocate_ip(sim, zone, owner), network, vpc, sourcenat)


def has_source_nat(sim, network):
    return "SourceNat" in sim.store.get("networkoffering", network["networkofferingid"])["supportedservices"]


def source_nat_of(sim, network=None, vpc=None):
    """The source NAT IP of an isolated network (outside a VPC) or of a VPC, None while it has none."""
    if vpc is not None:
        return sim.store.first("publicip", vpcid=vpc["id"], issourcenat=True)
    return sim.store.first("publicip", associatednetworkid=network["id"], issourcenat=True)


def vm_of(sim, obj):
    """The VM a public IP (static NAT) or a port-forwarding rule points at, by its internal key."""
    pk = obj.get("_vm_pk")
    return None if pk is None else sim.store.by_pk("vm", pk)


def clear_static_nat(sim, ip):
    """Static NAT off (RulesManagerImpl.disableStaticNat): the IP's firewall rules are revoked with it and a VPC
    IP left without rules leaves its tier."""
    if ip.get("isstaticnat"):
        for rule in sim.store.find("rule", ipaddressid=ip["id"], ruletype="firewall"):
            remove_rule(sim, rule)
        ip.update(isstaticnat=False, _vm_pk=None, vmipaddress=None)
        sim.store.touch("publicip", ip)
        leave_tier_if_unused(sim, ip)


def delete_rule(sim, rule):
    """A rule and the firewall rule created with it (a port-forwarding rule's openfirewall)."""
    remove_rule(sim, rule)


def _clear_rules(sim, ip):
    """IpAddressManagerImpl.cleanupIpResources: every rule of the IP and its static NAT."""
    for rule in sim.store.find("rule", ipaddressid=ip["id"]):
        if sim.store.get("rule", rule["id"]) is not None:  # a related rule may have gone with its rule
            remove_rule(sim, rule)
    clear_static_nat(sim, ip)


def unassign(sim, ip):
    """A VPC IP leaves its tier (the tier is gone) but stays with the VPC."""
    _clear_rules(sim, ip)
    ip.update(associatednetworkid=None, associatednetworkname=None)
    sim.store.touch("publicip", ip)


def release_ip(sim, ip, quiet=False):
    """Back to Free (IpAddressManagerImpl.disassociatePublicIpAddress, IPAddressDaoImpl.unassignIpAddress): its
    rules and static NAT go with it, a NET.IPRELEASE usage event ends its IP hours, it is displayed again and its
    resource details and tags are removed; the row keeps its id. `quiet`: only the row is unassigned, no event
    (a failed association: IpAddressManagerImpl.associateIPToGuestNetwork)."""
    _clear_rules(sim, ip)
    owner = owner_of(sim, ip)
    if not quiet:
        usage_event(sim, "NET.IPRELEASE", owner, ip["zoneid"], ip, ip["ipaddress"], issourcenat=ip["issourcenat"])
    for key in (*OWNER_FIELDS, "allocated", "associatednetworkid", "associatednetworkname", "vpcid", "vpcname"):
        ip.pop(key, None)
    ip.update(state="Free", issourcenat=False, fordisplay=True)
    for kind in ("detail", "tag"):
        for row in sim.store.find(kind, resource_kind="publicip", resource_pk=ip["_pk"]):
            sim.store.delete(kind, row)
    sim.store.touch("publicip", ip)
    if not quiet:
        sim.event("NET.IPRELEASE", f"Ip: {ip['ipaddress']}", owner)
