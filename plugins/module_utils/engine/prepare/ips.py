# Copyright: cloudstack.dr contributors
# Apache License 2.0 (see LICENSE)
"""Prepare, phase 3: the public IPs reserved in the recovery networks.

Each isolated recovery network and recovery VPC gets its source NAT IP first: CloudStack makes the
first IP associated with a network or VPC that has none its source NAT IP (where static NAT is
refused), and implementing it at the first start would take one. Then each public IP with static
NAT or port forwarding to the original gets a recovery IP, reserved hidden (`fordisplay=false`),
named in a hidden detail of its recovery network (`dr.ip.<public IP id>`, read inline by
listNetworks); rules on the original's source NAT IP go to the recovery network's own. An IP an
interrupted run reserved but did not name is adopted; a recovery IP whose public IP no longer points
at the VM loses the VM's rules, and is released when nothing points at its public IP any more.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ...client import batch
from ...model.mirror import Nic, VmPlan, surplus_ips
from ...model.snapshot import Snapshot
from ...vocabulary import details
from ...vocabulary.keys import IP_MAP

if TYPE_CHECKING:  # run.py runs the phases and imports them
    from .run import PrepareRun


def run(prep: PrepareRun, plans: list[VmPlan]) -> list[VmPlan]:
    _reserve_source_nat(prep, plans)
    snap = prep.snap
    creates, named = [], []
    by_tag: dict[str, VmPlan] = {}
    adopted: set[str] = set()
    for plan in plans:
        for ip in plan.ips:
            holder = snap.ip_holder(ip)
            if holder is None:
                prep.fail(plan, f"no recovery network for public IP {ip['ipaddress']}")
                break
            if ip.get("issourcenat"):  # its rules go to the recovery network's own source NAT IP
                if snap.source_nat_ip(*holder) is None:
                    prep.fail(plan, f"the recovery network for {ip['ipaddress']} has no source NAT IP")
                    break
                continue
            if snap.recovery_ip_of(ip) is not None:
                continue
            tag = f"{plan.original['id']}|{ip['id']}"
            by_tag[tag] = plan
            orphan = _orphan(snap, holder, adopted)
            if orphan is not None:
                adopted.add(orphan["id"])
                named.append((tag, orphan, ip))
                continue
            creates.append((tag, "associateIpAddress", {holder[0]: holder[1], "fordisplay": False,
                                                        "account": ip.get("account"), "domainid": ip.get("domainid")}))
    sources = {f"{plan.original['id']}|{ip['id']}": ip for plan in plans for ip in plan.ips}
    for tag, result in prep.jobs(creates, by_tag).items():
        named.append((tag, result["ipaddress"], sources[tag]))
    _name(prep, named, by_tag)
    _release_surplus(prep, plans)
    return [p for p in plans if p.error is None]


def _name(prep: PrepareRun, named: list[tuple[str, dict, dict]], by_tag: dict[str, VmPlan]) -> None:
    """Name each new or adopted recovery IP in its recovery network's details, all in one batch."""
    requests = []
    for tag, recovery, source in named:
        network = prep.snap.map_network(source)
        if network is None:
            prep.fail(by_tag[tag], f"no recovery network for the network of public IP {source['ipaddress']}")
            continue
        requests.append(details.write(tag, "Network", network["id"], {IP_MAP.key(source["id"]): recovery["id"]},
                                      IP_MAP.visible))
        prep.snap.remember_ip(recovery, source["id"])
    for tag, outcome in batch.run(prep.api, requests).items():
        if not outcome.ok:
            prep.fail(by_tag[tag], f"cannot name the recovery IP in its network: {outcome.error}")
    for tag, recovery, source in named:
        if by_tag[tag].error is None:
            by_tag[tag].changes.append(f"reserved recovery public IP {recovery['ipaddress']} for "
                                       f"{source['ipaddress']}")


def _orphan(snap: Snapshot, holder: tuple[str, str], taken: set[str]) -> dict | None:
    """A hidden IP of the recovery network (or VPC) that no detail names and no rule uses: reserved by a run
    cut short before it was named."""
    key, holder_id = holder
    for ip in snap.ips.values():
        mine = ip.get("vpcid") == holder_id if key == "vpcid" else (ip.get("associatednetworkid") == holder_id
                                                                      and not ip.get("vpcid"))
        if (mine and ip["id"] not in taken and not ip.get("issourcenat") and ip.get("fordisplay") is False
                and not snap.is_recovery_ip(ip) and not snap.vms_of_ip(ip)):
            return ip
    return None


def _reserve_source_nat(prep: PrepareRun, plans: list[VmPlan]) -> None:
    """Each isolated recovery network and recovery VPC gets its source NAT IP before any other IP."""
    snap = prep.snap
    requests, by_tag = [], {}
    for plan in plans:
        for nic in plan.nics:
            holder = _source_nat_key(snap, nic)
            if holder is None:
                continue
            tag = f"{holder[0]}={holder[1]}"
            if snap.source_nat_ip(*holder) is not None or tag in by_tag:
                continue
            owner = snap.vpcs[holder[1]] if holder[0] == "vpcid" else nic.recovery_network
            requests.append((tag, "associateIpAddress", {holder[0]: holder[1], "fordisplay": False,
                                                         "account": owner.get("account"),
                                                         "domainid": owner.get("domainid")}))
            by_tag[tag] = plan
            plan.changes.append(f"reserved the source NAT IP of recovery {owner['name']}")
    for result in prep.jobs(requests, by_tag).values():
        snap.remember_ip(result["ipaddress"])


def _source_nat_key(snap: Snapshot, nic: Nic) -> tuple[str, str] | None:
    """("networkid" | "vpcid", id) of the recovery network or VPC that has a source NAT IP of its own."""
    target = nic.target
    if target is None or nic.source.get("type") == "Shared":
        return None
    holder, key = (snap.vpcs.get(target["vpcid"]), "vpcid") if target.get("vpcid") else (target, "networkid")
    services = {s.get("name") for s in (holder or {}).get("service", [])}
    return (key, holder["id"]) if holder is not None and "SourceNat" in services else None


def _release_surplus(prep: PrepareRun, plans: list[VmPlan]) -> None:
    requests, by_tag = [], {}
    for plan in plans:
        rec_id = plan.recovery_vm["id"]
        for source, target in surplus_ips(prep.snap, plan):
            label = source["ipaddress"] if source else target["ipaddress"]
            if target.get("issourcenat") or (source is not None and prep.snap.vms_of_ip(source)):
                # the IP stays (its network's source NAT, or still the mirror of a public IP): only this VM's rules go
                if target.get("isstaticnat") and target.get("virtualmachineid") == rec_id:
                    requests.append((f"nat:{target['id']}", "disableStaticNat", {"ipaddressid": target["id"]}))
                    by_tag[f"nat:{target['id']}"] = plan
                for rule in prep.snap.portforward.get(target["id"], []):
                    if rule.get("virtualmachineid") == rec_id:
                        requests.append((rule["id"], "deletePortForwardingRule", {"id": rule["id"]}))
                        by_tag[rule["id"]] = plan
                plan.changes.append(f"removed the recovery VM's rules from the recovery IP of {label}")
                continue
            requests.append((target["id"], "disassociateIpAddress", {"id": target["id"]}))
            by_tag[target["id"]] = plan
            if target["id"] in prep.snap.ip_names:
                network_id, key = prep.snap.ip_names[target["id"]]
                requests.append(details.remove(f"unname:{target['id']}", "Network", network_id, key))
                by_tag[f"unname:{target['id']}"] = plan
            plan.changes.append(f"released the recovery IP of {label}")
    prep.jobs(requests, by_tag)
