"""Implementing guest networks and VPCs: a network is created Allocated and holds no public IP until
`implement` runs on the first VM start (DR recovery networks rely on that); a VPC created with
start=false likewise has no source NAT yet."""

from .accounts import owner_of
from .public_ips import has_source_nat, source_nat_of, take_ip
from .usage import usage_event

FIRST_GUEST_VLAN = 1000
DOMAIN_SUFFIX = "cloud.internal"  # guest.domain.suffix


def default_network_domain(owner):
    """NetworkOrchestrator.createGuestNetwork / VpcManagerImpl.createVpc: cs<hex account id><suffix>."""
    return f"cs{owner['_pk']:x}{DOMAIN_SUFFIX}"


def _next_vlan(sim):
    used = {int(n["vlan"]) for n in sim.store.all("network") if str(n.get("vlan") or "").isdigit()}
    return next(v for v in range(FIRST_GUEST_VLAN, FIRST_GUEST_VLAN + 4096) if v not in used)


def implement_vpc(sim, vpc):
    """The VPC's router comes up: it takes a source NAT IP if it has none."""
    if not vpc["implemented"]:
        if source_nat_of(sim, vpc=vpc) is None:
            take_ip(sim, sim.store.get("zone", vpc["zoneid"]), owner_of(sim, vpc), vpc=vpc, sourcenat=True)
        vpc["implemented"] = True
        sim.store.touch("vpc", vpc)


def implement(sim, network):
    """Allocated -> Implemented: a VLAN, the VPC's router, and a source NAT IP for an isolated network; the
    NETWORK.CREATE usage event starts its network hours (NetworkOrchestrator.implementNetwork), not createNetwork."""
    if network["state"] != "Allocated":
        return network
    vpc = sim.store.get("vpc", network.get("vpcid") or "")
    if vpc is not None:
        implement_vpc(sim, vpc)
    elif has_source_nat(sim, network) and source_nat_of(sim, network=network) is None:
        take_ip(sim, sim.store.get("zone", network["zoneid"]), owner_of(sim, network), network=network,
                sourcenat=True)
    vlan = _next_vlan(sim)
    network.update(state="Implemented", vlan=str(vlan), broadcasturi=f"vlan://{vlan}")
    sim.store.touch("network", network)
    usage_event(sim, "NETWORK.CREATE", owner_of(sim, network), network["zoneid"], network, network["name"],
                offeringid=network["networkofferingid"])
    return network
