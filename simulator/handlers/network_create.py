"""createNetwork (NetworkServiceImpl.createGuestNetwork -> commitNetwork -> NetworkOrchestrator
.createGuestNetwork or VpcManagerImpl.createVpcGuestNetwork): a sync command, checked in CloudStack's order.

A network is created Allocated and holds no public IP and bills nothing until it is implemented on the
first VM start (model/networks.py).
"""

import ipaddress

from .. import errors
from ..contract import api
from ..model.addresses import DEFAULT_GUEST_CIDR, parse_cidr, parse_ip, rfc1918
from ..model.limit_checks import check_new_network
from ..model.networks import default_network_domain
from ..model.texts import network_text, vpc_text
from ..views.network import network_view
from .network_common import create_owner, found, internal_for, may_act_for

MAX_VPC_TIERS = 3  # vpc.max.networks
CIDR_LIMIT = 22  # network.guest.cidr.limit


def _acl_type(ctx, offering):
    """NetworkServiceImpl.getAclType and isDomainSpecificNetworkRequested."""
    given = ctx.get("acltype")
    if given is not None:
        acl = {"account": "Account", "domain": "Domain"}.get(given.lower())
        if acl is None:
            raise errors.invalid("Incorrect aclType specified. Check the API documentation for supported types")
        if offering["guestiptype"] == "Isolated" and acl != "Account":
            raise errors.invalid("AclType should be Account for network of type Isolated")
    elif offering["guestiptype"] != "Shared":
        acl = "Account"
    elif ctx.caller.is_root:
        acl = "Domain"
    elif ctx.caller.is_admin:
        raise errors.invalid("AclType must be specified for shared network created by domain admin")
    else:
        acl = "Account"
    if acl == "Domain" and not ctx.caller.is_admin:
        raise errors.denied("Only admin can create networks with aclType=Domain")
    if acl == "Domain" and offering["guestiptype"] != "Shared":
        raise errors.invalid("Only Shared networks can have aclType=Domain")
    return acl


def _cidr(ctx):
    """The IPv4 CIDR from gateway+netmask (both, or neither: a lone one is ignored), checked in
    createGuestNetwork's order; None when not given."""
    gateway, netmask = ctx.get("gateway"), ctx.get("netmask")
    if gateway is not None:
        try:
            ipaddress.ip_address(gateway)
        except ValueError:
            raise errors.invalid("Gateway parameter is invalid") from None
    for key, text in (("startip", "startIp"), ("endip", "endIp")):
        if ctx.has(key):
            try:
                ipaddress.IPv4Address(ctx.p[key])
            except ValueError:
                raise errors.invalid(f"Invalid format for the {text} parameter") from None
    if ctx.has("startip") and not (gateway and netmask):
        raise errors.invalid("gateway and netmask should be defined when startIP/endIP are passed in")
    if not (gateway and netmask):
        return None
    try:
        net = ipaddress.IPv4Network(f"{gateway}/{netmask}", strict=False)
        address = ipaddress.IPv4Address(gateway)
    except ValueError:
        net = address = None
    if net is not None and net.prefixlen < 31 and address in (net.network_address, net.broadcast_address):
        raise errors.invalid("Invalid gateway IP provided. Either the IP is broadcast or network IP.")
    if address is None:
        raise errors.invalid("Invalid gateway")
    if net is None:
        raise errors.invalid("Invalid netmask")
    return str(net)


def _check_caller(ctx, offering, cidr):
    """Non-root callers: no Shared network with specifyvlan, no CIDR below /22."""
    if ctx.caller.is_root:
        return
    if offering["guestiptype"] not in ("Isolated", "L2") and offering["specifyvlan"]:
        raise errors.invalid("This user can only create an Isolated network, a L2 network or a Shared network with "
                             "specifyVlan=false.")
    if cidr is not None and int(cidr.split("/")[1]) < CIDR_LIMIT:
        raise errors.invalid(f"Cidr size can't be less than {CIDR_LIMIT}")


def _check_vpc_tier(ctx, vpc, zone, cidr, gateway, owner, domain):
    """VpcManagerImpl.createVpcGuestNetwork and validateNewVpcGuestNetwork, in order."""
    if vpc["state"] != "Enabled":
        raise errors.invalid("Unable to find Enabled VPC ")
    ctx.check_access(vpc)
    if vpc["zoneid"] != zone["id"]:
        raise errors.invalid("New network doesn't belong to vpc zone")
    if len(ctx.store.find("network", vpcid=vpc["id"])) >= MAX_VPC_TIERS:
        raise internal_for(ctx, f"Number of networks per VPC cannot surpass [{MAX_VPC_TIERS}].")
    if cidr is None:
        raise errors.invalid("Gateway/netmask are required when create network for VPC")
    net = parse_cidr(cidr)
    if not net.subnet_of(parse_cidr(vpc["cidr"])):
        raise errors.invalid(f"Network cidr {cidr} is not within vpc {vpc_text(vpc)} cidr")
    for tier in ctx.store.find("network", vpcid=vpc["id"]):
        other = parse_cidr(tier["cidr"])
        if other.subnet_of(net) or net.subnet_of(other):
            raise errors.invalid(f"Network cidr {cidr} crosses other network cidr {network_text(tier)} "
                                 f"belonging to the same vpc {vpc_text(vpc)}")
    if not may_act_for(ctx.sim, ctx.store.get("account", vpc["accountid"]), owner):  # CheckAccountsAccess
        raise errors.invalid(f"VPC owner does not have access to account [{owner['name']}].")
    if domain.lower() != (vpc.get("networkdomain") or "").lower():
        raise errors.invalid(f"Network domain of the new network should match network domain of vpc {vpc_text(vpc)}")


def _check_offering(ctx, offering, vpc):
    """commitNetwork and NetworkOrchestrator.createGuestNetwork: the offering fits the network."""
    if vpc is not None and not offering["forvpc"]:
        raise errors.invalid("Network offering can't be used for VPC networks")
    if vpc is None and offering["forvpc"]:
        raise errors.invalid("Network offering can be used for VPC networks only")


def _check_orchestrator(ctx, offering, cidr):
    """NetworkOrchestrator.createGuestNetwork: an Enabled offering, a VLAN for specifyvlan, a CIDR for a Shared
    network, an RFC 1918/6598 CIDR for an Isolated one."""
    if offering["state"] != "Enabled":
        raise errors.invalid("Can't use specified network offering id as its state is not Enabled")
    if offering["specifyvlan"] and not ctx.has("vlan"):
        raise errors.invalid("Vlan has to be specified; corresponding offering says specifyVlan=true")
    if offering["guestiptype"] == "Shared" and cidr is None:
        raise errors.invalid("Gateway/netmask are required when creating Shared networks.")
    if cidr is not None and offering["guestiptype"] == "Isolated" and not rfc1918(cidr):
        raise errors.invalid(f"Virtual Guest Cidr {cidr} is not RFC 1918 or 6598 compliant")


def _shared_fields(ctx, cidr, gateway):
    """Shared networks: a VLAN, an IP range (startip..endip, the CIDR's hosts by default) and Domain scope."""
    hosts = [a for a in parse_cidr(cidr).hosts() if str(a) != gateway]
    domain = ctx.lookup("domain", "domainid", required=False) or ctx.caller.domain
    start = ctx.get("startip", str(hosts[0]))
    fields = {"vlan": ctx.p["vlan"], "broadcasturi": f"vlan://{ctx.p['vlan']}", "state": "Setup", "startip": start,
              "endip": ctx.get("endip", start if ctx.has("startip") else str(hosts[-1])),
              "domainid": domain["id"], "domain": domain["name"], "domainpath": domain["path"]}
    for key in ("startip", "endip"):
        if parse_ip(fields[key]) not in parse_cidr(cidr):
            raise errors.invalid(f"The {key} {fields[key]} is not in the network cidr {cidr}")
    return fields


@api("createNetwork")
def create_network(ctx):
    offering = ctx.lookup("networkoffering", "networkofferingid")
    owner = create_owner(ctx)
    zone = ctx.lookup("zone", "zoneid")
    if zone.get("allocationstate") == "Disabled" and not ctx.caller.is_root:
        raise errors.denied("Cannot perform this operation since specified Zone is currently disabled")
    acltype = _acl_type(ctx, offering)
    cidr = _cidr(ctx)
    _check_caller(ctx, offering, cidr)
    vpc = found(ctx, "vpc", "vpcid") if ctx.has("vpcid") else None
    _check_offering(ctx, offering, vpc)
    domain = ctx.get("networkdomain") or (vpc or {}).get("networkdomain") or default_network_domain(owner)
    if vpc is not None:
        _check_vpc_tier(ctx, vpc, zone, cidr, ctx.get("gateway"), owner, domain)
    _check_orchestrator(ctx, offering, cidr)
    if cidr is None:  # GuestNetworkGuru.design: the zone's guest CIDR
        cidr = str(parse_cidr(zone.get("guestcidraddress") or DEFAULT_GUEST_CIDR))
    net = parse_cidr(cidr)
    gateway = ctx.get("gateway") if ctx.get("gateway") and ctx.get("netmask") else str(next(net.hosts()))
    network = {
        "name": ctx.p["name"], "displaytext": ctx.get("displaytext", ctx.p["name"]), "zoneid": zone["id"],
        "zonename": zone["name"], "networkofferingid": offering["id"], "networkofferingname": offering["name"],
        "_offering_pk": offering["_pk"], "type": offering["guestiptype"], "guestiptype": offering["guestiptype"],
        "cidr": cidr, "gateway": gateway, "netmask": str(net.netmask), "state": "Allocated", "traffictype": "Guest",
        "broadcastdomaintype": "Vlan", "issystem": False, "isdefault": False, "canusefordeploy": True,
        "restartrequired": False, "ispersistent": False, "specifyipranges": offering["specifyipranges"],
        # authorized = {RoleType.Admin}: dropped for other callers, so their networks are displayed
        "displaynetwork": ctx.p.get("displaynetwork", True), "networkdomain": domain,
        "dns1": zone.get("dns1"), "vpcid": vpc and vpc["id"], "vpcname": vpc and vpc["name"],
        "aclid": ctx.get("aclid") if vpc else None, "acltype": acltype,
    }
    if offering["guestiptype"] == "Shared":
        network.update(_shared_fields(ctx, cidr, gateway))
        owner = ctx.caller.account
    else:
        ctx.owned(network, owner)
    check_new_network(ctx, network)  # resource limits (model/limit_checks.py)
    network = ctx.store.add("network", network)
    ctx.event("NETWORK.CREATE", f"Network Name: {network['name']}, Id: {network['id']}", owner)
    return network_view(ctx.sim, network, ctx.caller.is_root)
