"""Public IPs: associate, disassociate, list, update. Static NAT is in static_nat.py.

associateIpAddress is a BaseAsyncCreateCmd: create() allocates the IP (Allocating, not yet on a network)
and answers its id; the job associates it with the network or VPC, decides source NAT and marks it
Allocated (the NET.IPASSIGN usage event).
"""

from .. import errors
from ..contract import SUCCESS, Job, api
from ..model.accounts import owner_of
from ..model.limit_checks import check_associate
from ..model.public_ips import allocate_ip, assign, has_source_nat, release_ip, source_nat_of
from ..model.uuids import check_custom_id
from ..views.network import ip_view
from .filters import display_filter, filter_eq
from .network_common import acl_scope, by_address, check_owner_access, create_owner, found, tags_filter

SHARED_TEXT = ("Associate IP address can only be called on the shared networks in the advanced zone with "
               "Firewall/Source Nat/Static Nat/Port Forwarding/Load balancing services enabled")
IP_SERVICES = {"SourceNat", "StaticNat", "Firewall", "PortForwarding", "Lb"}


def _owner(ctx, network, vpc):
    """AssociateIPAddrCmd.getEntityOwnerId: account+domainid, else the network's or the VPC's owner, else the
    caller; BaseAsyncCreateCmd then checks the caller may act for it (531)."""
    if ctx.has("account") and ctx.has("domainid"):
        return create_owner(ctx)
    holder = network if network is not None else vpc
    if holder is None:
        return ctx.caller.account
    if holder.get("accountid") is None and not ctx.caller.is_root:  # a domain-wide shared network: the system's
        raise errors.denied("Caller does not have permission to operate with provided resource.")
    return owner_of(ctx.sim, holder)


def _zone_network(ctx, owner):
    """AssociateIPAddrCmd.getZoneId / getNetworkId without networkid or vpcid: the owner's only isolated network
    with source NAT in the zone."""
    if not ctx.has("zoneid"):
        raise errors.invalid("Unable to figure out zone to assign IP to. Please specify either zoneId, or networkId, "
                             "or vpcId in the call")
    zone = ctx.lookup("zone", "zoneid")
    networks = [n for n in ctx.store.find("network", zoneid=zone["id"], accountid=owner["id"])
                if n["type"] == "Isolated" and has_source_nat(ctx.sim, n)]
    if not networks:
        domain = ctx.lookup("domain", "domainid") if ctx.has("domainid") else ctx.caller.domain
        raise errors.invalid(f"Account name={ctx.get('account', 'null')} domain={domain['name']} doesn't have virtual "
                             f"networks in zone={zone['name']}")
    if len(networks) > 1:
        raise errors.invalid("Account has more than one isolated network in the zone")
    return zone, networks[0]


def _associate(ctx, ip, network, vpc):
    """The job: VpcManagerImpl.associateIPToVpc or NetworkServiceImpl.associateIPToNetwork ->
    IpAddressManagerImpl.associateIPToGuestNetwork (source NAT whatever the network's state)."""
    if vpc is not None:
        return assign(ctx.sim, ip, vpc=vpc, sourcenat=source_nat_of(ctx.sim, vpc=vpc) is None)
    if network.get("vpcid"):
        release_ip(ctx.sim, ip)
        raise errors.invalid("Can't assign ip to the network directly when network belongs to VPC.Specify vpcId to "
                             "associate ip address to VPC")
    if network["type"] == "Isolated" and not has_source_nat(ctx.sim, network):
        release_ip(ctx.sim, ip, quiet=True)
        raise errors.invalid("In zone of type Advanced ip address can be associated only to the network of guest "
                             "type Isolated with the SourceNat enabled")
    sourcenat = network["type"] == "Isolated" and source_nat_of(ctx.sim, network=network) is None
    return assign(ctx.sim, ip, network=network, sourcenat=sourcenat)


@api("associateIpAddress")
def associate_ip_address(ctx):
    """AssociateIPAddrCmd.create -> NetworkServiceImpl.allocateIP; execute in the job."""
    vpc = found(ctx, "vpc", "vpcid") if ctx.has("vpcid") else None
    network = found(ctx, "network", "networkid") if ctx.has("networkid") and vpc is None else None
    owner = _owner(ctx, network, vpc)
    check_owner_access(ctx, owner)
    if vpc is not None or network is not None:
        zone = ctx.store.get("zone", ctx.p["zoneid"] if ctx.has("zoneid") else (vpc or network)["zoneid"])
    else:
        zone, network = _zone_network(ctx, owner)
    if network is not None and network["type"] == "Shared":
        offering = ctx.store.get("networkoffering", network["networkofferingid"])
        if not IP_SERVICES & set(offering["supportedservices"]):
            raise errors.invalid(SHARED_TEXT)
    ip = allocate_ip(ctx.sim, zone, owner, ctx.p.get("fordisplay"))

    def run():
        check_associate(ctx, ip, network, vpc)  # resource limits (model/limit_checks.py)
        return ip_view(ctx.sim, _associate(ctx, ip, network, vpc), ctx.caller.is_root)

    return Job(run, "IpAddress", ip["id"], object_key="ipaddress")


def _ip_to_release(ctx):
    """DisassociateIPAddrCmd.getIpAddressId: `id` or `ipaddress` (the address of an IP in any state)."""
    if ctx.has("id") and ctx.has("ipaddress"):
        raise errors.invalid("id parameter is mutually exclusive with ipaddress parameter")
    if ctx.has("id"):
        return found(ctx, "publicip", "id")
    if ctx.has("ipaddress"):
        ip = ctx.store.first("publicip", ipaddress=ctx.p["ipaddress"])
        if ip is None:
            raise errors.invalid(f"Unable to find IP address by IP address={ctx.p['ipaddress']}")
        return ip
    raise errors.invalid("Please specify either IP address or IP address ID")


@api("disassociateIpAddress")
def disassociate_ip_address(ctx):
    """NetworkServiceImpl.releaseIpAddressInternal, all in the job: a free IP is released again without fault; a
    source NAT IP only while its network was never implemented (and never a VPC's), IllegalArgumentException: 530."""
    ip = _ip_to_release(ctx)

    def run():
        if ip.get("allocated") is None:
            return SUCCESS
        if ip.get("accountid") and not ctx.can_see(ip):
            raise errors.internal("Caller does not have permission to operate with provided resource.")
        network = ctx.store.get("network", ip.get("associatednetworkid") or "")
        if ip["issourcenat"] and ((network is not None and network["state"] != "Allocated") or ip.get("vpcid")):
            raise errors.internal("ip address is used for source nat purposes and can not be disassociated.")
        release_ip(ctx.sim, ip)
        return SUCCESS

    return Job(run, "IpAddress", ip["id"])


def _allocated_only(ctx):
    """ManagementServerImpl.searchForIPAddresses: allocatedonly defaults to true unless state is Free/Reserved."""
    state = (ctx.get("state") or "").lower()
    given = ctx.p.get("allocatedonly")
    if given is None:
        return state not in ("free", "reserved")
    if state in ("free", "reserved") and given:
        raise errors.invalid("Conflict: allocatedonly is true but state is Free")
    return given or state == "allocated"


@api("listPublicIpAddresses")
def list_public_ip_addresses(ctx):
    """ManagementServerImpl.searchForIPAddresses: Allocated IPs in the caller's scope (free ones too when
    allocatedonly=false); `networkid` is the IP's source (public) network, never a guest network;
    sorted by address."""
    allocated_only = _allocated_only(ctx)
    for name, kind in (("associatednetworkid", "network"), ("vpcid", "vpc")):
        if ctx.has(name):
            ctx.lookup(kind, name)
    items = ctx.store.all("publicip")
    scoped = acl_scope(ctx, [i for i in items if i.get("accountid")])
    if allocated_only:
        items = [i for i in scoped if i["state"] == (ctx.get("state") or "Allocated")]
    else:
        free = [i for i in items if i["state"] == "Free"]
        items = filter_eq(ctx, scoped + free, "state")
    if ctx.has("keyword") and not ctx.has("ipaddress"):
        items = [i for i in items if ctx.p["keyword"] in i["ipaddress"]]
    items = filter_eq(ctx, display_filter(ctx, items, "fordisplay"), "id", "ipaddress", "associatednetworkid",
                      "networkid", "vpcid", "zoneid", "isstaticnat", "issourcenat", "vlanid")
    items = [i for i in items if i["forvirtualnetwork"] == ctx.p.get("forvirtualnetwork", True)]
    return [ip_view(ctx.sim, i, ctx.caller.is_root) for i in by_address(tags_filter(ctx, items, "publicip"))]


@api("updateIpAddress")
def update_ip_address(ctx):
    """NetworkServiceImpl.updateIP: the display flag and custom id (both root-admin-only parameters), in the job;
    an IP of an account the caller cannot operate on, or a free IP for anybody but a root admin, fails the job.
    The answer is the restricted view (UpdateIPAddrCmd), no VLAN even for a root admin."""
    ip = found(ctx, "publicip", "id")

    def run():
        if ip["state"] != "Allocated" and not ctx.caller.is_root:
            raise errors.internal("Only Root admin can update non-allocated ip addresses")
        if ip.get("accountid") and not ctx.can_see(ip):
            raise errors.internal("Caller does not have permission to operate with provided resource.")
        if ctx.has("customid"):
            check_custom_id(ctx, "publicip", ctx.p["customid"])
            ctx.store.change_id("publicip", ip, ctx.p["customid"])
        if ctx.p.get("fordisplay") is not None:
            ip["fordisplay"] = ctx.p["fordisplay"]
        ctx.store.touch("publicip", ip)
        ctx.event("NET.IPUPDATE", f"Ip: {ip['ipaddress']}", owner_of(ctx.sim, ip) if ip.get("accountid") else
                  ctx.caller.account)
        return ip_view(ctx.sim, ip)

    return Job(run, "IpAddress", ip["id"], object_key="ipaddress")
