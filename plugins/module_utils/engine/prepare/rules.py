# Copyright: cloudstack.dr contributors
# Apache License 2.0 (see LICENSE)
"""Prepare, phase 4: static NAT, firewall and port-forwarding rules on the recovery IPs.

Each recovery IP gets the rules of the public IP it mirrors, pointed at the recovery VM, and
loses those the public IP no longer has. Rules are created hidden from the owner (`fordisplay=false`).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import TYPE_CHECKING

from ...model.mirror import VmPlan, rule_key_firewall, rule_key_forward

if TYPE_CHECKING:  # run.py runs the phases and imports them
    from .run import PrepareRun


def run(prep: PrepareRun, plans: list[VmPlan]) -> list[VmPlan]:
    requests, by_tag = [], {}
    for plan in plans:
        for ip in plan.ips:
            target = prep.snap.recovery_ip_of(ip)
            if target is None:
                continue
            for text, command, params in _requests(prep, plan, ip, target):
                if command == "enableStaticNat":
                    prep.sync(plan, command, **params)
                else:
                    # A source NAT IP serves several VMs: its firewall rules are asked for once.
                    tag = f"{command}:{json.dumps(params, sort_keys=True)}"
                    if tag in by_tag:
                        continue
                    requests.append((tag, command, params))
                    by_tag[tag] = plan
                plan.changes.append(text)
    prep.jobs(requests, by_tag)
    return [p for p in plans if p.error is None]


def _requests(prep: PrepareRun, plan: VmPlan, source: dict, target: dict) -> list[tuple[str, str, dict]]:
    snap, rec_id = prep.snap, plan.recovery_vm["id"]
    out = []
    want_nat = bool(source.get("isstaticnat") and source.get("virtualmachineid") == plan.original["id"])
    if want_nat and not (target.get("isstaticnat") and target.get("virtualmachineid") == rec_id):
        params = {"ipaddressid": target["id"], "virtualmachineid": rec_id}
        if target.get("vpcid") and not target.get("associatednetworkid"):
            # A VPC IP joins a tier with its static NAT, and CloudStack needs the tier named
            # (EnableStaticNatCmd.getNetworkId): the recovery tier of the original's.
            tier = snap.recovery_network_for(source.get("associatednetworkid") or "")
            params["networkid"] = (tier or {}).get("id")
        out.append((f"static NAT {target['ipaddress']} -> recovery VM", "enableStaticNat", params))
    elif not want_nat and target.get("isstaticnat") and target.get("virtualmachineid") == rec_id:
        out.append((f"static NAT removed from {target['ipaddress']}", "disableStaticNat",
                    {"ipaddressid": target["id"]}))
    out += _diff("firewall", snap.firewall.get(source["id"], []), snap.firewall.get(target["id"], []),
                 rule_key_firewall, target, lambda r: {
                     "ipaddressid": target["id"], "protocol": r["protocol"], "startport": r.get("startport"),
                     "endport": r.get("endport"), "cidrlist": r.get("cidrlist"), "fordisplay": False})
    mine = [r for r in snap.portforward.get(source["id"], []) if r.get("virtualmachineid") == plan.original["id"]]
    theirs = [r for r in snap.portforward.get(target["id"], []) if r.get("virtualmachineid") == rec_id]
    out += _diff("port forwarding", mine, theirs, rule_key_forward, target,
                 lambda r: _forward_params(plan, r, target))
    return out


def _forward_params(plan: VmPlan, rule: dict, target: dict) -> dict:
    params = {"ipaddressid": target["id"], "protocol": rule["protocol"], "publicport": rule["publicport"],
              "publicendport": rule.get("publicendport"), "privateport": rule["privateport"],
              "privateendport": rule.get("privateendport"), "virtualmachineid": plan.recovery_vm["id"],
              "openfirewall": False, "fordisplay": False}
    for nic in plan.nics:
        if nic.source["id"] == rule.get("networkid") and nic.target is not None:
            params["networkid"] = nic.target["id"]
    return params


def _diff(label: str, wanted: list[dict], present: list[dict], key: Callable[[dict], tuple], target: dict,
          make: Callable[[dict], dict]) -> list[tuple[str, str, dict]]:
    want = {key(r): r for r in wanted}
    have = {key(r): r for r in present}
    command, delete = (("createFirewallRule", "deleteFirewallRule") if label == "firewall"
                       else ("createPortForwardingRule", "deletePortForwardingRule"))
    out = [(f"{label} rule {'/'.join(k)} on {target['ipaddress']}", command, make(want[k]))
           for k in sorted(want.keys() - have.keys())]
    out += [(f"{label} rule {'/'.join(k)} removed from {target['ipaddress']}", delete, {"id": have[k]["id"]})
            for k in sorted(have.keys() - want.keys())]
    return out
