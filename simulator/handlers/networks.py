"""Guest networks and their offerings: list offerings; list, update, delete, restart networks (createNetwork
is in network_create.py).

A network is created Allocated and holds no public IP until it is implemented on the first VM start
(model/networks.py).
"""

from .. import errors
from ..contract import SUCCESS, Job, api
from ..model.accounts import owner_of
from ..model.public_ips import release_ip, unassign
from ..model.rules import remove_rule
from ..model.texts import account_text
from ..model.usage import usage_event
from ..views.network import network_offering_view, network_view
from .filters import display_filter, filter_eq, keyword_filter
from .network_common import newest_first, owned_lookup, rename_work, tags_filter


# -- offerings -------------------------------------------------------------------------------
@api("listNetworkOfferings")
def list_network_offerings(ctx):
    items = filter_eq(ctx, ctx.store.all("networkoffering"), "guestiptype", "forvpc", "isdefault", "state",
                      "specifyvlan", "specifyipranges", "traffictype")
    return [network_offering_view(o) for o in keyword_filter(ctx, items, "name", "displaytext")]


@api("listVPCOfferings")
def list_vpc_offerings(ctx):
    """VpcManagerImpl.listVpcOfferings: `name` and `displaytext` are substring matches."""
    items = filter_eq(ctx, ctx.store.all("vpcoffering"), "id", "isdefault", "state")
    for name in ("name", "displaytext"):
        if ctx.has(name):
            items = [o for o in items if ctx.p[name].lower() in o[name].lower()]
    if ctx.has("keyword"):
        kw = ctx.p["keyword"].lower()
        items = [o for o in items if kw in o["name"].lower() or kw in o["displaytext"].lower()]
    return [network_offering_view(o) for o in items]


# -- networks --------------------------------------------------------------------------------
def _in_chain(sim, domain_id, of):
    """The domain is `of`, one of its ancestors or one of its descendants."""
    return sim.in_domain(of, domain_id) or sim.in_domain(domain_id, of)


def _scope(ctx, networks):
    """NetworkServiceImpl.searchForNetworks: a user lists its own networks and the domain networks of its domain
    and parents; an admin without `account` lists every account network of its domain (of the tree with listall
    or isrecursive), and domain networks up and down that domain."""
    caller = ctx.caller
    if not caller.is_admin:
        return [n for n in networks if n.get("accountid") == caller.account["id"] or
                (n["acltype"] == "Domain" and ctx.sim.in_domain(caller.domain["id"], n["domainid"]))]
    domain = ctx.lookup("domain", "domainid") if ctx.has("domainid") else caller.domain
    if not ctx.sim.in_domain(domain["id"], caller.domain["id"]):  # AccountManagerImpl.checkAccess(caller, domain)
        raise errors.denied(f"Account {account_text(caller.account)} does not have permission to operate within "
                            f"domain id={domain['id']}")
    if ctx.has("account"):
        account = ctx.store.first("account", name=ctx.p["account"], domainid=domain["id"], removed=None)
        if account is None:
            raise errors.invalid(f"Unable to find account {ctx.p['account']} in specified domain")
        return [n for n in networks if n.get("accountid") == account["id"] or
                (ctx.has("domainid") and n["acltype"] == "Domain" and n["domainid"] == domain["id"])]
    recursive = ctx.p.get("isrecursive") or (ctx.p.get("listall") and not ctx.has("domainid"))
    out = []
    for n in networks:
        if n["acltype"] == "Domain":
            if _in_chain(ctx.sim, n["domainid"], domain["id"]):
                out.append(n)
        elif n["domainid"] == domain["id"] or (recursive and ctx.sim.in_domain(n["domainid"], domain["id"])):
            out.append(n)
    return out


@api("listNetworks")
def list_networks(ctx):
    """NetworkServiceImpl.searchForNetworks: displayed networks unless a root admin asks (displaynetwork),
    `keyword` on the name only, newest first."""
    items = display_filter(ctx, _scope(ctx, ctx.store.all("network")), "displaynetwork")
    items = filter_eq(ctx, items, "id", "zoneid", "vpcid", "acltype", "networkofferingid", "traffictype", "vlan",
                      "issystem")
    if ctx.has("type"):
        items = [n for n in items if n["type"].lower() == ctx.p["type"].lower()]
    if "forvpc" in ctx.p:
        items = [n for n in items if bool(n.get("vpcid")) == ctx.p["forvpc"]]
    if ctx.has("keyword"):
        items = [n for n in items if ctx.p["keyword"].lower() in n["name"].lower()]
    items = newest_first(tags_filter(ctx, items, "network"))
    return [network_view(ctx.sim, n, ctx.caller.is_root) for n in items]


@api("updateNetwork")
def update_network(ctx):
    """NetworkServiceImpl.updateGuestNetwork; a NETWORK.UPDATE usage event at its end (it changes nothing for a
    network never implemented, which has no network usage yet)."""
    network = owned_lookup(ctx, "network")
    work = rename_work(ctx, "network", network, "NETWORK.UPDATE", network_view, display="displaynetwork")

    def run():
        view = work()
        usage_event(ctx.sim, "NETWORK.UPDATE", owner_of(ctx.sim, network), network["zoneid"], network,
                    network["name"], offeringid=network["networkofferingid"], state=network["state"])
        return view

    return Job(run, "Network", network["id"], object_key="network")


@api("deleteNetwork")
def delete_network(ctx):
    """NetworkServiceImpl.deleteNetwork -> NetworkOrchestrator.destroyNetwork: a network with a VM's NIC (a
    destroyed VM not yet expunged included) is not destroyed, the job fails with 530 "Failed to delete network"."""
    network = owned_lookup(ctx, "network")

    def run():
        if ctx.p.get("forced") and not ctx.caller.is_root:
            raise errors.invalid("Delete network with 'forced' option can only be called by root admins")
        if ctx.store.find("nic", networkid=network["id"]):
            raise errors.internal("Failed to delete network", errors.CS_SERVER_API)
        for ip in ctx.store.find("publicip", associatednetworkid=network["id"]):
            if ip.get("vpcid"):
                unassign(ctx.sim, ip)
            else:
                release_ip(ctx.sim, ip)
        for rule in ctx.store.find("rule", networkid=network["id"]):
            if ctx.store.get("rule", rule["id"]) is not None:
                remove_rule(ctx.sim, rule)
        ctx.store.delete("network", network)
        owner = owner_of(ctx.sim, network)
        usage_event(ctx.sim, "NETWORK.DELETE", owner, network["zoneid"], network, network["name"],
                    offeringid=network["networkofferingid"])
        ctx.event("NETWORK.DELETE", f"Network Name: {network['name']}, Id: {network['id']}", owner)
        return SUCCESS

    return Job(run, "Network", network["id"])


@api("restartNetwork")
def restart_network(ctx):
    """NetworkServiceImpl.restartNetwork: a VPC tier is restarted with its VPC, never alone with cleanup."""
    network = owned_lookup(ctx, "network")

    def run():
        if network.get("vpcid") and ctx.p.get("cleanup"):
            raise errors.invalid("Cannot restart a VPC tier with cleanup, please restart the whole VPC.")
        if network["state"] not in ("Implemented", "Setup"):
            raise errors.invalid("Network is not in the right state to be restarted. Correct states are: "
                                 "Implemented, Setup")
        ctx.event("NETWORK.RESTART", f"Id: {network['id']}", owner_of(ctx.sim, network))
        return SUCCESS

    return Job(run, "Network", network["id"])
