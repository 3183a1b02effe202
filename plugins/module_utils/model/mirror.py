# Copyright: cloudstack.dr contributors
# Apache License 2.0 (see LICENSE)
"""What a recovery VM should look like, what it looks like, and the difference (drift), as plain data.

Preparation compares, per original VM, a *desired* summary (from the original, its networks,
public IPs and rules) with the *actual* summary of its recovery VM; the difference is both the
work list of vm_prepare and the drift dr_info and the failover validation report.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .snapshot import Snapshot


class MirrorError(Exception):
    """Why one VM's recovery side cannot be planned (recorded on the VM, never raised to the batch)."""


def rule_key_firewall(rule: dict) -> tuple:
    return (rule["protocol"], str(rule.get("startport", "")), str(rule.get("endport", "")),
            ",".join(sorted((rule.get("cidrlist") or "0.0.0.0/0").split(","))))


def rule_key_forward(rule: dict) -> tuple:
    return (rule["protocol"], str(rule["publicport"]), str(rule.get("publicendport") or rule["publicport"]),
            str(rule["privateport"]), str(rule.get("privateendport") or rule["privateport"]))


def device(item: dict) -> int:
    return int(item.get("deviceid") or 0)


@dataclass
class Nic:
    """One NIC of the original and where its copy goes: the recovery network (None: to create) and IP."""

    source: dict
    target: dict | None
    ip: str | None

    @property
    def recovery_network(self) -> dict:
        """The target, which preparation's network phase gave every NIC of the VMs it let go on."""
        assert self.target is not None, f"the NIC in {self.source.get('name')} has no recovery network"
        return self.target


@dataclass
class VmPlan:
    """Everything known about one original VM during a run."""

    original: dict
    dr: dict  # the DR offering's details
    recovery_zone: str
    recovery: dict | None = None
    nics: list[Nic] = field(default_factory=list)
    ips: list[dict] = field(default_factory=list)  # the original's public IPs to mirror
    error: str | None = None
    changes: list[str] = field(default_factory=list)

    @property
    def name(self) -> str:
        return self.original["name"]

    @property
    def recovery_vm(self) -> dict:
        """The recovery VM, where there is one: every phase of preparation after the VM phase."""
        assert self.recovery is not None, f"{self.name} has no recovery VM"
        return self.recovery


def plan_vm(snap: Snapshot, vm: dict) -> VmPlan:
    """The plan of one original VM: its DR offering, recovery zone, recovery VM, NICs and public IPs."""
    dr = snap.dr_offering(vm["serviceofferingid"])
    if dr is None:
        raise MirrorError(f"service offering {vm.get('serviceofferingname')} is not DR-enabled")
    zone = snap.recovery_zone_of(vm["zoneid"])
    if not zone:
        raise MirrorError(f"zone {vm.get('zonename')} is not linked to a recovery zone")
    peer = snap.peer(vm)
    plan = VmPlan(original=vm, dr=dr, recovery_zone=zone, recovery=peer if peer and peer["zoneid"] == zone else None)
    plan.nics = [map_nic(snap, vm, nic) for nic in sorted(vm.get("nic", []), key=device)]
    plan.ips = snap.ips_of_vm(vm)
    return plan


def map_nic(snap: Snapshot, vm: dict, nic: dict) -> Nic:
    source = snap.networks.get(nic["networkid"])
    if source is None:
        raise MirrorError(f"network {nic.get('networkname')} of NIC {nic.get('deviceid')} is not visible")
    if source.get("type") == "Shared":
        target = snap.networks.get(snap.network_map(vm["zoneid"]).get(source["id"]) or "")
        if target is None:
            raise MirrorError(f"shared network {source['name']} has no mapping in the zone link of "
                              f"{vm.get('zonename')}: add it to the zone link's network_map")
    else:
        target = snap.recovery_network_for(source["id"])
    ip = nic.get("ipaddress") if target is None or target.get("cidr") == source.get("cidr") else None
    return Nic(source, target, ip)


def ip_rules(snap: Snapshot, ip: dict, vm_id: str) -> dict:
    return {
        "staticnat": bool(ip.get("isstaticnat") and ip.get("virtualmachineid") == vm_id),
        "firewall": sorted(rule_key_firewall(r) for r in snap.firewall.get(ip["id"], [])),
        "portforward": sorted(rule_key_forward(r) for r in snap.portforward.get(ip["id"], [])
                              if r.get("virtualmachineid") == vm_id),
    }


def desired(snap: Snapshot, plan: VmPlan) -> dict:
    vm = plan.original
    return {
        "zone": plan.recovery_zone,
        "serviceofferingid": snap.recovery_offering(vm),
        "templateid": vm.get("templateid"),
        "userdata": vm.get("userdata") or "",
        "nics": [{"network": n.target["id"] if n.target else f"(new copy of {n.source['name']})", "ip": n.ip}
                 for n in plan.nics],
        "public_ips": {ip["ipaddress"]: ip_rules(snap, ip, vm["id"]) for ip in plan.ips},
    }


def actual(snap: Snapshot, plan: VmPlan) -> dict:
    rec = plan.recovery
    if rec is None:
        return {}
    public = {}
    for ip in plan.ips:
        target = snap.recovery_ip_of(ip)
        if target is not None:
            public[ip["ipaddress"]] = ip_rules(snap, target, rec["id"])
    for source, target in surplus_ips(snap, plan):
        public[source["ipaddress"] if source else target["ipaddress"]] = ip_rules(snap, target, rec["id"])
    return {
        "zone": rec["zoneid"],
        "serviceofferingid": rec["serviceofferingid"],
        "templateid": rec.get("templateid"),
        "userdata": rec.get("userdata") or "",
        "nics": [{"network": nic["networkid"], "ip": nic.get("ipaddress")}
                 for nic in sorted(rec.get("nic", []), key=device)],
        "public_ips": public,
    }


def surplus_ips(snap: Snapshot, plan: VmPlan) -> list[tuple[dict | None, dict]]:
    """(source IP or None, recovery IP) pointing at the recovery VM for a public IP that no longer points at
    the original (its rules go, and the IP too unless it is the network's source NAT IP)."""
    if plan.recovery is None:
        return []
    wanted = {(snap.recovery_ip_of(ip) or {}).get("id") for ip in plan.ips}
    out = []
    for target in snap.ips_of_vm(plan.recovery):
        if target["id"] not in wanted:
            out.append((snap.source_of_recovery_ip(target), target))
    return out


def describe(before: dict, after: dict) -> list[str]:
    """Human-readable differences between two summaries: what check mode would do, what drifted."""
    if not before:
        return ["deploy the recovery VM (stopped, hidden, no volumes)"]
    out = [f"{key}: {before.get(key)} -> {after[key]}" for key in ("zone", "serviceofferingid", "templateid")
           if before.get(key) != after[key]]
    if before.get("userdata") != after["userdata"]:
        out.append("user data changed")
    have = {(n["network"], n["ip"]) for n in before.get("nics", [])}
    want = {(n["network"], n["ip"]) for n in after["nics"]}
    out += [f"NIC in network {net} ({ip or 'any IP'}) to add" for net, ip in sorted(want - have, key=str)]
    out += [f"NIC in network {net} ({ip}) to remove" for net, ip in sorted(have - want, key=str)]
    for ip in sorted(set(before.get("public_ips", {})) | set(after["public_ips"])):
        out += _describe_ip(ip, before.get("public_ips", {}).get(ip), after["public_ips"].get(ip))
    return out


def _describe_ip(ip: str, have: dict | None, want: dict | None) -> list[str]:
    if have is None:
        return [f"public IP {ip}: reserve a recovery IP with its rules"]
    if want is None:
        return [f"public IP {ip}: release its recovery IP"]
    out = [f"public IP {ip}: static NAT {'on' if want['staticnat'] else 'off'}"] \
        if have["staticnat"] != want["staticnat"] else []
    for kind in ("firewall", "portforward"):
        wanted, present = set(want[kind]), set(have[kind])
        out += [f"public IP {ip}: {kind} rule {'/'.join(r)} to add" for r in sorted(wanted - present)]
        out += [f"public IP {ip}: {kind} rule {'/'.join(r)} to remove" for r in sorted(present - wanted)]
    return out


def drift(snap: Snapshot, vm: dict) -> list[str]:
    """What preparation would change on an original's recovery VM ([] when it mirrors the original);
    MirrorError when the VM cannot be prepared at all."""
    plan = plan_vm(snap, vm)
    if not snap.template_in_zone(vm.get("templateid"), plan.recovery_zone):
        raise MirrorError(f"template {vm.get('templatename')} is not available in the recovery zone")
    before, after = actual(snap, plan), desired(snap, plan)
    return [] if before == after else describe(before, after)
