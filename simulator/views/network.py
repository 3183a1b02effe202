"""Networking views: network and VPC offerings, networks, VPCs, NICs, public IPs and rules."""

from ..model.nics import nics_of
from ..model.public_ips import vm_of
from .common import public


def network_offering_view(offering):
    """A network or VPC offering, its services as CloudStack lists them."""
    view = public(offering)
    view["service"] = [{"name": s} for s in view.pop("supportedservices")]
    return view


def network_view(sim, network):
    view = public(network)
    offering = sim.store.get("networkoffering", network["networkofferingid"])
    view.update(networkofferingdisplaytext=offering["displaytext"], networkofferingconservemode=True,
                networkofferingavailability=offering["availability"], related=network["id"],
                service=[{"name": s} for s in offering["supportedservices"]])
    return view


def vpc_view(sim, vpc):
    view = public(vpc)
    view.pop("implemented", None)
    offering = sim.store.get("vpcoffering", vpc["vpcofferingid"])
    view.update(vpcofferingname=offering["name"], restartrequired=False, fordisplay=True,
                distributedvpcrouter=False, regionlevelvpc=False,
                service=[{"name": s} for s in offering["supportedservices"]],
                network=[network_view(sim, n) for n in sim.store.find("network", vpcid=vpc["id"])])
    return view


def nic_views(sim, vm):
    """The VM response's `nic` list; the broadcast URI is known once the network is implemented."""
    views = []
    for nic in nics_of(sim, vm):
        uri = (sim.store.get("network", nic["networkid"]) or {}).get("broadcasturi")
        views.append(dict(public(nic), virtualmachineid=vm["id"], broadcasturi=uri, isolationuri=uri))
    return views


def ip_view(sim, ip):
    view = public(ip)
    vm = vm_of(sim, ip)
    if vm is not None:
        view.update(virtualmachineid=vm["id"], virtualmachinename=vm["name"],
                    virtualmachinedisplayname=vm.get("displayname", vm["name"]), virtualmachinetype="User")
    view["hasrules"] = bool(sim.store.find("rule", ipaddressid=ip["id"]))
    return view


def rule_view(sim, rule):
    """A firewall or egress rule."""
    view = public(rule)
    view["cidrlist"] = ",".join(rule["cidrlist"])
    view["traffictype"] = "Egress" if rule["ruletype"] == "egress" else "Ingress"
    if rule["ruletype"] == "egress":
        view["destcidrlist"] = ",".join(rule.get("destcidrlist") or [])
    return view


def pf_view(sim, rule):
    """A port-forwarding rule."""
    view = public(rule)
    vm = vm_of(sim, rule)
    view["cidrlist"] = ",".join(rule["cidrlist"])
    view.update(publicport=str(rule["startport"]), publicendport=str(rule["endport"]),
                privateport=str(rule["privateport"]), privateendport=str(rule["privateendport"]))
    if vm is not None:
        view.update(virtualmachineid=vm["id"], virtualmachinename=vm["name"],
                    virtualmachinedisplayname=vm.get("displayname", vm["name"]))
    return view
