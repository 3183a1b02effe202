"""Public IPs: a zone's ranges, allocation and release, source NAT, static NAT, and the rules on them."""

from .. import errors
from ..errors import ApiError
from ..store import now
from .accounts import owner_of
from .addresses import parse_cidr


def add_public_range(sim, zone, cidr):
    """A zone's public VLAN range: one Free publicip row per usable address."""
    vlanid = f"{zone['id']}-public"
    for address in parse_cidr(cidr).hosts():
        sim.store.add("publicip", {
            "ipaddress": str(address), "zoneid": zone["id"], "zonename": zone["name"], "state": "Free",
            "forvirtualnetwork": True, "vlanid": vlanid, "vlanname": "vlan://untagged", "issourcenat": False,
            "isstaticnat": False, "issystem": False, "isportable": False, "fordisplay": True,
        })


def take_ip(sim, zone, owner, network=None, vpc=None, sourcenat=False, state="Allocated"):
    """Allocate the zone's first free public IP to `owner` for a network or a VPC."""
    free = sim.store.first("publicip", zoneid=zone["id"], state="Free")
    if free is None:
        raise ApiError(errors.INSUFFICIENT_CAPACITY, "Insufficient address capacity", errors.CS_INSUFFICIENT_ADDRESS)
    domain = sim.store.get("domain", owner["domainid"])
    free.update(state=state, allocated=now(), issourcenat=sourcenat, accountid=owner["id"], account=owner["name"],
                domainid=domain["id"], domain=domain["name"], domainpath=domain["path"],
                associatednetworkid=network and network["id"], associatednetworkname=network and network["name"],
                vpcid=vpc and vpc["id"], vpcname=vpc and vpc["name"])
    sim.store.touch("publicip", free)
    sim.event("NET.IPASSIGN", f"Ip: {free['ipaddress']}", owner)
    return free


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
    if ip.get("isstaticnat"):
        ip.update(isstaticnat=False, _vm_pk=None, vmipaddress=None)
        sim.store.touch("publicip", ip)


def delete_rule(sim, rule):
    """A rule and the firewall rule created with it (a port-forwarding rule's openfirewall)."""
    related = sim.store.get("rule", rule.get("_related") or "")
    if related is not None:
        sim.store.delete("rule", related)
    sim.store.delete("rule", rule)


def _clear_rules(sim, ip):
    for rule in sim.store.find("rule", ipaddressid=ip["id"]):
        sim.store.delete("rule", rule)
    clear_static_nat(sim, ip)


def unassign(sim, ip):
    """A VPC IP leaves its tier (the tier is gone) but stays with the VPC."""
    _clear_rules(sim, ip)
    ip.update(associatednetworkid=None, associatednetworkname=None)
    sim.store.touch("publicip", ip)


def release_ip(sim, ip):
    """Back to Free (IPAddressDaoImpl.unassignIpAddress): its rules and static NAT go with it, it is displayed
    again and its resource details are removed; the row keeps its id."""
    _clear_rules(sim, ip)
    owner = owner_of(sim, ip)
    for key in ("accountid", "account", "domainid", "domain", "domainpath", "allocated", "associatednetworkid",
                "associatednetworkname", "vpcid", "vpcname"):
        ip.pop(key, None)
    ip.update(state="Free", issourcenat=False, fordisplay=True)
    for row in sim.store.find("detail", resource_kind="publicip", resource_pk=ip["_pk"]):
        sim.store.delete("detail", row)
    sim.store.touch("publicip", ip)
    sim.event("NET.IPRELEASE", f"Ip: {ip['ipaddress']}", owner)
