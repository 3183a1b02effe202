"""IP addresses and CIDRs as CloudStack validates them, and the guest addresses a network hands out."""

import ipaddress

from .. import errors

DEFAULT_GUEST_CIDR = "10.1.1.0/24"  # CloudStack's guest CIDR when the zone sets none
GUEST_BLOCKS = [ipaddress.ip_network(b) for b in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10")]


def rfc1918(cidr):
    """NetUtils.validateGuestCidr: inside 10/8, 172.16/12, 192.168/16 or 100.64/10 (RFC 1918, RFC 6598)."""
    net = ipaddress.ip_network(cidr, strict=False)
    return net.version == 4 and any(net.subnet_of(block) for block in GUEST_BLOCKS)


def parse_cidr(text, what="cidr"):
    try:
        return ipaddress.ip_network(text, strict=False)
    except ValueError:
        raise errors.invalid(f"Invalid {what} {text}") from None


def parse_ip(text, what="IPv4 address"):
    try:
        return ipaddress.IPv4Address(text)
    except ValueError:
        raise errors.invalid(f"Invalid specified {what} {text}") from None


def _guest_bounds(network):
    """(CIDR, lowest, highest, gateway) of the addresses a NIC may take."""
    return (parse_cidr(network["cidr"]), ipaddress.IPv4Address(network.get("startip") or "0.0.0.0"),
            ipaddress.IPv4Address(network.get("endip") or "255.255.255.255"),
            ipaddress.IPv4Address(network["gateway"]))


def guest_range(network):
    """The addresses a NIC may take: the CIDR's hosts (startip..endip for shared), minus the gateway."""
    _, low, high, gateway = bounds = _guest_bounds(network)
    return (a for a in bounds[0].hosts() if low <= a <= high and a != gateway)


def in_guest_range(network, address):
    """Whether guest_range holds `address`, without walking the CIDR (a /16 has 65,534 hosts)."""
    cidr, low, high, gateway = _guest_bounds(network)
    is_host = cidr.prefixlen >= 31 or address not in (cidr.network_address, cidr.broadcast_address)
    return address in cidr and is_host and low <= address <= high and address != gateway
