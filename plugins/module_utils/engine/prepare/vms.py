# Copyright: cloudstack.dr contributors
# Apache License 2.0 (see LICENSE)
"""Prepare, phase 2: the recovery VMs themselves, deployed or reconciled, with their NICs.

A recovery VM is deployed stopped (`startvm=false`: no volume is materialised, no CPU or memory is
taken) and hidden (`displayvm=false`: its volumes are hidden with it), with the id derived from its
owner's VM id (`customid`), so a run cut short after the deploy finds and adopts it. Offering, user
data and NICs follow the original on every run: NICs are added here, and removed in the last phase
(`remove_nics`), once the rules phase took their static NAT and port forwarding away (CloudStack
refuses to remove a NIC that rules use: UserVmManagerImpl.removeNicFromVirtualMachine).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import TYPE_CHECKING

from ...client.batch import Request
from ...model import mirror
from ...model.mirror import VmPlan
from ...vocabulary import details, ids, states
from ...vocabulary.keys import PAIR

if TYPE_CHECKING:  # run.py runs the phases and imports them
    from .run import PrepareRun

# A NIC change of one recovery VM: (what the VM's changes say, command, params).
NicRequest = tuple[str, str, dict]


def run(prep: PrepareRun, plans: list[VmPlan]) -> list[VmPlan]:
    _remove_failed(prep, plans)
    deploy = [p for p in plans if p.error is None and p.recovery is None]
    ids_ = _choose_ids(prep, deploy)
    deploy = [p for p in deploy if p.error is None]
    by_tag = {p.original["id"]: p for p in deploy}
    done = prep.jobs([(p.original["id"], "deployVirtualMachine", _deploy_params(prep, p, ids_[p.original["id"]]))
                      for p in deploy], by_tag)
    for vm_id, result in done.items():
        by_tag[vm_id].recovery = result["virtualmachine"]
        by_tag[vm_id].changes.append("deployed the recovery VM (stopped, hidden, no volumes)")
    _reconcile(prep, [p for p in plans if p.error is None and p.original["id"] not in done])
    return [p for p in plans if p.error is None]


def _remove_failed(prep: PrepareRun, plans: list[VmPlan]) -> None:
    """A recovery VM whose deploy failed (CloudStack leaves it in state Error, holding its id) is expunged,
    so it is deployed again: it never had a volume or a NIC in use."""
    failed = [p for p in plans if p.recovery is not None and p.recovery.get("state") == "Error"]
    gone = prep.jobs([(p.original["id"], "destroyVirtualMachine", {"id": p.recovery_vm["id"], "expunge": True})
                      for p in failed], {p.original["id"]: p for p in failed})
    for plan in failed:
        if plan.original["id"] in gone:
            plan.changes.append(f"expunged the recovery VM {plan.recovery_vm['id']} whose deploy had failed")
            plan.recovery = None


def _choose_ids(prep: PrepareRun, plans: list[VmPlan]) -> dict[str, str]:
    """The id each recovery VM to deploy gets: derived from its owner's id at the first preparation (found
    again without reading anything); a fresh one, recorded first in the original's hidden `dr.pair`, when
    a recovery VM was deployed before (CloudStack never frees a removed VM's id)."""
    out: dict[str, str] = {}
    records = []
    for plan in plans:
        user = prep.snap.user_id(plan.original)
        if prep.snap.state(plan.original) == states.UNPREPARED:
            out[plan.original["id"]] = ids.paired_id("vm", user)
            continue
        out[plan.original["id"]] = str(uuid.uuid4())
        records.append(details.write(plan.original["id"], "UserVm", plan.original["id"],
                                     {PAIR.key(): f"{user} {out[plan.original['id']]}"}, PAIR.visible))
    prep.jobs(records, {p.original["id"]: p for p in plans})
    return out


def _deploy_params(prep: PrepareRun, plan: VmPlan, vm_id: str) -> dict:
    vm = plan.original
    params = {
        "zoneid": plan.recovery_zone, "serviceofferingid": prep.snap.recovery_offering(vm),
        "templateid": vm["templateid"], "name": vm["name"], "displayname": vm.get("displayname") or vm["name"],
        "account": vm.get("account"), "domainid": vm.get("domainid"), "startvm": False, "displayvm": False,
        "customid": vm_id,
        "iptonetworklist": [{"networkid": n.recovery_network["id"], **({"ip": n.ip} if n.ip else {})}
                            for n in plan.nics],
    }
    if vm.get("userdata"):
        params["userdata"] = vm["userdata"]
    if vm.get("keypairs"):
        params["keypairs"] = vm["keypairs"]
    groups = [g["id"] for g in vm.get("affinitygroup") or []]
    if groups:
        params["affinitygroupids"] = groups
    return params


def _reconcile(prep: PrepareRun, plans: list[VmPlan]) -> None:
    for plan in plans:
        rec, want = plan.recovery_vm, mirror.desired(prep.snap, plan)
        if rec["serviceofferingid"] != want["serviceofferingid"]:
            prep.sync(plan, "changeServiceForVirtualMachine", id=rec["id"], serviceofferingid=want["serviceofferingid"])
            plan.changes.append("changed the recovery VM's offering")
        if (rec.get("userdata") or "") != want["userdata"]:
            prep.sync(plan, "updateVirtualMachine", id=rec["id"], userdata=want["userdata"])
            plan.changes.append("updated the recovery VM's user data")
    _run_nic_requests(prep, plans, _nics_to_add)


def remove_nics(prep: PrepareRun, plans: list[VmPlan]) -> list[VmPlan]:
    """The last phase: remove the recovery NICs in networks the original left."""
    _run_nic_requests(prep, plans, _nics_to_remove)
    return [p for p in plans if p.error is None]


def _run_nic_requests(prep: PrepareRun, plans: list[VmPlan],
                      which: Callable[[PrepareRun, VmPlan], list[NicRequest]]) -> None:
    requests: list[Request[str]] = []
    by_tag: dict[str, VmPlan] = {}
    for plan in plans:
        for i, (text, command, params) in enumerate(which(prep, plan)):
            tag = f"{plan.original['id']}:{i}"
            requests.append((tag, command, params))
            by_tag[tag] = plan
            plan.changes.append(text)
    prep.jobs(requests, by_tag)


def _nics_to_add(prep: PrepareRun, plan: VmPlan) -> list[NicRequest]:
    rec = plan.recovery_vm
    have = {(n["networkid"], n.get("ipaddress")) for n in rec.get("nic", [])}
    have_nets = {net for net, _ in have}
    out = []
    for net, ip in sorted({(n.recovery_network["id"], n.ip) for n in plan.nics} - have, key=str):
        if net in have_nets and ip is None:
            continue
        params = {"virtualmachineid": rec["id"], "networkid": net, **({"ipaddress": ip} if ip else {})}
        out.append((f"added a NIC in {prep.snap.networks[net]['name']}", "addNicToVirtualMachine", params))
    return out


def _nics_to_remove(prep: PrepareRun, plan: VmPlan) -> list[NicRequest]:
    rec = plan.recovery_vm
    want_nets = {n.recovery_network["id"] for n in plan.nics}
    return [(f"removed the NIC in {nic.get('networkname')}", "removeNicFromVirtualMachine",
             {"virtualmachineid": rec["id"], "nicid": nic["id"]})
            for nic in sorted(rec.get("nic", []), key=lambda n: n["id"]) if nic["networkid"] not in want_nets]
