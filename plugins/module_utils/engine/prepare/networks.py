# Copyright: cloudstack.dr contributors
# Apache License 2.0 (see LICENSE)
"""Prepare, phase 1: the recovery networks and VPCs the recovery VMs' NICs need, and egress rules.

Recovery networks and VPCs are created hidden from their owner (`displaynetwork=false`,
`fordisplay=false`) and never implemented (a VPC with `start=false`; a network is implemented
only when its first VM starts). A network is linked to the one it mirrors by its hidden
`dr.source_network` detail; a recovery VPC is the VPC of its tiers' recovery networks. Each carries
the id of what it mirrors in its display text, so one an interrupted run left unlinked is adopted,
never made twice.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ...client import batch
from ...client.api import CloudStackError
from ...model.mirror import Nic, VmPlan, rule_key_firewall
from ...vocabulary import details
from ...vocabulary.keys import SOURCE_NETWORK

if TYPE_CHECKING:  # run.py runs the phases and imports them
    from .run import PrepareRun


def run(prep: PrepareRun, plans: list[VmPlan]) -> None:
    missing: dict[str, tuple[dict, list[VmPlan]]] = {}
    for plan in plans:
        for nic in plan.nics:
            if nic.target is None:
                missing.setdefault(nic.source["id"], (nic.source, []))[1].append(plan)
    vpcs = _ensure_vpcs(prep, missing)
    links = []
    users_of: dict[str, list[VmPlan]] = {}
    for source, users in missing.values():
        try:
            network, made = _ensure_network(prep, source, users[0], vpcs)
        except CloudStackError as exc:  # one network's failure fails only its VMs
            for plan in users:
                prep.fail(plan, f"cannot create recovery network for {source['name']}: {exc.errortext}")
            continue
        links.append(details.write(network["id"], "Network", network["id"], {SOURCE_NETWORK.key(): source["id"]},
                                   SOURCE_NETWORK.visible))
        users_of[network["id"]] = users
        for plan in users:
            plan.changes.append(f"{'created' if made else 'adopted'} recovery network {network['name']} "
                                f"({network.get('cidr')})")
    for network_id, outcome in batch.run(prep.api, links).items():  # every new network's link, in one batch
        if not outcome.ok:
            for plan in users_of[network_id]:
                prep.fail(plan, f"cannot link recovery network {network_id}: {outcome.error}")
    for plan in plans:
        plan.nics = [Nic(n.source, n.target or prep.snap.recovery_network_for(n.source["id"]), n.ip) for n in plan.nics]
    _mirror_egress(prep, plans)


def copy_text(source: dict) -> str:
    """The display text of a recovery network or VPC: it names what it mirrors, so one an interrupted run
    left unlinked is adopted, and never a network or VPC of the owner's own."""
    return f"DR copy of {source['id']}"


def _ensure_vpcs(prep: PrepareRun, missing: dict[str, tuple[dict, list[VmPlan]]]) -> dict[str, dict | None]:
    """{source VPC id: recovery VPC} for the VPC tiers to create; each VPC found, adopted or created (hidden:
    createVPC ignores fordisplay, so updateVPC hides it); None where the creation failed."""
    snap = prep.snap
    wanted = {s["vpcid"]: users[0] for s, users in missing.values() if s.get("vpcid")}
    found = {vid: snap.recovery_vpc_for(vid) or _unlinked(snap.vpcs, snap.vpcs.get(vid, {}), plan.recovery_zone)
             for vid, plan in wanted.items()}
    creates = []
    for vpc_id, plan in wanted.items():
        if found[vpc_id] is None:
            source = snap.vpcs[vpc_id]
            creates.append((vpc_id, "createVPC", {
                "name": source["name"], "displaytext": copy_text(source), "cidr": source["cidr"],
                "vpcofferingid": source["vpcofferingid"], "zoneid": plan.recovery_zone, "start": False,
                "account": source.get("account"), "domainid": source.get("domainid")}))
    for vpc_id, result in prep.jobs(creates, wanted).items():
        found[vpc_id] = result["vpc"]
        snap.vpcs[result["vpc"]["id"]] = result["vpc"]
    hide = [(vid, "updateVPC", {"id": vpc["id"], "fordisplay": False}) for vid, vpc in found.items()
            if vpc is not None and vpc.get("fordisplay") is not False]
    prep.jobs(hide, wanted)
    return found


def _unlinked(items: dict, source: dict, zone_id: str) -> dict | None:
    """A network or VPC an interrupted run made for `source` in the recovery zone and did not link."""
    return next((item for item in items.values()
                 if item.get("zoneid") == zone_id and item.get("displaytext") == copy_text(source)), None)


def _ensure_network(prep: PrepareRun, source: dict, plan: VmPlan, vpcs: dict[str, dict | None]) -> tuple[dict, bool]:
    """(the recovery network of `source`, whether it was created now); an unlinked one is adopted."""
    vpc = vpcs.get(source["vpcid"]) if source.get("vpcid") else None
    if source.get("vpcid") and vpc is None:
        raise CloudStackError("createNetwork", f"the recovery VPC for {source.get('vpcname') or source['vpcid']} "
                                               "is missing", source["name"])
    orphan = _unlinked(prep.snap.networks, source, plan.recovery_zone)
    if orphan is not None:
        prep.snap.remember_network(orphan, source["id"])
        return orphan, False
    params = {
        "name": source["name"], "displaytext": copy_text(source),
        "networkofferingid": source["networkofferingid"], "zoneid": plan.recovery_zone,
        "gateway": source.get("gateway"), "netmask": source.get("netmask"), "displaynetwork": False,
        "account": source.get("account"), "domainid": source.get("domainid"),
    }
    if vpc is not None:
        params["vpcid"] = vpc["id"]
    network = prep.api.call("createNetwork", source["name"], **params)["network"]
    prep.snap.remember_network(network, source["id"])
    return network, True


def _mirror_egress(prep: PrepareRun, plans: list[VmPlan]) -> None:
    """Each isolated recovery network gets the egress rules of the network it mirrors (VPC tiers use ACLs)."""
    snap = prep.snap
    pairs = {}
    for plan in plans:
        for nic in plan.nics:
            if nic.target is not None and nic.source.get("type") != "Shared" and not nic.source.get("vpcid"):
                pairs[nic.target["id"]] = (nic.source, plan)
    requests, tags = [], {}
    for target_id, (source, plan) in pairs.items():
        want = {rule_key_firewall(r): r for r in snap.egress.get(source["id"], [])}
        have = {rule_key_firewall(r): r for r in snap.egress.get(target_id, [])}
        for key in sorted(want.keys() - have.keys()):
            rule, tag = want[key], f"egress:{target_id}:{key}"
            requests.append((tag, "createEgressFirewallRule", {
                "networkid": target_id, "protocol": rule["protocol"], "startport": rule.get("startport"),
                "endport": rule.get("endport"), "cidrlist": rule.get("cidrlist"), "fordisplay": False}))
            tags[tag] = plan
            plan.changes.append(f"egress rule {'/'.join(key)} on {source['name']}")
        for key in sorted(have.keys() - want.keys()):
            tag = f"noegress:{have[key]['id']}"
            requests.append((tag, "deleteEgressFirewallRule", {"id": have[key]["id"]}))
            tags[tag] = plan
            plan.changes.append(f"removed egress rule {'/'.join(key)} from {source['name']}")
    prep.jobs(requests, tags)
