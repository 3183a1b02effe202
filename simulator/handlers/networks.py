"""Guest networks and their offerings: list offerings; create, list, update, delete, restart networks.

A network is created Allocated and holds no public IP until it is implemented on the first VM start
(model/networks.py).
"""

from .. import errors
from ..contract import SUCCESS, Job, api
from ..model.accounts import owner_of
from ..model.addresses import DEFAULT_GUEST_CIDR, parse_cidr, parse_ip
from ..model.limit_checks import check_new_network
from ..model.public_ips import release_ip, unassign
from ..model.texts import network_text, vpc_text
from ..views.network import network_offering_view, network_view
from .filters import display_filter, filter_eq, keyword_filter
from .network_common import owned_lookup, rename_work


# -- offerings -------------------------------------------------------------------------------
@api("listNetworkOfferings")
def list_network_offerings(ctx):
    items = filter_eq(ctx, ctx.store.all("networkoffering"), "guestiptype", "forvpc", "isdefault", "state",
                      "specifyvlan", "specifyipranges", "traffictype")
    return [network_offering_view(o) for o in keyword_filter(ctx, items, "name", "displaytext")]


@api("listVPCOfferings")
def list_vpc_offerings(ctx):
    items = filter_eq(ctx, ctx.store.all("vpcoffering"), "isdefault", "state")
    return [network_offering_view(o) for o in keyword_filter(ctx, items, "name", "displaytext")]


# -- networks --------------------------------------------------------------------------------
def _visible_network(ctx, network):
    """Shared networks of acltype Domain are visible to the accounts of their domain and below."""
    if network["acltype"] == "Domain":
        return ctx.caller.is_root or ctx.sim.in_domain(ctx.caller.domain["id"], network["domainid"])
    return ctx.can_see(network)


def _layout(ctx, zone, vpc):
    """(cidr, gateway, netmask) from gateway+netmask, or the zone's guest CIDR."""
    gateway, netmask = ctx.get("gateway"), ctx.get("netmask")
    if bool(gateway) != bool(netmask):
        raise errors.invalid("gateway and netmask must be specified together")
    if gateway is None:
        if vpc is not None:
            raise errors.invalid("Gateway/netmask are required when creating a network for a VPC")
        net = parse_cidr(zone.get("guestcidraddress") or DEFAULT_GUEST_CIDR)
        return str(net), str(next(net.hosts())), str(net.netmask)
    parse_ip(gateway, "gateway")
    net = parse_cidr(f"{gateway}/{netmask}", "netmask")
    return str(net), gateway, str(net.netmask)


def _check_vpc_tier(ctx, vpc, cidr, owner):
    """CloudStack's rules for a VPC tier: inside the VPC CIDR, no overlap, same owner."""
    net = parse_cidr(cidr)
    if not net.subnet_of(parse_cidr(vpc["cidr"])):
        raise errors.invalid(f"Network cidr {cidr} is not within vpc {vpc_text(vpc)} cidr")
    for tier in ctx.store.find("network", vpcid=vpc["id"]):
        if parse_cidr(tier["cidr"]).overlaps(net):
            raise errors.invalid(f"Network cidr {cidr} crosses other network cidr {network_text(tier)} "
                                 f"belonging to the same vpc {vpc_text(vpc)}")
    if vpc["accountid"] != owner["id"]:
        raise errors.invalid(f"Vpc {vpc_text(vpc)} owner is different from the network owner {owner['name']}")


def _check_offering(ctx, offering, vpc):
    if offering["state"] != "Enabled":
        raise errors.invalid("Network offering with specified id is not in Enabled state")
    if offering["guestiptype"] == "Shared" and not ctx.caller.is_admin:
        raise errors.invalid("Only Admins can create network with guest type Shared")
    if vpc is not None and not offering["forvpc"]:
        raise errors.invalid("Network offering can't be used for VPC networks")
    if vpc is None and offering["forvpc"]:
        raise errors.invalid("Network offering can be used for VPC networks only")


def _shared_fields(ctx, cidr, gateway):
    """Shared networks: a VLAN, an IP range and Domain scope (the domain's accounts share it)."""
    if not ctx.has("vlan"):
        raise errors.invalid("vlan is required for a shared network")
    hosts = [a for a in parse_cidr(cidr).hosts() if str(a) != gateway]
    domain = ctx.lookup("domain", "domainid", required=False) or ctx.caller.domain
    fields = {"vlan": ctx.p["vlan"], "broadcasturi": f"vlan://{ctx.p['vlan']}", "state": "Setup",
              "startip": ctx.get("startip", str(hosts[0])), "endip": ctx.get("endip", str(hosts[-1])),
              "domainid": domain["id"], "domain": domain["name"], "domainpath": domain["path"]}
    for key in ("startip", "endip"):
        if parse_ip(fields[key]) not in parse_cidr(cidr):
            raise errors.invalid(f"The {key} {fields[key]} is not in the network cidr {cidr}")
    return fields


@api("createNetwork")
def create_network(ctx):
    offering = ctx.lookup("networkoffering", "networkofferingid")
    zone = ctx.lookup("zone", "zoneid")
    vpc = ctx.lookup("vpc", "vpcid", required=False)
    _check_offering(ctx, offering, vpc)
    cidr, gateway, netmask = _layout(ctx, zone, vpc)
    network = {
        "name": ctx.p["name"], "displaytext": ctx.get("displaytext", ctx.p["name"]), "zoneid": zone["id"],
        "zonename": zone["name"], "networkofferingid": offering["id"], "networkofferingname": offering["name"],
        "type": offering["guestiptype"], "guestiptype": offering["guestiptype"], "cidr": cidr, "gateway": gateway,
        "netmask": netmask, "state": "Allocated", "traffictype": "Guest", "broadcastdomaintype": "Vlan",
        "issystem": False, "isdefault": False, "canusefordeploy": True, "restartrequired": False,
        "ispersistent": False, "specifyipranges": offering["specifyipranges"],
        # authorized = {RoleType.Admin}: dropped for other callers, so their networks are displayed
        "displaynetwork": ctx.p.get("displaynetwork", True),
        "dns1": zone.get("dns1"), "vpcid": vpc and vpc["id"], "vpcname": vpc and vpc["name"],
        "aclid": ctx.get("aclid") if vpc else None, "acltype": "Account",
    }
    if offering["guestiptype"] == "Shared":
        network.update(_shared_fields(ctx, cidr, gateway), acltype=ctx.get("acltype", "Domain"))
        owner = ctx.caller.account
    else:
        owner = ctx.owner()
        if vpc is not None:
            _check_vpc_tier(ctx, vpc, cidr, owner)
        ctx.owned(network, owner)
    check_new_network(ctx, network)  # resource limits (model/limit_checks.py)
    network = ctx.store.add("network", network)
    ctx.event("NETWORK.CREATE", f"Network Name: {network['name']}, Id: {network['id']}", owner)
    return network_view(ctx.sim, network, ctx.caller.is_root)


@api("listNetworks")
def list_networks(ctx):
    items = [n for n in ctx.store.all("network") if _visible_network(ctx, n)]
    items = filter_eq(ctx, display_filter(ctx, ctx.mine(items), "displaynetwork"), "zoneid", "vpcid", "type", "acltype", "networkofferingid",
                      "traffictype", "vlan", "issystem")
    if "forvpc" in ctx.p:
        items = [n for n in items if bool(n.get("vpcid")) == ctx.p["forvpc"]]
    return [network_view(ctx.sim, n, ctx.caller.is_root) for n in keyword_filter(ctx, items, "name", "displaytext")]


@api("updateNetwork")
def update_network(ctx):
    network = owned_lookup(ctx, "network")
    return Job(rename_work(ctx, "network", network, "NETWORK.UPDATE", network_view, display="displaynetwork"),
               "Network", network["id"],
               object_key="network")


@api("deleteNetwork")
def delete_network(ctx):
    network = owned_lookup(ctx, "network")

    def run():
        if ctx.store.find("nic", networkid=network["id"]):
            raise errors.invalid(f"Unable to remove the network id={network['id']} as it has active Nics.")
        for ip in ctx.store.find("publicip", associatednetworkid=network["id"]):
            if ip.get("vpcid"):
                unassign(ctx.sim, ip)
            else:
                release_ip(ctx.sim, ip)
        for rule in ctx.store.find("rule", networkid=network["id"]):
            ctx.store.delete("rule", rule)
        ctx.store.delete("network", network)
        ctx.event("NETWORK.DELETE", f"Network Name: {network['name']}, Id: {network['id']}",
                  owner_of(ctx.sim, network))
        return SUCCESS

    return Job(run, "Network", network["id"])


@api("restartNetwork")
def restart_network(ctx):
    network = owned_lookup(ctx, "network")

    def run():
        if network["state"] not in ("Implemented", "Setup"):
            raise errors.invalid("Network is not in the right state to be restarted. Correct states are: "
                                 "Implemented, Setup")
        ctx.event("NETWORK.RESTART", f"Id: {network['id']}", owner_of(ctx.sim, network))
        return SUCCESS

    return Job(run, "Network", network["id"])
