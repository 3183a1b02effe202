"""NICs: a VM's place in a network, with a guest IP reserved in the network's range."""

from .. import errors
from ..errors import ApiError
from .accounts import owner_of
from .addresses import guest_range, in_guest_range, parse_ip
from .public_ips import clear_static_nat, delete_rule
from .texts import network_text


def _guest_ip(sim, network, requested):
    """The requested guest IP if it is free and in range, else the first free one."""
    used = {n["ipaddress"] for n in sim.store.find("nic", networkid=network["id"])}
    if requested is not None:
        wanted = parse_ip(requested)
        if str(wanted) in used or not in_guest_range(network, wanted):
            raise _no_guest_ip(network)
        return str(wanted)
    for address in guest_range(network):
        if str(address) not in used:
            return str(address)
    raise _no_guest_ip(network)


def _no_guest_ip(network):
    return ApiError(errors.INSUFFICIENT_CAPACITY,
                    f"Unable to acquire Guest IP  address for network {network_text(network)}", 4330)


def _mac(sim):
    return "02:00:" + ":".join(f"{sim.random.randrange(256):02x}" for _ in range(4))


def add_nic(ctx, vm, network, ipaddress=None, isdefault=False, event=False):
    """A NIC for `vm` in `network` with the requested or next free guest IP (NIC.CREATE only if asked)."""
    nics = nics_of(ctx.sim, vm)
    nic = ctx.store.add("nic", {
        "networkid": network["id"], "networkname": network["name"], "_vm_pk": vm["_pk"],
        "ipaddress": _guest_ip(ctx.sim, network, ipaddress), "gateway": network["gateway"],
        "netmask": network["netmask"], "macaddress": _mac(ctx.sim), "isdefault": isdefault,
        "deviceid": str(len(nics) and max(int(n["deviceid"]) for n in nics) + 1), "type": network["type"],
        "traffictype": "Guest",
        "vpcid": network.get("vpcid"), "vpcname": network.get("vpcname"),
        "accountid": vm.get("accountid"), "domainid": vm.get("domainid"),
    })
    if event:
        ctx.event("NIC.CREATE", f"Added a nic to VM {vm['id']} in network {network['id']}",
                  owner_of(ctx.sim, vm))
    return nic


def nics_of(sim, vm):
    """The VM's NICs, by device id."""
    return sorted(sim.store.find("nic", _vm_pk=vm["_pk"]), key=lambda n: int(n["deviceid"]))


def nic_in(sim, vm, network_id):
    return next((n for n in nics_of(sim, vm) if n["networkid"] == network_id), None)


def remove_nic(sim, nic):
    """Remove a NIC and what pointed at its address: static NAT and port forwarding to it."""
    for ip in sim.store.find("publicip", _vm_pk=nic["_vm_pk"], vmipaddress=nic["ipaddress"]):
        clear_static_nat(sim, ip)
    for rule in sim.store.find("rule", _vm_pk=nic["_vm_pk"], vmguestip=nic["ipaddress"]):
        delete_rule(sim, rule)
    sim.store.delete("nic", nic)
