"""Guest networking: network and VPC offerings, isolated and shared networks, VPCs and their tiers,
NICs, public IPs, static NAT, and firewall, egress and port-forwarding rules.

A network is created Allocated and holds no public IP until `implement` runs on the first VM start
(DR recovery networks rely on that); a VPC created with start=false likewise has no source NAT yet.
"""

import ipaddress

from .. import errors
from ..contract import SUCCESS, Job, api
from ..errors import ApiError
from ..store import now
from ._common import keyword_filter, public

DEFAULT_GUEST_CIDR = "10.1.1.0/24"  # CloudStack's guest CIDR when the zone sets none
PROTOCOLS = ("tcp", "udp", "icmp", "all")
PORTED = ("tcp", "udp")
ALL_CIDRS = ["0.0.0.0/0"]
FIRST_GUEST_VLAN = 1000
SERVICES = {
    "isolated": ["Vpn", "Dhcp", "Dns", "Firewall", "Lb", "UserData", "SourceNat", "StaticNat", "PortForwarding"],
    "shared": ["Dhcp", "Dns", "UserData"],
    "vpc": ["Vpn", "Dhcp", "Dns", "Lb", "UserData", "SourceNat", "StaticNat", "PortForwarding", "NetworkACL"],
}
DEMO_OFFERINGS = (
    ("DefaultIsolatedNetworkOfferingWithSourceNatService",
     "Offering for Isolated networks with Source Nat service enabled", "Isolated", False, "isolated"),
    ("DefaultSharedNetworkOffering", "Offering for Shared networks", "Shared", False, "shared"),
    ("DefaultIsolatedNetworkOfferingForVpcNetworks",
     "Offering for Isolated VPC networks with Source Nat service enabled", "Isolated", True, "vpc"),
)
DEMO_PUBLIC_RANGES = ("198.51.100.0/24", "203.0.113.0/24")  # documentation ranges, one per zone
DEMO_SHARED = (("shared-a", "100", "172.16.10"), ("shared-b", "200", "172.16.20"))


# -- addresses -------------------------------------------------------------------------------
def _cidr(text, what="cidr"):
    try:
        return ipaddress.ip_network(text, strict=False)
    except ValueError:
        raise errors.invalid(f"Invalid {what} {text}") from None


def _ip(text, what="IPv4 address"):
    try:
        return ipaddress.IPv4Address(text)
    except ValueError:
        raise errors.invalid(f"Invalid specified {what} {text}") from None


def _network_text(network):
    return f"Ntwk[{network['id']}|Guest|{network['name']}]"


def _vpc_text(vpc):
    return f"[VPC [{vpc['id']}-{vpc['name']}]"


def _ip_text(ip):
    return f"Ip[{ip['ipaddress']}-{ip['zoneid']}]"


# -- offerings -------------------------------------------------------------------------------
def _add_network_offering(store, name, displaytext, guestiptype, forvpc, services):
    return store.add("networkoffering", {
        "name": name, "displaytext": displaytext, "guestiptype": guestiptype, "traffictype": "Guest",
        "state": "Enabled", "forvpc": forvpc, "supportedservices": SERVICES[services], "isdefault": True,
        "specifyvlan": guestiptype == "Shared", "specifyipranges": guestiptype == "Shared",
        "egressdefaultpolicy": False, "conservemode": True, "availability": "Optional" if forvpc else "Required",
        "ispersistent": False, "networkrate": 200,
    })


def _offering_view(offering):
    view = public(offering)
    view["service"] = [{"name": s} for s in view.pop("supportedservices")]
    return view


def _filter_eq(ctx, items, *names):
    for name in names:
        if name in ctx.p and ctx.p[name] not in (None, ""):
            items = [i for i in items if i.get(name) == ctx.p[name]]
    return items


@api("listNetworkOfferings")
def list_network_offerings(ctx):
    items = _filter_eq(ctx, ctx.store.all("networkoffering"), "guestiptype", "forvpc", "isdefault", "state",
                       "specifyvlan", "specifyipranges", "traffictype")
    return [_offering_view(o) for o in keyword_filter(ctx, items, "name", "displaytext")]


@api("listVPCOfferings")
def list_vpc_offerings(ctx):
    items = _filter_eq(ctx, ctx.store.all("vpcoffering"), "isdefault", "state")
    return [_offering_view(o) for o in keyword_filter(ctx, items, "name", "displaytext")]


# -- networks --------------------------------------------------------------------------------
def _visible_network(ctx, network):
    """Shared networks of acltype Domain are visible to the accounts of their domain and below."""
    if network["acltype"] == "Domain":
        return ctx.caller.is_root or ctx.sim.in_domain(ctx.caller.domain["id"], network["domainid"])
    return ctx.can_see(network)


def network_view(sim, network):
    view = public(network)
    offering = sim.store.get("networkoffering", network["networkofferingid"])
    view.update(networkofferingdisplaytext=offering["displaytext"], networkofferingconservemode=True,
                networkofferingavailability=offering["availability"], related=network["id"],
                service=[{"name": s} for s in offering["supportedservices"]])
    return view


def _guest_bounds(network):
    """(CIDR, lowest, highest, gateway) of the addresses a NIC may take."""
    return (_cidr(network["cidr"]), ipaddress.IPv4Address(network.get("startip") or "0.0.0.0"),
            ipaddress.IPv4Address(network.get("endip") or "255.255.255.255"),
            ipaddress.IPv4Address(network["gateway"]))


def _guest_range(network):
    """The addresses a NIC may take: the CIDR's hosts (startip..endip for shared), minus the gateway."""
    _, low, high, gateway = bounds = _guest_bounds(network)
    return (a for a in bounds[0].hosts() if low <= a <= high and a != gateway)


def _in_guest_range(network, address):
    """Whether _guest_range holds `address`, without walking the CIDR (a /16 has 65,534 hosts)."""
    cidr, low, high, gateway = _guest_bounds(network)
    is_host = cidr.prefixlen >= 31 or address not in (cidr.network_address, cidr.broadcast_address)
    return address in cidr and is_host and low <= address <= high and address != gateway


def _layout(ctx, zone, vpc):
    """(cidr, gateway, netmask) from gateway+netmask, or the zone's guest CIDR."""
    gateway, netmask = ctx.get("gateway"), ctx.get("netmask")
    if bool(gateway) != bool(netmask):
        raise errors.invalid("gateway and netmask must be specified together")
    if gateway is None:
        if vpc is not None:
            raise errors.invalid("Gateway/netmask are required when creating a network for a VPC")
        net = _cidr(zone.get("guestcidraddress") or DEFAULT_GUEST_CIDR)
        return str(net), str(next(net.hosts())), str(net.netmask)
    _ip(gateway, "gateway")
    net = _cidr(f"{gateway}/{netmask}", "netmask")
    return str(net), gateway, str(net.netmask)


def _check_vpc_tier(ctx, vpc, cidr, owner):
    """CloudStack's rules for a VPC tier: inside the VPC CIDR, no overlap, same owner."""
    net = _cidr(cidr)
    if not net.subnet_of(_cidr(vpc["cidr"])):
        raise errors.invalid(f"Network cidr {cidr} is not within vpc {_vpc_text(vpc)} cidr")
    for tier in ctx.store.find("network", vpcid=vpc["id"]):
        if _cidr(tier["cidr"]).overlaps(net):
            raise errors.invalid(f"Network cidr {cidr} crosses other network cidr {_network_text(tier)} "
                                 f"belonging to the same vpc {_vpc_text(vpc)}")
    if vpc["accountid"] != owner["id"]:
        raise errors.invalid(f"Vpc {_vpc_text(vpc)} owner is different from the network owner {owner['name']}")


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
    hosts = [a for a in _cidr(cidr).hosts() if str(a) != gateway]
    domain = ctx.lookup("domain", "domainid", required=False) or ctx.caller.domain
    fields = {"vlan": ctx.p["vlan"], "broadcasturi": f"vlan://{ctx.p['vlan']}", "state": "Setup",
              "startip": ctx.get("startip", str(hosts[0])), "endip": ctx.get("endip", str(hosts[-1])),
              "domainid": domain["id"], "domain": domain["name"], "domainpath": domain["path"]}
    for key in ("startip", "endip"):
        if _ip(fields[key]) not in _cidr(cidr):
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
        "ispersistent": False, "displaynetwork": True, "specifyipranges": offering["specifyipranges"],
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
    network = ctx.store.add("network", network)
    ctx.event("NETWORK.CREATE", f"Network Name: {network['name']}, Id: {network['id']}", owner)
    return network_view(ctx.sim, network)


@api("listNetworks")
def list_networks(ctx):
    items = [n for n in ctx.store.all("network") if _visible_network(ctx, n)]
    items = _filter_eq(ctx, ctx.mine(items), "zoneid", "vpcid", "type", "acltype", "networkofferingid",
                       "traffictype", "vlan", "issystem")
    if "forvpc" in ctx.p:
        items = [n for n in items if bool(n.get("vpcid")) == ctx.p["forvpc"]]
    return [network_view(ctx.sim, n) for n in keyword_filter(ctx, items, "name", "displaytext")]


def _owned_lookup(ctx, kind, name="id"):
    """An object the caller may change: shared networks only by admins."""
    obj = ctx.lookup(kind, name)
    if obj.get("acltype") == "Domain" and not ctx.caller.is_admin:
        raise errors.denied(f"Account {ctx.caller.account['name']} does not have permission to operate "
                            f"with resource {obj['id']}")
    return obj


def _rename(ctx, kind, obj, event, view):
    changes = {k: ctx.p[k] for k in ("name", "displaytext") if ctx.has(k)}

    def run():
        obj.update(changes)
        ctx.store.touch(kind, obj)
        ctx.event(event, f"Id: {obj['id']}", _owner_of(ctx.sim, obj))
        return view(ctx.sim, obj)

    return run


def _owner_of(sim, obj):
    return sim.store.get("account", obj.get("accountid")) or sim.root_caller().account


@api("updateNetwork")
def update_network(ctx):
    network = _owned_lookup(ctx, "network")
    return Job(_rename(ctx, "network", network, "NETWORK.UPDATE", network_view), "Network", network["id"],
               object_key="network")


@api("deleteNetwork")
def delete_network(ctx):
    network = _owned_lookup(ctx, "network")

    def run():
        if ctx.store.find("nic", networkid=network["id"]):
            raise errors.invalid(f"Unable to remove the network id={network['id']} as it has active Nics.")
        for ip in ctx.store.find("publicip", associatednetworkid=network["id"]):
            if ip.get("vpcid"):
                _unassign(ctx.sim, ip)
            else:
                release_ip(ctx.sim, ip)
        for rule in ctx.store.find("rule", networkid=network["id"]):
            ctx.store.delete("rule", rule)
        ctx.store.delete("network", network)
        ctx.event("NETWORK.DELETE", f"Network Name: {network['name']}, Id: {network['id']}",
                  _owner_of(ctx.sim, network))
        return SUCCESS

    return Job(run, "Network", network["id"])


@api("restartNetwork")
def restart_network(ctx):
    network = _owned_lookup(ctx, "network")

    def run():
        if network["state"] not in ("Implemented", "Setup"):
            raise errors.invalid("Network is not in the right state to be restarted. Correct states are: "
                                 "Implemented, Setup")
        ctx.event("NETWORK.RESTART", f"Id: {network['id']}", _owner_of(ctx.sim, network))
        return SUCCESS

    return Job(run, "Network", network["id"])


# -- VPCs ------------------------------------------------------------------------------------
def vpc_view(sim, vpc):
    view = public(vpc)
    view.pop("implemented", None)
    offering = sim.store.get("vpcoffering", vpc["vpcofferingid"])
    view.update(vpcofferingname=offering["name"], restartrequired=False, fordisplay=True,
                distributedvpcrouter=False, regionlevelvpc=False,
                service=[{"name": s} for s in offering["supportedservices"]],
                network=[network_view(sim, n) for n in sim.store.find("network", vpcid=vpc["id"])])
    return view


def _implement_vpc(sim, vpc):
    if not vpc["implemented"]:
        if _source_nat_of(sim, vpc=vpc) is None:
            take_ip(sim, sim.store.get("zone", vpc["zoneid"]), _owner_of(sim, vpc), vpc=vpc, sourcenat=True)
        vpc["implemented"] = True
        sim.store.touch("vpc", vpc)


@api("createVPC")
def create_vpc(ctx):
    zone = ctx.lookup("zone", "zoneid")
    offering = ctx.lookup("vpcoffering", "vpcofferingid")
    cidr = str(_cidr(ctx.p["cidr"], "CIDR"))
    owner = ctx.owner()
    vpc = ctx.store.add("vpc", ctx.owned({
        "name": ctx.p["name"], "displaytext": ctx.get("displaytext", ctx.p["name"]), "cidr": cidr,
        "zoneid": zone["id"], "zonename": zone["name"], "vpcofferingid": offering["id"], "state": "Enabled",
        "implemented": False, "redundantvpcrouter": False, "networkdomain": ctx.get("networkdomain"),
    }, owner))
    start = ctx.p.get("start", True)

    def run():
        if start:
            _implement_vpc(ctx.sim, vpc)
        ctx.event("VPC.CREATE", f"Vpc Name: {vpc['name']}, Id: {vpc['id']}", owner)
        return vpc_view(ctx.sim, vpc)

    return Job(run, "Vpc", vpc["id"], object_key="vpc")


@api("listVPCs")
def list_vpcs(ctx):
    items = _filter_eq(ctx, ctx.mine(ctx.store.all("vpc")), "zoneid", "vpcofferingid", "state", "cidr")
    return [vpc_view(ctx.sim, v) for v in keyword_filter(ctx, items, "name", "displaytext")]


@api("updateVPC")
def update_vpc(ctx):
    vpc = ctx.lookup("vpc", "id")
    return Job(_rename(ctx, "vpc", vpc, "VPC.UPDATE", vpc_view), "Vpc", vpc["id"], object_key="vpc")


@api("deleteVPC")
def delete_vpc(ctx):
    vpc = ctx.lookup("vpc", "id")

    def run():
        tiers = ctx.store.find("network", vpcid=vpc["id"])
        if tiers:
            raise errors.invalid(f"Can't delete VPC {vpc['id']} as its used by {len(tiers)} networks")
        for ip in ctx.store.find("publicip", vpcid=vpc["id"]):
            release_ip(ctx.sim, ip)
        ctx.store.delete("vpc", vpc)
        ctx.event("VPC.DELETE", f"Vpc Name: {vpc['name']}, Id: {vpc['id']}", _owner_of(ctx.sim, vpc))
        return SUCCESS

    return Job(run, "Vpc", vpc["id"])


# -- implementing networks (on the first VM start) --------------------------------------------
def _next_vlan(sim):
    used = {int(n["vlan"]) for n in sim.store.all("network") if str(n.get("vlan") or "").isdigit()}
    return next(v for v in range(FIRST_GUEST_VLAN, FIRST_GUEST_VLAN + 4096) if v not in used)


def implement(sim, network):
    """Allocated -> Implemented: a VLAN, the VPC's router, and a source NAT IP for an isolated network."""
    if network["state"] != "Allocated":
        return network
    vpc = sim.store.get("vpc", network.get("vpcid") or "")
    if vpc is not None:
        _implement_vpc(sim, vpc)
    elif _has_source_nat(sim, network) and _source_nat_of(sim, network=network) is None:
        take_ip(sim, sim.store.get("zone", network["zoneid"]), _owner_of(sim, network), network=network,
                sourcenat=True)
    vlan = _next_vlan(sim)
    network.update(state="Implemented", vlan=str(vlan), broadcasturi=f"vlan://{vlan}")
    sim.store.touch("network", network)
    return network


# -- NICs ------------------------------------------------------------------------------------
def _guest_ip(sim, network, requested):
    """The requested guest IP if it is free and in range, else the first free one."""
    used = {n["ipaddress"] for n in sim.store.find("nic", networkid=network["id"])}
    if requested is not None:
        wanted = _ip(requested)
        if str(wanted) in used or not _in_guest_range(network, wanted):
            raise _no_guest_ip(network)
        return str(wanted)
    for address in _guest_range(network):
        if str(address) not in used:
            return str(address)
    raise _no_guest_ip(network)


def _no_guest_ip(network):
    return ApiError(errors.INSUFFICIENT_CAPACITY,
                    f"Unable to acquire Guest IP  address for network {_network_text(network)}", 4330)


def _mac(sim):
    return "02:00:" + ":".join(f"{sim.random.randrange(256):02x}" for _ in range(4))


def add_nic(ctx, vm, network, ipaddress=None, isdefault=False, event=False):
    """A NIC for `vm` in `network` with the requested or next free guest IP (NIC.CREATE only if asked)."""
    nics = nics_of(ctx.sim, vm)
    nic = ctx.store.add("nic", {
        "networkid": network["id"], "networkname": network["name"], "_vm_pk": vm["_pk"],
        "ipaddress": _guest_ip(ctx.sim, network, ipaddress), "gateway": network["gateway"], "netmask": network["netmask"],
        "macaddress": _mac(ctx.sim), "isdefault": isdefault, "deviceid": str(len(nics) and max(
            int(n["deviceid"]) for n in nics) + 1), "type": network["type"], "traffictype": "Guest",
        "vpcid": network.get("vpcid"), "vpcname": network.get("vpcname"),
        "accountid": vm.get("accountid"), "domainid": vm.get("domainid"),
    })
    if event:
        ctx.event("NIC.CREATE", f"Added a nic to VM {vm['id']} in network {network['id']}",
                  _owner_of(ctx.sim, vm))
    return nic


def nics_of(sim, vm):
    return sorted(sim.store.find("nic", _vm_pk=vm["_pk"]), key=lambda n: int(n["deviceid"]))


def remove_nic(sim, nic):
    """Remove a NIC and what pointed at its address: static NAT and port forwarding to it."""
    for ip in sim.store.find("publicip", _vm_pk=nic["_vm_pk"], vmipaddress=nic["ipaddress"]):
        _clear_static_nat(sim, ip)
    for rule in sim.store.find("rule", _vm_pk=nic["_vm_pk"], vmguestip=nic["ipaddress"]):
        _delete_rule(sim, rule)
    sim.store.delete("nic", nic)


def nic_views(sim, vm):
    """The VM response's `nic` list; the broadcast URI is known once the network is implemented."""
    views = []
    for nic in nics_of(sim, vm):
        uri = (sim.store.get("network", nic["networkid"]) or {}).get("broadcasturi")
        views.append(dict(public(nic), virtualmachineid=vm["id"], broadcasturi=uri, isolationuri=uri))
    return views


# -- public IPs ------------------------------------------------------------------------------
def add_public_range(sim, zone, cidr):
    """A zone's public VLAN range: one Free publicip row per usable address."""
    vlanid = f"{zone['id']}-public"
    for address in _cidr(cidr).hosts():
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


def _has_source_nat(sim, network):
    return "SourceNat" in sim.store.get("networkoffering", network["networkofferingid"])["supportedservices"]


def _source_nat_of(sim, network=None, vpc=None):
    """The source NAT IP of an isolated network (outside a VPC) or of a VPC, None while it has none."""
    if vpc is not None:
        return sim.store.first("publicip", vpcid=vpc["id"], issourcenat=True)
    return sim.store.first("publicip", associatednetworkid=network["id"], issourcenat=True)


def _unassign(sim, ip):
    """A VPC IP leaves its tier (the tier is gone) but stays with the VPC."""
    _clear_rules(sim, ip)
    ip.update(associatednetworkid=None, associatednetworkname=None)
    sim.store.touch("publicip", ip)


def _clear_rules(sim, ip):
    for rule in sim.store.find("rule", ipaddressid=ip["id"]):
        sim.store.delete("rule", rule)
    _clear_static_nat(sim, ip)


def release_ip(sim, ip):
    """Back to Free: its rules and static NAT go with it."""
    _clear_rules(sim, ip)
    owner = _owner_of(sim, ip)
    for key in ("accountid", "account", "domainid", "domain", "domainpath", "allocated", "associatednetworkid",
                "associatednetworkname", "vpcid", "vpcname"):
        ip.pop(key, None)
    ip.update(state="Free", issourcenat=False)
    sim.store.touch("publicip", ip)
    sim.event("NET.IPRELEASE", f"Ip: {ip['ipaddress']}", owner)


def ip_view(sim, ip):
    view = public(ip)
    vm = _vm_of(sim, ip)
    if vm is not None:
        view.update(virtualmachineid=vm["id"], virtualmachinename=vm["name"],
                    virtualmachinedisplayname=vm.get("displayname", vm["name"]), virtualmachinetype="User")
    view["hasrules"] = bool(sim.store.find("rule", ipaddressid=ip["id"]))
    return view


def _vm_of(sim, obj):
    pk = obj.get("_vm_pk")
    return None if pk is None else sim.store._rows.get("vm", {}).get(pk)


@api("associateIpAddress")
def associate_ip_address(ctx):
    network = ctx.lookup("network", "networkid", required=False)
    vpc = ctx.lookup("vpc", "vpcid", required=False)
    if network is None and vpc is None:
        raise errors.invalid("One of Network id or VPC id must be specified")
    if network is not None and network["type"] == "Shared":
        raise errors.invalid(f"Can't associate ip address to network of type {network['type']}")
    target = network or vpc
    zone = ctx.store.get("zone", target["zoneid"])
    vpc = vpc or (network.get("vpcid") and ctx.store.get("vpc", network["vpcid"]))
    # As IpAddressManagerImpl.isSourceNatAvailableForNetwork and associateIPToVpc: the first IP of an
    # isolated network or a VPC without a source NAT IP becomes it, even before the network is implemented.
    sourcenat = (_source_nat_of(ctx.sim, vpc=vpc) is None if vpc
                 else _has_source_nat(ctx.sim, network) and _source_nat_of(ctx.sim, network=network) is None)
    ip = take_ip(ctx.sim, zone, _owner_of(ctx.sim, target), network=network, vpc=vpc, sourcenat=sourcenat,
                 state="Allocating")

    def run():
        ip["state"] = "Allocated"
        ctx.store.touch("publicip", ip)
        return ip_view(ctx.sim, ip)

    return Job(run, "IpAddress", ip["id"], object_key="ipaddress")


def _ip_param(ctx, name="id"):
    ip = ctx.lookup("publicip", name)
    if ip["state"] == "Free":
        raise ctx.invalid_value(name, ctx.p[name])
    return ip


@api("disassociateIpAddress")
def disassociate_ip_address(ctx):
    if ctx.has("ipaddress") and not ctx.has("id"):
        match = ctx.store.first("publicip", ipaddress=ctx.p["ipaddress"], state="Allocated")
        if match is None:
            raise errors.invalid(f"Unable to find IP address {ctx.p['ipaddress']}")
        ctx.p["id"] = match["id"]
    ip = _ip_param(ctx)

    def run():
        if ip["issourcenat"]:
            raise errors.invalid("ip address is used for source nat purposes and can not be disassociated.")
        release_ip(ctx.sim, ip)
        return SUCCESS

    return Job(run, "IpAddress", ip["id"])


@api("listPublicIpAddresses")
def list_public_ip_addresses(ctx):
    items = ctx.store.all("publicip")
    if ctx.p.get("allocatedonly", True):
        items = [i for i in items if i["state"] != "Free"]
    if ctx.has("associatednetworkid") or ctx.has("networkid"):
        wanted = ctx.get("associatednetworkid") or ctx.p["networkid"]
        items = [i for i in items if i.get("associatednetworkid") == wanted]
    items = _filter_eq(ctx, ctx.mine(items), "ipaddress", "vpcid", "zoneid", "isstaticnat", "issourcenat",
                       "state", "forvirtualnetwork", "vlanid")
    return [ip_view(ctx.sim, i) for i in keyword_filter(ctx, items, "ipaddress")]


# -- static NAT ------------------------------------------------------------------------------
def _nic_in(sim, vm, network_id):
    return next((n for n in nics_of(sim, vm) if n["networkid"] == network_id), None)


def _clear_static_nat(sim, ip):
    if ip.get("isstaticnat"):
        ip.update(isstaticnat=False, _vm_pk=None, vmipaddress=None)
        sim.store.touch("publicip", ip)


def _static_nat_target(ctx, ip, vm):
    """The tier or network the static NAT goes through: the IP's network, or for a VPC IP the one given."""
    network = ctx.lookup("network", "networkid", required=False)
    if ip.get("associatednetworkid") and network is not None and network["id"] != ip["associatednetworkid"]:
        raise errors.invalid(f"Invalid network Id={network['id']}. IP is associated with a different network "
                             "than passed network id")
    network = network or ctx.store.get("network", ip.get("associatednetworkid") or "")
    if network is None:
        raise errors.invalid(f"Ip address {_ip_text(ip)} is not assigned to the network")
    nic = _nic_in(ctx.sim, vm, network["id"])
    if nic is None:
        raise errors.invalid("Vm doesn't belong to the network with specified id")
    return network, nic


def _check_static_nat(ctx, ip, vm, guest_ip):
    if ip["issourcenat"]:
        raise errors.invalid(f"Can't enable static, ip address {_ip_text(ip)} is a sourceNat ip address")
    if not ip["isstaticnat"] and ctx.store.find("rule", ipaddressid=ip["id"], ruletype="portforward"):
        raise _conflict(f"Failed to enable static nat for the ip address {_ip_text(ip)} as it already has "
                        "PortForwarding rules assigned")
    if ip["isstaticnat"] and ip["_vm_pk"] != vm["_pk"]:
        raise _conflict(f"Failed to enable static for the ip address {_ip_text(ip)} and vm id={vm['id']} as it's "
                        "already assigned to antoher vm")
    other = ctx.store.first("publicip", _vm_pk=vm["_pk"], vmipaddress=guest_ip, isstaticnat=True)
    if other is not None and other is not ip:
        raise errors.invalid(f"Failed to enable static nat for the ip address id={ip['id']} as vm id={vm['id']} "
                             f"is already associated with ip id={other['id']}")


@api("enableStaticNat")
def enable_static_nat(ctx):
    ip = _ip_param(ctx, "ipaddressid")
    vm = ctx.lookup("vm", "virtualmachineid")
    network, nic = _static_nat_target(ctx, ip, vm)
    guest_ip = ctx.get("vmguestip", nic["ipaddress"])
    if guest_ip != nic["ipaddress"]:
        raise errors.invalid(f"VM ip {guest_ip} address not belongs to the vm")
    _check_static_nat(ctx, ip, vm, guest_ip)
    ip.update(isstaticnat=True, _vm_pk=vm["_pk"], vmipaddress=guest_ip, associatednetworkid=network["id"],
              associatednetworkname=network["name"])
    ctx.store.touch("publicip", ip)
    ctx.event("STATICNAT.ENABLE", f"Ip: {ip['ipaddress']} to VM {vm['id']}", _owner_of(ctx.sim, ip))
    return SUCCESS


@api("disableStaticNat")
def disable_static_nat(ctx):
    ip = _ip_param(ctx, "ipaddressid")
    if not ip["isstaticnat"]:
        raise errors.invalid("Specified IP address id is not associated with any vm Id")

    def run():
        _clear_static_nat(ctx.sim, ip)
        ctx.event("STATICNAT.DISABLE", f"Ip: {ip['ipaddress']}", _owner_of(ctx.sim, ip))
        return SUCCESS

    return Job(run, "IpAddress", ip["id"])


# -- firewall, egress and port-forwarding rules -----------------------------------------------
RULE_EVENTS = {"firewall": ("FIREWALL.OPEN", "FIREWALL.CLOSE"), "egress": ("FIREWALL.EGRESS.OPEN",
               "FIREWALL.EGRESS.CLOSE"), "portforward": ("NET.RULEADD", "NET.RULEDELETE")}


def _conflict(text):
    return ApiError(errors.NETWORK_RULE_CONFLICT, text, errors.CS_NETWORK_RULE_CONFLICT)


def _ports(ctx, start_name, end_name, protocol):
    """(start, end) for tcp/udp, validated as CloudStack does; (None, None) for icmp/all."""
    protocol = protocol.lower()
    if protocol not in PROTOCOLS:
        raise errors.invalid(f"Invalid protocol {protocol}")
    start, end = ctx.p.get(start_name), ctx.p.get(end_name)
    if protocol not in PORTED:
        if start is not None or end is not None:
            raise errors.invalid(f"Can specify start/end port only for protocols {', '.join(PORTED)}")
        return None, None
    end = start if end is None else end
    for port in (start, end):
        if port is not None and not 1 <= port <= 65535:
            raise errors.invalid(f"publicPort is an invalid value: {port}")
    if start is not None and start > end:
        raise errors.invalid("Start port can't be bigger than end port")
    return (1, 65535) if start is None else (start, end)


def _overlap(a, b):
    return a["startport"] is not None and b["startport"] is not None and \
        a["startport"] <= b["endport"] and b["startport"] <= a["endport"]


def _detect_conflicts(sim, new, scope):
    """CloudStack's detectRulesConflict: same-protocol ranges on one IP (or one network for egress)."""
    for rule in sim.store.find("rule", **scope):
        same_kind, same_proto = rule["ruletype"] == new["ruletype"], rule["protocol"] == new["protocol"]
        if not (same_kind and same_proto):
            continue  # a firewall rule never clashes with a PF rule; PF rules may differ by protocol
        if rule["ruletype"] != "portforward" and not set(rule["cidrlist"]) & set(new["cidrlist"]):
            continue  # firewall rules for different source CIDRs may share ports
        if new["startport"] is None:
            raise _conflict(f"There is already a firewall rule specified with protocol = {new['protocol']} "
                            "and no ports")
        if _overlap(rule, new):
            raise _conflict(f"The range specified, {new['startport']}-{new['endport']}, conflicts with rule "
                            f"{rule['id']} which has {rule['startport']}-{rule['endport']}")


def _new_rule(ctx, ruletype, owner_obj, scope, cidrlist=None, **fields):
    """Store a rule after the conflict check; it answers Active once its job has applied it."""
    rule = dict(ruletype=ruletype, state="Add", fordisplay=ctx.p.get("fordisplay", True), tags=[],
                cidrlist=cidrlist or ctx.p.get("cidrlist") or ALL_CIDRS, **fields)
    _detect_conflicts(ctx.sim, rule, scope)
    return ctx.store.add("rule", ctx.owned(rule, _owner_of(ctx.sim, owner_obj)))


def _activate(ctx, rule, view, object_key=None):
    def run():
        for applied in filter(None, (rule, ctx.store.get("rule", rule.get("_related") or ""))):
            applied["state"] = "Active"
            ctx.store.touch("rule", applied)
        ctx.event(RULE_EVENTS[rule["ruletype"]][0], f"Rule Id: {rule['id']}", _owner_of(ctx.sim, rule))
        return view(ctx.sim, rule)

    return Job(run, "FirewallRule", rule["id"], object_key=object_key)


def rule_view(sim, rule):
    view = public(rule)
    view["cidrlist"] = ",".join(rule["cidrlist"])
    view["traffictype"] = "Egress" if rule["ruletype"] == "egress" else "Ingress"
    if rule["ruletype"] == "egress":
        view["destcidrlist"] = ",".join(rule.get("destcidrlist") or [])
    return view


def _firewall_rule(ctx, ip, protocol, start, end, cidrlist=None):
    fields = {"ipaddressid": ip["id"], "ipaddress": ip["ipaddress"], "networkid": ip.get("associatednetworkid"),
              "protocol": protocol, "startport": start, "endport": end}
    return _new_rule(ctx, "firewall", ip, {"ipaddressid": ip["id"]}, cidrlist, **fields)


@api("createFirewallRule")
def create_firewall_rule(ctx):
    ip = _ip_param(ctx, "ipaddressid")
    if ip.get("vpcid"):
        raise errors.invalid("Unable to create firewall rule for the ip address of a VPC: use network ACLs")
    start, end = _ports(ctx, "startport", "endport", ctx.p["protocol"])
    rule = _firewall_rule(ctx, ip, ctx.p["protocol"].lower(), start, end)
    return _activate(ctx, rule, rule_view)


@api("createEgressFirewallRule")
def create_egress_firewall_rule(ctx):
    network = _owned_lookup(ctx, "network", "networkid")
    if network.get("vpcid") or network["type"] != "Isolated":
        raise errors.invalid("Egress firewall rules are supported only in isolated networks outside VPCs")
    start, end = _ports(ctx, "startport", "endport", ctx.p["protocol"])
    rule = _new_rule(ctx, "egress", network, {"networkid": network["id"], "ruletype": "egress"},
                     networkid=network["id"], protocol=ctx.p["protocol"].lower(), startport=start, endport=end,
                     destcidrlist=ctx.p.get("destcidrlist") or [])
    return _activate(ctx, rule, rule_view)


def pf_view(sim, rule):
    view = public(rule)
    vm = _vm_of(sim, rule)
    view["cidrlist"] = ",".join(rule["cidrlist"])
    view.update(publicport=str(rule["startport"]), publicendport=str(rule["endport"]),
                privateport=str(rule["privateport"]), privateendport=str(rule["privateendport"]))
    if vm is not None:
        view.update(virtualmachineid=vm["id"], virtualmachinename=vm["name"],
                    virtualmachinedisplayname=vm.get("displayname", vm["name"]))
    return view


def _pf_network(ctx, ip):
    """The IP's network, or for a VPC IP the tier named by networkid (the IP joins that tier)."""
    if ip.get("associatednetworkid"):
        return ctx.store.get("network", ip["associatednetworkid"])
    network = ctx.lookup("network", "networkid", required=False)
    if network is None or network.get("vpcid") != ip.get("vpcid"):
        raise errors.invalid(f"Unable to create port forwarding rule; ip id={ip['id']} is not associated with "
                             "any network")
    return network


@api("createPortForwardingRule")
def create_port_forwarding_rule(ctx):
    ip = _ip_param(ctx, "ipaddressid")
    vm = ctx.lookup("vm", "virtualmachineid")
    if ip["isstaticnat"]:
        raise errors.invalid(f"Unable to create port forwarding rule; ip id={ip['id']} has static nat enabled")
    protocol = ctx.p["protocol"].lower()
    if protocol not in PORTED:
        raise errors.invalid(f"Invalid protocol {protocol}: port forwarding supports tcp and udp only")
    start, end = _ports(ctx, "publicport", "publicendport", protocol)
    private_start, private_end = _ports(ctx, "privateport", "privateendport", protocol)
    if end - start != private_end - private_start:
        raise errors.invalid("Private port range and public port range should be of equal size")
    network = _pf_network(ctx, ip)
    nic = _nic_in(ctx.sim, vm, network["id"])
    if nic is None:
        raise errors.invalid(f"Unable to create port forwarding rule; vm {vm['id']} has no nic in the network "
                             f"{network['id']}")
    guest_ip = ctx.get("vmguestip", nic["ipaddress"])
    rule = _new_rule(ctx, "portforward", ip, {"ipaddressid": ip["id"]}, ipaddressid=ip["id"],
                     ipaddress=ip["ipaddress"], networkid=network["id"], protocol=protocol, startport=start,
                     endport=end, privateport=private_start, privateendport=private_end, _vm_pk=vm["_pk"],
                     vmguestip=guest_ip)
    if ctx.p.get("openfirewall", True) and not network.get("vpcid"):
        try:
            rule["_related"] = _firewall_rule(ctx, ip, protocol, start, end, rule["cidrlist"])["id"]
        except ApiError:
            ctx.store.delete("rule", rule)  # CloudStack creates both in one transaction
            raise
    _join_tier(ctx, ip, network)
    return _activate(ctx, rule, pf_view, "portforwardingrule")


def _join_tier(ctx, ip, network):
    if not ip.get("associatednetworkid"):
        ip.update(associatednetworkid=network["id"], associatednetworkname=network["name"])
        ctx.store.touch("publicip", ip)


def _list_rules(ctx, ruletype, view):
    items = _filter_eq(ctx, ctx.mine(ctx.store.find("rule", ruletype=ruletype)), "ipaddressid", "networkid")
    return [view(ctx.sim, r) for r in keyword_filter(ctx, items, "protocol")]


@api("listFirewallRules")
def list_firewall_rules(ctx):
    return _list_rules(ctx, "firewall", rule_view)


@api("listEgressFirewallRules")
def list_egress_firewall_rules(ctx):
    return _list_rules(ctx, "egress", rule_view)


@api("listPortForwardingRules")
def list_port_forwarding_rules(ctx):
    return _list_rules(ctx, "portforward", pf_view)


def _delete_rule(sim, rule):
    related = sim.store.get("rule", rule.get("_related") or "")
    if related is not None:
        sim.store.delete("rule", related)
    sim.store.delete("rule", rule)


def _delete(ctx, ruletype):
    rule = ctx.lookup("rule", "id")
    if rule["ruletype"] != ruletype:
        raise ctx.invalid_value("id", ctx.p["id"])

    def run():
        _delete_rule(ctx.sim, rule)
        ctx.event(RULE_EVENTS[ruletype][1], f"Rule Id: {rule['id']}", _owner_of(ctx.sim, rule))
        return SUCCESS

    return Job(run, "FirewallRule", rule["id"])


@api("deleteFirewallRule")
def delete_firewall_rule(ctx):
    return _delete(ctx, "firewall")


@api("deleteEgressFirewallRule")
def delete_egress_firewall_rule(ctx):
    return _delete(ctx, "egress")


@api("deletePortForwardingRule")
def delete_port_forwarding_rule(ctx):
    return _delete(ctx, "portforward")


# -- demo seed -------------------------------------------------------------------------------
def _tenant(sim, name):
    account = sim.store.first("account", name=name)
    return sim.caller_for_key(sim.store.first("user", accountid=account["id"])["apikey"])


def _offering_id(sim, name):
    return sim.store.first("networkoffering", name=name)["id"]


def seed_offerings(sim):
    for name, text, guestiptype, forvpc, services in DEMO_OFFERINGS:
        _add_network_offering(sim.store, name, text, guestiptype, forvpc, services)
    sim.store.add("vpcoffering", {"name": "Default VPC offering", "displaytext": "Default VPC offering",
                                  "state": "Enabled", "isdefault": True, "supportedservices": SERVICES["vpc"],
                                  "distributedvpcrouter": False})


def seed_demo(sim, ctx):
    """Offerings, a public range and a shared network per zone, and the tenants' networks and VPC."""
    seed_offerings(sim)
    zones = sorted(sim.store.all("zone"), key=lambda z: z["_pk"])
    root = sim.store.first("domain", path="ROOT")
    for zone, cidr, (name, vlan, net) in zip(zones, DEMO_PUBLIC_RANGES, DEMO_SHARED):
        add_public_range(sim, zone, cidr)
        sim.run_now(ctx.caller, "createNetwork", {
            "name": name, "displaytext": name, "zoneid": zone["id"], "vlan": vlan, "acltype": "Domain",
            "networkofferingid": _offering_id(sim, "DefaultSharedNetworkOffering"), "domainid": root["id"],
            "gateway": f"{net}.1", "netmask": "255.255.255.0", "startip": f"{net}.10", "endip": f"{net}.250"})
    zone_a = zones[0]["id"]
    isolated = _offering_id(sim, "DefaultIsolatedNetworkOfferingWithSourceNatService")
    acme, globex = _tenant(sim, "acme"), _tenant(sim, "globex")
    for caller, name in ((acme, "acme-web"), (globex, "globex-net")):
        sim.run_now(caller, "createNetwork", {"name": name, "zoneid": zone_a, "networkofferingid": isolated,
                                              "gateway": "10.1.1.1", "netmask": "255.255.255.0"})
    vpc = sim.run_now(acme, "createVPC", {
        "name": "acme-vpc", "displaytext": "acme-vpc", "cidr": "10.10.0.0/16", "zoneid": zone_a,
        "vpcofferingid": sim.store.first("vpcoffering", name="Default VPC offering")["id"]})
    tier_offering = _offering_id(sim, "DefaultIsolatedNetworkOfferingForVpcNetworks")
    for name, octet in (("acme-app", 1), ("acme-db", 2)):
        sim.run_now(acme, "createNetwork", {
            "name": name, "zoneid": zone_a, "vpcid": vpc["id"], "gateway": f"10.10.{octet}.1",
            "netmask": "255.255.255.0", "networkofferingid": tier_offering})
