"""Networking views: network and VPC offerings, networks, VPCs, NICs, public IPs and rules."""

from ..model.nics import nics_of
from ..model.public_ips import vm_of
from .common import details_of, public


def network_offering_view(offering):
    """A network or VPC offering, its services as CloudStack lists them."""
    view = public(offering)
    view["service"] = [{"name": s} for s in view.pop("supportedservices")]
    return view


def brief_tags(sim, kind, obj):
    """The `tags` networks, VPCs, IPs and rules carry: key and value only (ApiResponseHelper)."""
    return [{"key": t["key"], "value": t["value"]} for t in sim.store.find("tag", resource_kind=kind,
                                                                           resource_pk=obj["_pk"])]


def network_view(sim, network, full=False):
    """ApiResponseHelper.createNetworkResponse: every detail of the network (hidden ones too), its VLAN and
    broadcast URI only in the root admin's view (ResponseView.Full)."""
    view = public(network)
    offering = sim.store.get("networkoffering", network["networkofferingid"])
    view.update(networkofferingdisplaytext=offering["displaytext"], networkofferingconservemode=True,
                networkofferingavailability=offering["availability"], related=network["id"],
                service=[{"name": s} for s in offering["supportedservices"]], tags=brief_tags(sim, "network", network))
    if full:
        view["details"] = details_of(sim, "network", network, hidden_too=True)
    else:
        view.pop("vlan", None)
        view.pop("broadcasturi", None)
    return view


def vpc_view(sim, vpc, full=False):
    view = public(vpc)
    view.pop("implemented", None)
    offering = sim.store.get("vpcoffering", vpc["vpcofferingid"])
    view.update(vpcofferingname=offering["name"], restartrequired=False,
                distributedvpcrouter=False, regionlevelvpc=False,
                service=[{"name": s} for s in offering["supportedservices"]],
                network=[network_view(sim, n, full) for n in sim.store.find("network", vpcid=vpc["id"])],
                tags=brief_tags(sim, "vpc", vpc))
    return view


def nic_views(sim, vm):
    """The VM response's `nic` list; the broadcast URI is known once the network is implemented."""
    views = []
    for nic in nics_of(sim, vm):
        uri = (sim.store.get("network", nic["networkid"]) or {}).get("broadcasturi")
        views.append(dict(public(nic), virtualmachineid=vm["id"], broadcasturi=uri, isolationuri=uri))
    return views


def ip_view(sim, ip, full=False):
    """ApiResponseHelper.createIPAddressResponse: the VLAN only in the root admin's view (ResponseView.Full)."""
    view = public(ip)
    vm = vm_of(sim, ip)
    if vm is not None:
        view.update(virtualmachineid=vm["id"], virtualmachinename=vm["name"],
                    virtualmachinedisplayname=vm.get("displayname", vm["name"]), virtualmachinetype="User")
    view["hasrules"] = bool(sim.store.find("rule", ipaddressid=ip["id"]))
    view["tags"] = brief_tags(sim, "publicip", ip)
    if not full:
        view.pop("vlanid", None)
        view.pop("vlanname", None)
    return view


def rule_view(sim, rule):
    """ApiResponseHelper.createFirewallResponse: a firewall or egress rule; ports and ICMP fields only when set,
    the CIDR lists joined by commas."""
    view = public(rule)
    view["cidrlist"] = ",".join(rule["cidrlist"])
    view["destcidrlist"] = ",".join(rule.get("destcidrlist") or [])
    view["traffictype"] = "Egress" if rule["ruletype"] == "egress" else "Ingress"
    if rule["ruletype"] == "egress":
        view.pop("ipaddressid", None)
        view.pop("ipaddress", None)
    view["tags"] = brief_tags(sim, "rule", rule)
    return view


def pf_view(sim, rule):
    """ApiResponseHelper.createPortForwardingRuleResponse: ports as strings, `cidrlist` "" when it has none."""
    view = public(rule)
    vm = vm_of(sim, rule)
    view["cidrlist"] = ",".join(rule["cidrlist"])
    view.update(publicport=str(rule["startport"]), publicendport=str(rule["endport"]),
                privateport=str(rule["privateport"]), privateendport=str(rule["privateendport"]),
                tags=brief_tags(sim, "rule", rule))
    if vm is not None:
        view.update(virtualmachineid=vm["id"], virtualmachinename=vm["name"],
                    virtualmachinedisplayname=vm.get("displayname", vm["name"]))
    return view
