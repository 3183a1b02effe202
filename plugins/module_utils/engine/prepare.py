# Copyright: cloudstack.dr contributors
# Apache License 2.0 (see LICENSE)
"""Preparation: give every VM of a DR offering a metadata-only recovery VM, and keep it in sync.

The engine compares, per VM, a *desired* summary (computed from the original VM, its networks,
public IPs and rules) with the *actual* summary of its recovery VM; the difference is both the
module's diff and the work list. Work runs phase by phase over the whole batch (networks, VMs,
NICs, IPs, rules, details) so each phase's async jobs are submitted together and waited on
together. A VM that fails a phase leaves the batch with a reason; the others go on.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field

from ..client import batch
from ..client.api import CloudStackError
from ..config.resources import check_caller
from ..errors import InputError
from ..model.snapshot import Snapshot, decode

STATE_PREPARED = "Prepared"
STATE_FAILED = "PrepareFailed"
# While a VM runs on its recovery VM, the pair is not re-prepared: the recovery VM is in use.
MOVED_STATES = ("FailingOver", "FailedOver", "FailingBack")
ALERT_TYPE = 27  # a free alert type number for DR alerts (CloudStack's own stop below 27)


class PrepareError(Exception):
    """Why one VM cannot be prepared; recorded on the VM, never raised to the batch."""


def rule_key_firewall(rule):
    return (rule["protocol"], str(rule.get("startport", "")), str(rule.get("endport", "")),
            ",".join(sorted((rule.get("cidrlist") or "0.0.0.0/0").split(","))))


def rule_key_forward(rule):
    return (rule["protocol"], str(rule["publicport"]), str(rule.get("publicendport") or rule["publicport"]),
            str(rule["privateport"]), str(rule.get("privateendport") or rule["privateport"]))


@dataclass
class VmPlan:
    """Everything known about one original VM during a run."""

    original: dict
    dr: dict  # the DR offering's details
    recovery_zone: str
    recovery: dict | None = None
    nics: list = field(default_factory=list)  # [(source network, recovery network or None, ip)]
    ips: list = field(default_factory=list)  # source public IPs to mirror
    error: str | None = None
    changes: list = field(default_factory=list)
    ip_ids: dict | None = None  # {source public IP address: recovery IP id}, once read or made

    @property
    def name(self):
        return self.original["name"]


class Preparer:
    def __init__(self, api, snapshot, check_mode=False):
        self.api = api
        self.snap = snapshot
        self.check_mode = check_mode

    # -- planning ------------------------------------------------------------------------------
    def plan(self, vm):
        snap = self.snap
        dr = snap.dr_offering(vm["serviceofferingid"])
        if dr is None:
            raise PrepareError(f"service offering {vm.get('serviceofferingname')} is not DR-enabled")
        zone = snap.recovery_zone_of(vm["zoneid"])
        if not zone:
            raise PrepareError(f"zone {vm.get('zonename')} is not linked to a recovery zone")
        plan = VmPlan(original=vm, dr=dr, recovery_zone=zone)
        peer = snap.peer(vm)
        plan.recovery = peer if peer and peer.get("zoneid") == zone else self._adoptable(vm, zone)
        plan.nics = [self._map_nic(vm, nic, zone) for nic in sorted(vm.get("nic", []), key=_device)]
        plan.ips = snap.ips_of_vm(vm)
        return plan

    def _adoptable(self, vm, zone):
        """A recovery VM deployed by an interrupted run, not yet linked: same account, name, zone."""
        for other in self.snap.vms.values():
            if (other["zoneid"] == zone and other["name"] == vm["name"] and other.get("account") == vm.get("account")
                    and other.get("domainid") == vm.get("domainid") and not self.snap.details(other["id"]).get("dr.role")):
                return other
        return None

    def _map_nic(self, vm, nic, zone):
        source = self.snap.networks.get(nic["networkid"])
        if source is None:
            raise PrepareError(f"network {nic.get('networkname')} of NIC {nic.get('deviceid')} is not visible")
        if source.get("type") == "Shared":
            target_id = self.snap.network_map(vm["zoneid"]).get(source["id"])
            target = self.snap.networks.get(target_id)
            if target is None:
                raise PrepareError(
                    f"shared network {source['name']} has no mapping in the zone link of {vm.get('zonename')}: "
                    "add it to the zone link's network_map")
        else:
            target = self.snap.recovery_network_for(source["id"])
        ip = nic.get("ipaddress") if target is None or target.get("cidr") == source.get("cidr") else None
        return source, target, ip

    # -- summaries: the diff and the work list -------------------------------------------------
    def desired(self, plan):
        vm, dr = plan.original, plan.dr
        return {
            "zone": plan.recovery_zone,
            "serviceofferingid": dr.get("dr.recovery_offering") or vm["serviceofferingid"],
            "templateid": vm.get("templateid"),
            "userdata": vm.get("userdata") or "",
            "nics": [{"network": _net_ref(source, target), "ip": ip} for source, target, ip in plan.nics],
            "public_ips": {ip["ipaddress"]: self._ip_rules(ip, vm["id"]) for ip in plan.ips},
        }

    def actual(self, plan):
        rec = plan.recovery
        if rec is None:
            return {}
        mirrored = decode(self.snap.details(plan.original["id"]).get("dr.recovery_ip_ids"), {})
        return {
            "zone": rec["zoneid"],
            "serviceofferingid": rec["serviceofferingid"],
            "templateid": rec.get("templateid"),
            "userdata": rec.get("userdata") or "",
            "nics": [{"network": nic["networkid"], "ip": nic.get("ipaddress")}
                     for nic in sorted(rec.get("nic", []), key=_device)],
            "public_ips": {src: self._ip_rules(self.snap.ips[rid], rec["id"])
                           for src, rid in mirrored.items() if rid in self.snap.ips},
        }

    def _ip_rules(self, ip, vm_id):
        return {
            "staticnat": bool(ip.get("isstaticnat") and ip.get("virtualmachineid") == vm_id),
            "firewall": sorted(rule_key_firewall(r) for r in self.snap.firewall.get(ip["id"], [])),
            "portforward": sorted(rule_key_forward(r) for r in self.snap.portforward.get(ip["id"], [])
                                  if r.get("virtualmachineid") == vm_id),
        }


def _nat_holder(ip):
    """("vpcid", id) or ("networkid", id): what a source NAT IP serves, keyed as _source_nat_key keys it."""
    return ("vpcid", ip["vpcid"]) if ip.get("vpcid") else ("networkid", ip.get("associatednetworkid"))


def _device(nic):
    return int(nic.get("deviceid") or 0)


def _net_ref(source, target):
    return target["id"] if target else f"(new copy of {source['name']})"


def new_pair_id():
    return str(uuid.uuid4())


def dump(value):
    return json.dumps(value, sort_keys=True, separators=(",", ":"))


class PrepareRun(Preparer):
    """Plans and applies preparation for a batch of original VMs."""

    def __init__(self, api, snapshot, check_mode=False):
        super().__init__(api, snapshot, check_mode)
        self.results = {}
        self.unplanned = []  # VMs that failed before a plan could be made

    def run(self, vms):
        plans = []
        for vm in vms:
            if self._moved(vm):
                continue
            try:
                plans.append(self.plan(vm))
            except PrepareError as exc:
                failed = VmPlan(original=vm, dr={}, recovery_zone="")
                self._fail(failed, str(exc))
                self.unplanned.append(failed)
        live = [p for p in plans if not self._check_template(p)]
        before = {p.original["id"]: self.actual(p) for p in live}
        if not self.check_mode:
            self._phase_networks(live)
            live = self._phase_vms(live)
            live = self._phase_ips(live)
            live = self._phase_rules(live)
        for plan in live:
            self._finish(plan, before[plan.original["id"]])
        writes = self._record(plans + self.unplanned)
        if not self.check_mode:
            batch.run(self.api, writes)
        return [self.results[vm["id"]] for vm in vms]

    def _moved(self, vm):
        """Record a VM that is failed over (or moving) as skipped; True when it is."""
        details = self.snap.details(vm["id"])
        state = details.get("dr.state")
        if state not in MOVED_STATES and not details.get("dr.move"):
            return False
        peer = self.snap.peer(vm) or {}
        self.results[vm["id"]] = {
            "id": vm["id"], "name": vm["name"], "state": state, "changed": False, "error": None,
            "changes": [f"skipped: the VM is {state}; it is prepared again by its failback"],
            "recovery_vm": peer.get("id")}
        return True

    def _check_template(self, plan):
        if not self.snap.template_in_zone(plan.original.get("templateid"), plan.recovery_zone):
            self._fail(plan, f"template {plan.original.get('templatename')} is not available in the recovery zone")
            return True
        return False

    # -- results -------------------------------------------------------------------------------
    def _fail(self, plan, reason):
        plan.error = reason
        self.results[plan.original["id"]] = {
            "id": plan.original["id"], "name": plan.name, "state": STATE_FAILED, "changed": not self.check_mode,
            "error": reason, "changes": plan.changes, "recovery_vm": (plan.recovery or {}).get("id"),
        }

    def _finish(self, plan, before):
        after = self.desired(plan)
        changed = before != after or bool(plan.changes)
        self.results[plan.original["id"]] = {
            "id": plan.original["id"], "name": plan.name, "state": STATE_PREPARED, "changed": changed,
            "error": None, "changes": plan.changes or _describe(before, after),
            "recovery_vm": (plan.recovery or {}).get("id"), "diff": {"before": before, "after": after},
        }

    def _jobs(self, requests, plans_by_tag):
        """Run async requests together; a failed request fails its VM. Returns {tag: result}."""
        outcomes = batch.run(self.api, requests)
        ok = {}
        for tag, outcome in outcomes.items():
            if outcome.ok:
                ok[tag] = outcome.result
            else:
                plan = plans_by_tag[tag]
                if plan.error is None:
                    self._fail(plan, outcome.error)
        return ok

    # -- phase 1: recovery networks and VPCs ---------------------------------------------------
    def _phase_networks(self, plans):
        missing = {}
        for plan in plans:
            for source, target, _ in plan.nics:
                if target is None:
                    missing.setdefault(source["id"], (source, []))[1].append(plan)
        vpcs = self._ensure_vpcs(missing)
        created = []
        for source, users in missing.values():
            try:
                network = self._create_network(source, users[0], vpcs)
            except (CloudStackError, PrepareError) as exc:  # one network's failure fails only its VMs
                for plan in users:
                    self._fail(plan, f"cannot create recovery network for {source['name']}: {exc}")
                continue
            created.append((source, network))
            for plan in users:
                plan.changes.append(f"created recovery network {network['name']} ({network.get('cidr')})")
        # Every new network's link to its source, in one batch of jobs.
        batch.run(self.api, [(network["id"], "addResourceDetail", {
            "resourcetype": "Network", "resourceid": network["id"], "details": {"dr.source_network": source["id"]},
            "fordisplay": False}) for source, network in created])
        for plan in plans:
            plan.nics = [(s, t or self.snap.recovery_network_for(s["id"]), ip) for s, t, ip in plan.nics]
        self._mirror_egress(plans)

    def _ensure_vpcs(self, missing):
        wanted = {s["vpcid"]: (s, users[0]) for s, users in missing.values() if s.get("vpcid")}
        todo = {vid: pair for vid, pair in wanted.items() if self.snap.recovery_vpc_for(vid) is None}
        requests = []
        for vpc_id, (_, plan) in todo.items():
            vpc = self.snap.vpcs[vpc_id]
            requests.append((vpc_id, "createVPC", {
                "name": vpc["name"], "displaytext": vpc.get("displaytext") or vpc["name"], "cidr": vpc["cidr"],
                "vpcofferingid": vpc["vpcofferingid"], "zoneid": plan.recovery_zone, "start": False,
                "account": vpc.get("account"), "domainid": vpc.get("domainid")}))
        created = batch.run(self.api, requests)
        details = [(vid, "addResourceDetail", {"resourcetype": "Vpc", "resourceid": o.result["vpc"]["id"],
                                               "details": {"dr.source_vpc": vid}, "fordisplay": False})
                   for vid, o in created.items() if o.ok]
        batch.run(self.api, details)
        if created:
            self.snap.refresh_network()
        return {vid: self.snap.recovery_vpc_for(vid) for vid in wanted}

    def _create_network(self, source, plan, vpcs):
        params = {
            "name": source["name"], "displaytext": source.get("displaytext") or source["name"],
            "networkofferingid": source["networkofferingid"], "zoneid": plan.recovery_zone,
            "gateway": source.get("gateway"), "netmask": source.get("netmask"),
            "account": source.get("account"), "domainid": source.get("domainid"),
        }
        if source.get("vpcid"):
            vpc = vpcs.get(source["vpcid"])
            if vpc is None:
                raise PrepareError(f"the recovery VPC for {source.get('vpcname') or source['vpcid']} is missing")
            params["vpcid"] = vpc["id"]
        network = self.api.call("createNetwork", **params)["network"]
        self.snap.networks[network["id"]] = network
        self.snap.network_details.setdefault(network["id"], {})["dr.source_network"] = source["id"]
        return network

    def _mirror_egress(self, plans):
        pairs = {}
        for plan in plans:
            for source, target, _ in plan.nics:
                if target is not None and source.get("type") != "Shared" and not source.get("vpcid"):
                    pairs[target["id"]] = (source, target, plan)
        requests, tags = [], {}
        for target_id, (source, _, plan) in pairs.items():
            want = {rule_key_firewall(r): r for r in self.snap.egress.get(source["id"], [])}
            have = {rule_key_firewall(r): r for r in self.snap.egress.get(target_id, [])}
            for key in want.keys() - have.keys():
                rule = want[key]
                tag = f"egress:{target_id}:{key}"
                requests.append((tag, "createEgressFirewallRule", {
                    "networkid": target_id, "protocol": rule["protocol"], "startport": rule.get("startport"),
                    "endport": rule.get("endport"), "cidrlist": rule.get("cidrlist")}))
                tags[tag] = plan
                plan.changes.append(f"egress rule {'/'.join(key)} on {source['name']}")
            for key in have.keys() - want.keys():
                tag = f"noegress:{have[key]['id']}"
                requests.append((tag, "deleteEgressFirewallRule", {"id": have[key]["id"]}))
                tags[tag] = plan
                plan.changes.append(f"removed egress rule {'/'.join(key)} from {source['name']}")
        self._jobs(requests, tags)

    # -- phase 2: the recovery VMs themselves --------------------------------------------------
    def _phase_vms(self, plans):
        plans = [p for p in plans if p.error is None]
        self._ensure_pair_ids(plans)
        deploy = [p for p in plans if p.recovery is None]
        by_tag = {p.original["id"]: p for p in deploy}
        done = self._jobs([(p.original["id"], "deployVirtualMachine", self._deploy_params(p)) for p in deploy], by_tag)
        for vm_id, result in done.items():
            by_tag[vm_id].recovery = result["virtualmachine"]
            by_tag[vm_id].changes.append("deployed the recovery VM (stopped, hidden, no volumes)")
        self._reconcile_vms([p for p in plans if p.error is None and p.original["id"] not in done])
        return [p for p in plans if p.error is None]

    def _ensure_pair_ids(self, plans):
        """Write the pair id on the original before deploying, so an interrupted run can adopt its VM."""
        requests, by_tag = [], {}
        for plan in plans:
            details = self.snap.details(plan.original["id"])
            if not details.get("dr.pair"):
                pair = new_pair_id()
                details = self.snap.vm_details.setdefault(plan.original["id"], {})
                details.update({"dr.pair": pair, "dr.role": "original"})
                requests.append((plan.original["id"], "addResourceDetail", {
                    "resourcetype": "UserVm", "resourceid": plan.original["id"], "fordisplay": False,
                    "details": {"dr.pair": pair, "dr.role": "original"}}))
                by_tag[plan.original["id"]] = plan
        self._jobs(requests, by_tag)

    def _deploy_params(self, plan):
        vm, want = plan.original, self.desired(plan)
        params = {
            "zoneid": plan.recovery_zone, "serviceofferingid": want["serviceofferingid"],
            "templateid": vm["templateid"], "name": vm["name"], "displayname": vm.get("displayname") or vm["name"],
            "account": vm.get("account"), "domainid": vm.get("domainid"), "startvm": False, "displayvm": False,
            "iptonetworklist": [{"networkid": target["id"], **({"ip": ip} if ip else {})}
                                for _, target, ip in plan.nics],
        }
        if vm.get("userdata"):
            params["userdata"] = vm["userdata"]
        if vm.get("keypairs"):
            params["keypairs"] = vm["keypairs"]
        groups = [g["id"] for g in vm.get("affinitygroup") or []]
        if groups:
            params["affinitygroupids"] = groups
        return params

    def _reconcile_vms(self, plans):
        requests, by_tag = [], {}
        for plan in plans:
            rec, want = plan.recovery, self.desired(plan)
            if rec["serviceofferingid"] != want["serviceofferingid"]:
                self._sync(plan, "changeServiceForVirtualMachine", id=rec["id"],
                           serviceofferingid=want["serviceofferingid"])
                plan.changes.append("changed the recovery VM's offering")
            if (rec.get("userdata") or "") != want["userdata"]:
                self._sync(plan, "updateVirtualMachine", id=rec["id"], userdata=want["userdata"])
                plan.changes.append("updated the recovery VM's user data")
            for i, (tag, command, params) in enumerate(self._nic_requests(plan)):
                requests.append((f"{plan.original['id']}:{i}", command, params))
                by_tag[f"{plan.original['id']}:{i}"] = plan
                plan.changes.append(tag)
        self._jobs(requests, by_tag)

    def _nic_requests(self, plan):
        rec = plan.recovery
        have = {(n["networkid"], n.get("ipaddress")): n for n in rec.get("nic", [])}
        want = {(t["id"], ip) for _, t, ip in plan.nics}
        have_nets = {net for net, _ in have}
        out = []
        for net, ip in sorted(want - set(have)):
            if net in have_nets and ip is None:
                continue
            params = {"virtualmachineid": rec["id"], "networkid": net}
            if ip:
                params["ipaddress"] = ip
            out.append((f"added a NIC in {self.snap.networks[net]['name']}", "addNicToVirtualMachine", params))
        for (net, ip), nic in sorted(have.items()):
            if net not in {n for n, _ in want}:
                out.append((f"removed the NIC in {nic.get('networkname')}", "removeNicFromVirtualMachine",
                            {"virtualmachineid": rec["id"], "nicid": nic["id"]}))
        return out

    def _sync(self, plan, command, **params):
        try:
            self.api.call(command, **params)
        except CloudStackError as exc:  # the VM fails, the batch goes on
            self._fail(plan, f"{command}: {exc}")

    # -- phase 3: public IPs reserved in the recovery networks ---------------------------------
    def _phase_ips(self, plans):
        nats = self._reserve_source_nat(plans)
        requests, by_tag = [], {}
        for plan in plans:
            mirrored = self._mirrored(plan)
            for ip in plan.ips:
                if ip["ipaddress"] in mirrored:
                    continue
                params = self._ip_target(plan, ip)
                if params is None:
                    self._fail(plan, f"no recovery network for public IP {ip['ipaddress']}")
                    break
                if ip.get("issourcenat"):  # its rules go to the recovery network's own source NAT IP
                    nat = nats.get(next(iter(params.items())))
                    if nat is None:
                        self._fail(plan, f"the recovery network for {ip['ipaddress']} has no source NAT IP")
                        break
                    mirrored[ip["ipaddress"]] = nat["id"]
                    continue
                tag = f"{plan.original['id']}|{ip['ipaddress']}"
                requests.append((tag, "associateIpAddress", dict(params, account=ip.get("account"),
                                                                 domainid=ip.get("domainid"))))
                by_tag[tag] = plan
        for tag, result in self._jobs(requests, by_tag).items():
            plan, source_ip = by_tag[tag], tag.split("|", 1)[1]
            ip = result["ipaddress"]
            self.snap.ips[ip["id"]] = ip
            self._mirrored(plan)[source_ip] = ip["id"]
            plan.changes.append(f"reserved recovery public IP {ip['ipaddress']} for {source_ip}")
        self._release_surplus(plans)
        return [p for p in plans if p.error is None]

    def _reserve_source_nat(self, plans):
        """Each isolated recovery network and VPC gets its source NAT IP before any mirrored IP.

        CloudStack makes the first IP associated with a network or VPC that has none its source NAT
        IP (no static NAT on it), and implementing the network at the first start takes one: reserved
        here, the recovery zone's addresses are all known before a failover and a mirrored IP is
        never turned into a source NAT IP. Returns the source NAT IPs by _nat_holder.
        """
        nats = {_nat_holder(ip): ip for ip in self.snap.ips.values() if ip.get("issourcenat")}
        requests, by_tag = [], {}
        for plan in plans:
            for source, target, _ in plan.nics:
                key = self._source_nat_key(source, target)
                tag = f"{key[0]}={key[1]}" if key else None
                if key is None or key in nats or tag in by_tag:
                    continue
                owner = self.snap.vpcs[key[1]] if key[0] == "vpcid" else target
                requests.append((tag, "associateIpAddress", {
                    key[0]: key[1], "account": owner.get("account"), "domainid": owner.get("domainid")}))
                by_tag[tag] = plan
                plan.changes.append(f"reserved the source NAT IP of recovery {owner['name']}")
        for result in self._jobs(requests, by_tag).values():
            ip = result["ipaddress"]
            self.snap.ips[ip["id"]] = ip
            nats[_nat_holder(ip)] = ip
        return nats

    def _source_nat_key(self, source, target):
        """("networkid" | "vpcid", id) of the recovery network or VPC that has a source NAT IP of its own."""
        if target is None or source.get("type") == "Shared":
            return None
        holder, key = (self.snap.vpcs.get(target["vpcid"]), "vpcid") if target.get("vpcid") else (target, "networkid")
        services = {s.get("name") for s in (holder or {}).get("service", [])}
        return (key, holder["id"]) if "SourceNat" in services else None

    def _mirrored(self, plan):
        """{source public IP address: recovery IP id}: what is stored, then what this run reserved."""
        if plan.ip_ids is None:
            stored = decode(self.snap.details(plan.original["id"]).get("dr.recovery_ip_ids"), {})
            plan.ip_ids = {src: rid for src, rid in stored.items() if rid in self.snap.ips}
        return plan.ip_ids

    def _ip_target(self, plan, ip):
        if ip.get("vpcid"):
            vpc = self.snap.recovery_vpc_for(ip["vpcid"])
            return {"vpcid": vpc["id"]} if vpc else None
        for source, target, _ in plan.nics:
            if source["id"] == ip.get("associatednetworkid") and target is not None:
                return {"networkid": target["id"]}
        return None

    def _release_surplus(self, plans):
        requests, by_tag = [], {}
        for plan in plans:
            wanted = {ip["ipaddress"] for ip in plan.ips}
            for source_ip in sorted(set(self._mirrored(plan)) - wanted):
                rid = self._mirrored(plan).pop(source_ip)
                if self.snap.ips.get(rid, {}).get("issourcenat"):  # the network keeps it: only this VM's rules go
                    for rule in self.snap.portforward.get(rid, []):
                        if rule.get("virtualmachineid") == plan.recovery["id"]:
                            requests.append((rule["id"], "deletePortForwardingRule", {"id": rule["id"]}))
                            by_tag[rule["id"]] = plan
                    plan.changes.append(f"removed the port forwarding of {source_ip} from the recovery source NAT IP")
                else:
                    requests.append((rid, "disassociateIpAddress", {"id": rid}))
                    by_tag[rid] = plan
                    plan.changes.append(f"released the recovery IP of {source_ip}")
        self._jobs(requests, by_tag)

    # -- phase 4: static NAT, firewall and port-forwarding rules -------------------------------
    def _phase_rules(self, plans):
        requests, by_tag = [], {}
        for plan in plans:
            for ip in plan.ips:
                rid = self._mirrored(plan).get(ip["ipaddress"])
                if rid is None:
                    continue
                for text, command, params in self._rule_requests(plan, ip, self.snap.ips[rid]):
                    if command == "enableStaticNat":
                        self._sync(plan, command, **params)
                    else:
                        # A source NAT IP serves several VMs: its firewall rules are asked for once.
                        tag = f"{command}:{dump(params)}"
                        if tag in by_tag:
                            continue
                        requests.append((tag, command, params))
                        by_tag[tag] = plan
                    plan.changes.append(text)
        self._jobs(requests, by_tag)
        return [p for p in plans if p.error is None]

    def _rule_requests(self, plan, source, target):
        rec_id = plan.recovery["id"]
        out = []
        want_nat = bool(source.get("isstaticnat") and source.get("virtualmachineid") == plan.original["id"])
        if want_nat and not (target.get("isstaticnat") and target.get("virtualmachineid") == rec_id):
            out.append((f"static NAT {target['ipaddress']} -> recovery VM", "enableStaticNat",
                        {"ipaddressid": target["id"], "virtualmachineid": rec_id}))
        elif not want_nat and target.get("isstaticnat"):
            out.append((f"static NAT removed from {target['ipaddress']}", "disableStaticNat",
                        {"ipaddressid": target["id"]}))
        out += self._diff_rules(source, target, self.snap.firewall, rule_key_firewall, "firewall",
                                lambda r: {"ipaddressid": target["id"], "protocol": r["protocol"],
                                           "startport": r.get("startport"), "endport": r.get("endport"),
                                           "cidrlist": r.get("cidrlist")})
        out += self._diff_rules(source, target, self.snap.portforward, rule_key_forward, "port forwarding",
                                lambda r: self._forward_params(plan, r, target),
                                only=lambda r, vm: r.get("virtualmachineid") == vm,
                                vms=(plan.original["id"], rec_id))
        return out

    def _forward_params(self, plan, rule, target):
        params = {"ipaddressid": target["id"], "protocol": rule["protocol"], "publicport": rule["publicport"],
                  "publicendport": rule.get("publicendport"), "privateport": rule["privateport"],
                  "privateendport": rule.get("privateendport"), "virtualmachineid": plan.recovery["id"],
                  "openfirewall": False}
        for source, net, _ in plan.nics:
            if source["id"] == rule.get("networkid") and net is not None:
                params["networkid"] = net["id"]
        return params

    @staticmethod
    def _diff_rules(source, target, rules, key, label, make, only=None, vms=(None, None)):
        want = {key(r): r for r in rules.get(source["id"], []) if only is None or only(r, vms[0])}
        have = {key(r): r for r in rules.get(target["id"], []) if only is None or only(r, vms[1])}
        out = []
        command = "createFirewallRule" if label == "firewall" else "createPortForwardingRule"
        delete = "deleteFirewallRule" if label == "firewall" else "deletePortForwardingRule"
        for k in sorted(want.keys() - have.keys()):
            out.append((f"{label} rule {'/'.join(k)} on {target['ipaddress']}", command, make(want[k])))
        for k in sorted(have.keys() - want.keys()):
            out.append((f"{label} rule {'/'.join(k)} removed from {target['ipaddress']}", delete,
                        {"id": have[k]["id"]}))
        return out

    # -- phase 5: DR details and alerts --------------------------------------------------------
    def _record(self, plans):
        """The detail writes and alerts that record each VM's DR state; a VM they touch is changed."""
        requests = []
        for plan in plans:
            vm_id, result = plan.original["id"], self.results[plan.original["id"]]
            stored = self.snap.details(vm_id)
            for visible, wanted in ((True, self._visible_details(plan, result)), (False, self._hidden_details(plan))):
                if any(stored.get(k) != v for k, v in wanted.items()):
                    result["changed"] = True
                    requests.append((f"{visible}:{vm_id}", "addResourceDetail", {
                        "resourcetype": "UserVm", "resourceid": vm_id, "details": wanted, "fordisplay": visible}))
            if plan.recovery and self.snap.details(plan.recovery["id"]).get("dr.role") != "recovery":
                requests.append((f"rec:{vm_id}", "addResourceDetail", {
                    "resourcetype": "UserVm", "resourceid": plan.recovery["id"], "fordisplay": False,
                    "details": {"dr.pair": stored.get("dr.pair"), "dr.role": "recovery", "dr.original_vm": vm_id}}))
            if result["error"]:
                requests.append((f"alert:{vm_id}", "generateAlert", {
                    "type": ALERT_TYPE, "name": "DR.PREPARE.FAILED", "zoneid": plan.original.get("zoneid"),
                    "description": f"DR preparation of VM {plan.name} ({vm_id}) failed: {result['error']}"}))
        return requests

    def _visible_details(self, plan, result):
        zone = self.snap.zones.get(plan.recovery_zone, {})
        ips = {src: self.snap.ips[rid]["ipaddress"] for src, rid in self._mirrored(plan).items() if rid in self.snap.ips}
        return {
            "dr.state": result["state"], "dr.recovery_zone": zone.get("name", ""),
            "dr.recovery_public_ips": dump(ips), "dr.tier": plan.dr.get("dr.tier", ""),
            "dr.rto": plan.dr.get("dr.rto", ""), "dr.alert": result["error"] or "",
        }

    def _hidden_details(self, plan):
        vm_id = plan.original["id"]
        out = {"dr.recovery_vm": (plan.recovery or {}).get("id", ""),
               "dr.user_id": self.snap.details(vm_id).get("dr.user_id") or vm_id}  # the id the owner knows
        out["dr.recovery_ip_ids"] = dump(self._mirrored(plan))
        return out


def _describe(before, after):
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


def _describe_ip(ip, have, want):
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


def prepare_vms(api, names=None, zone=None, account=None, domain=None, batch_size=500, check_mode=False):
    """The vm_prepare module's work: select, then prepare in bounded batches; the module's result."""
    check_caller(api, "the DR details of VMs")
    if batch_size < 1:
        raise InputError("batch_size", f"must be at least 1, not {batch_size}", "Give a positive number of VMs")
    snap = Snapshot(api)
    vms = snap.originals(names, zone, account, domain)
    results = []
    for start in range(0, len(vms), batch_size):
        results += PrepareRun(api, snap, check_mode=check_mode).run(vms[start:start + batch_size])
    return {
        "changed": any(r["changed"] for r in results),
        "vms": [{k: v for k, v in r.items() if k != "diff"} for r in results],
        "summary": {
            "selected": len(results),
            "prepared": sum(r["error"] is None for r in results),
            "failed": sum(r["error"] is not None for r in results),
            "changed": sum(r["changed"] for r in results),
        },
        "diff": {
            "before": {r["name"]: r.get("diff", {}).get("before", {}) for r in results},
            "after": {r["name"]: r.get("diff", {}).get("after", {}) for r in results},
        },
    }
