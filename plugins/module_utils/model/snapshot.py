# Copyright: cloudstack.dr contributors
# Apache License 2.0 (see LICENSE)
"""The cloud's DR state, read in a handful of bulk listings, with named accessors.

What is read, within CloudStack's rules (vocabulary.details):
- zones and service offerings with their details inline (`resourcedetails`,
  `serviceofferingdetails`: every detail for an admin);
- VMs, displayed and hidden (listVirtualMachines answers only displayed VMs unless displayvm=false
  is asked), each with its visible details inline: the tenant's copy;
- the truth, hidden: one key+value listing per DR state (`dr.status` on originals) and one for
  recovery VMs (`dr.role`); per VM only the journals of VMs in a move;
- networks with their details inline (`dr.source_network` of recovery networks), VPCs, public IPs
  and rules, displayed and hidden. Recovery VMs, IPs and VPCs are found by their derived ids
  (vocabulary.ids), so no detail is read per object.
A tenant's key sees what CloudStack shows it: its displayed VMs and their visible details.
"""

from __future__ import annotations

from ..errors import InputError
from ..vocabulary import details, ids, states
from ..vocabulary.journal import Journal, SwapJournal, load
from ..vocabulary.keys import (
    ENABLED,
    IP_MAP,
    NETWORK_MAP,
    OFFERING_ENABLED,
    OFFERING_RECOVERY,
    OFFERING_RTO,
    OFFERING_TIER,
    PAIR,
    PREFIX,
    RECOVERY_PUBLIC_IPS,
    RECOVERY_ZONE,
    ROLE,
    ROLE_RECOVERY,
    RTO,
    SOURCE_NETWORK,
    STATE,
    STATUS,
    TIER,
    shown,
)
from ..vocabulary.tiers import tier_of

GONE = ("Destroyed", "Expunging", "Expunged")


def index(items, key="id") -> dict:
    return {item[key]: item for item in items}


def group(items, key) -> dict:
    out: dict = {}
    for item in items:
        out.setdefault(item.get(key), []).append(item)
    return out


def nat_holder(ip: dict) -> tuple[str, str]:
    """("vpcid", id) or ("networkid", id): what a source NAT IP serves."""
    return ("vpcid", ip["vpcid"]) if ip.get("vpcid") else ("networkid", ip.get("associatednetworkid"))


def dr_details(obj: dict, field: str = "details") -> dict[str, str]:
    """The `dr.` details a listing answered inline for an object."""
    return {k: v for k, v in (obj.get(field) or {}).items() if k.startswith(PREFIX)}


# The display flag each listing filters on: left out, CloudStack answers only displayed objects, even to
# a root admin; passed as false (root admins only), only hidden ones.
DISPLAY_FLAGS = {"listVirtualMachines": "displayvm", "listNetworks": "displaynetwork", "listVPCs": "fordisplay",
                 "listPublicIpAddresses": "fordisplay", "listVolumes": "displayvolume",
                 "listFirewallRules": "fordisplay", "listPortForwardingRules": "fordisplay",
                 "listEgressFirewallRules": "fordisplay"}


def list_both(api, command: str, admin: bool = True, **params) -> list[dict]:
    """Every object of a listing, displayed and (for an admin) hidden: two listings."""
    items = api.list(command, listall=True, **params)
    if admin:
        items += api.list(command, listall=True, **{DISPLAY_FLAGS[command]: False}, **params)
    return items


def volumes_by_vm(api, vms: list[dict]) -> dict[str, list[dict]]:
    """{vm id: [volumes attached]} as they are now, one pair of listings per zone of the VMs."""
    out: dict[str, list[dict]] = {}
    for zone_id in sorted({vm["zoneid"] for vm in vms}):
        for vol in list_both(api, "listVolumes", zoneid=zone_id):
            if vol.get("virtualmachineid"):
                out.setdefault(vol["virtualmachineid"], []).append(vol)
    return out


class Snapshot:
    """Zones, offerings, VMs with their DR state and pairs, and (with `network`) networks, IPs and rules."""

    def __init__(self, api, network: bool = True, admin: bool = True):
        self.api = api
        self.admin = admin
        self.has_network = network
        self.zones = index(api.list("listZones"))
        self.offerings = index(api.list("listServiceOfferings", listall=True))
        self.templates: dict = {}
        self.refresh_vms()
        if network:
            self.refresh_network()

    def _both(self, command: str, **params) -> list:
        return list_both(self.api, command, self.admin, **params)

    # -- VMs and their DR state -------------------------------------------------------------------
    def refresh_vms(self) -> None:
        self.vms = {vm["id"]: vm for vm in self._both("listVirtualMachines", userdata=True)
                    if vm.get("state") not in GONE}
        self.status: dict[str, str] = {}
        self.recovery_ids: set[str] = set()
        self.hidden: dict[str, dict[str, str]] = {}
        if self.admin:
            for state in states.STORED:
                self.status.update((vm_id, state) for vm_id in details.ids_with(self.api, "UserVm", STATUS.key(), state))
            self.recovery_ids = set(details.ids_with(self.api, "UserVm", ROLE.key(), ROLE_RECOVERY))
            self.hidden = {vm_id: details.read_hidden(self.api, "UserVm", vm_id, f"VM {vm_id}")
                           for vm_id, state in self.status.items() if state in states.MOVING and vm_id in self.vms}
        self._link_pairs()

    def _link_pairs(self) -> None:
        """Each original's recovery VM and the id its owner knows it by, from the derived ids.

        A pair is {owner's id U, paired_id(U)}: the original holds U until a failover swaps the ids.
        Which VM is the original is the hidden state's to say (a recovery VM never has one); a pair
        whose original has no state yet (its first preparation was cut short) is still a pair, so its
        recovery VM is adopted, never taken for an original. A VM in a move may carry the temporary id
        of a UUID swap: its journal names the owner's id.
        """
        self.recovery: dict[str, dict] = {}  # original id -> recovery VM
        self.original_of: dict[str, dict] = {}  # recovery VM id -> original VM
        self.user_ids: dict[str, str] = {}  # original id -> the owner's id
        self._aliases = None
        owners = ids.owners_by_paired_id("vm", self.vms)
        for user in self.vms:
            partner = ids.paired_id("vm", user)
            if user in owners or partner not in self.vms:
                continue
            original, recovery = (partner, user) if partner in self.status else (user, partner)
            self._pair(original, recovery, user)
        for vm_id, state in self.status.items():
            if vm_id not in self.vms or (vm_id in self.recovery and state not in states.MOVING):
                continue
            # Not paired by the derived id (a recovery VM deployed again), or in a move (a swap may have given
            # it a temporary id): its hidden details name the ids of its pair.
            hidden = self.load_hidden(vm_id)
            journal, swap = self.journal(vm_id), self.swap_journal(vm_id)
            pair = (hidden.get(PAIR.key()) or "").split()
            user = journal.user_id if journal else (pair[0] if pair else vm_id)
            candidates = [user, ids.paired_id("vm", user), *pair, *((swap.a, swap.b, swap.t) if swap else ())]
            recovery = next((c for c in candidates if c != vm_id and c in self.vms), None)
            if recovery is not None:
                self._pair(vm_id, recovery, user)

    def rekey(self, old: str, new: str) -> None:
        """A VM's id changed during this run (a step of a UUID swap): every index follows it."""
        for index in (self.vms, self.status, self.hidden, self.recovery, self.original_of, self.user_ids):
            if old in index:
                index[new] = index.pop(old)
        if old in self.recovery_ids:
            self.recovery_ids = (self.recovery_ids - {old}) | {new}
        if self.has_network and old in self._nat_ips:
            self._nat_ips[new] = self._nat_ips.pop(old)
            for vm_ids in self._ip_vms.values():
                if old in vm_ids:
                    vm_ids.discard(old)
                    vm_ids.add(new)
        self._aliases = None

    def _pair(self, original: str, recovery: str, user: str) -> None:
        self.recovery[original] = self.vms[recovery]
        self.original_of[recovery] = self.vms[original]
        self.user_ids[original] = user

    def load_hidden(self, vm_id: str) -> dict[str, str]:
        """A VM's hidden details, read now (a VM in a move has them read with the snapshot)."""
        if vm_id not in self.hidden:
            self.hidden[vm_id] = details.read_hidden(self.api, "UserVm", vm_id, f"VM {vm_id}")
        return self.hidden[vm_id]

    def state(self, vm: dict) -> str:
        """The DR state of an original VM (hidden truth; a tenant's key sees its visible copy)."""
        if not self.admin:
            return self.visible(vm).get(STATE.key()) or states.UNPREPARED
        return self.status.get(vm["id"], states.UNPREPARED)

    def journal(self, vm_id: str) -> Journal | None:
        return Journal.of_details(self.hidden.get(vm_id, {}))

    def swap_journal(self, vm_id: str) -> SwapJournal | None:
        return SwapJournal.of_details(self.hidden.get(vm_id, {}))

    def visible(self, vm: dict) -> dict[str, str]:
        """The tenant's copy of a VM's DR details, as CloudStack answered it inline."""
        return dr_details(vm)

    def is_recovery(self, vm: dict) -> bool:
        return vm["id"] in self.recovery_ids or vm["id"] in self.original_of

    def peer(self, vm: dict) -> dict | None:
        """The other VM of a pair (the recovery VM of an original, or the reverse)."""
        return self.recovery.get(vm["id"]) or self.original_of.get(vm["id"])

    def pairs(self) -> dict[str, dict]:
        """{original id: {"original": vm, "recovery": vm}} of every pair, by the original's name."""
        return {o: {"original": self.vms[o], "recovery": rec}
                for o, rec in sorted(self.recovery.items(), key=lambda item: self.vms[item[0]]["name"])}

    def user_id(self, original: dict) -> str:
        """The id the owner knows the VM by: the original's id at its first preparation."""
        return self.user_ids.get(original["id"], original["id"])

    def serving(self, original: dict) -> dict:
        """The VM of the pair that carries the owner's id (the one the owner sees)."""
        recovery = self.recovery.get(original["id"])
        return recovery if recovery is not None and recovery["id"] == self.user_id(original) else original

    def aliases(self) -> dict[str, str]:
        """{id: original id} for every id an original is known by: its own, its owner's, its recovery VM's.
        A move swaps ids, so a list of ids taken before a move still names the same VMs after it."""
        if self._aliases is None:
            self._aliases = {vm_id: vm_id for vm_id in self.status}
            self._aliases.update((self.user_ids[o], o) for o in self.recovery)
            self._aliases.update((rec["id"], o) for o, rec in self.recovery.items())
        return self._aliases

    # -- zones and offerings ----------------------------------------------------------------------
    def zone_details(self, zone_id: str) -> dict[str, str]:
        return dr_details(self.zones.get(zone_id, {}), "resourcedetails")

    def recovery_zone_of(self, zone_id: str) -> str | None:
        return self.zone_details(zone_id).get(RECOVERY_ZONE.key())

    def network_map(self, zone_id: str) -> dict[str, str]:
        """{active-zone shared network id: recovery-zone network id} of the zone's link."""
        return {NETWORK_MAP.suffix(k): v for k, v in self.zone_details(zone_id).items() if NETWORK_MAP.owns(k)}

    def offering_details(self, offering_id: str) -> dict[str, str]:
        return dr_details(self.offerings.get(offering_id, {}), "serviceofferingdetails")

    def dr_offering(self, offering_id: str) -> dict[str, str] | None:
        """The DR settings of a service offering, or None when it is not DR-enabled."""
        found = self.offering_details(offering_id)
        return found if found.get(OFFERING_ENABLED.key()) == ENABLED else None

    def dr_offerings(self) -> dict[str, dict[str, str]]:
        return {oid: found for oid in self.offerings if (found := self.dr_offering(oid))}

    def tier(self, vm: dict) -> int | None:
        """An original's DR tier, from its offering (the truth), else its visible copy."""
        offering = self.dr_offering(vm["serviceofferingid"]) or {}
        return tier_of(offering.get(OFFERING_TIER.key()) or self.visible(vm).get(TIER.key()))

    def rto(self, vm: dict) -> str:
        offering = self.dr_offering(vm["serviceofferingid"]) or {}
        return offering.get(OFFERING_RTO.key()) or shown(self.visible(vm).get(RTO.key()))

    def recovery_offering(self, vm: dict) -> str:
        offering = self.dr_offering(vm["serviceofferingid"]) or {}
        return offering.get(OFFERING_RECOVERY.key()) or vm["serviceofferingid"]

    def template_in_zone(self, template_id: str, zone_id: str) -> bool:
        key = (template_id, zone_id)
        if key not in self.templates:
            self.templates[key] = bool(self.api.list("listTemplates", templatefilter="all", id=template_id,
                                                     zoneid=zone_id))
        return self.templates[key]

    # -- networks, IPs and rules ------------------------------------------------------------------
    def refresh_network(self) -> None:
        self.networks = index(self._both("listNetworks"))
        self.vpcs = index(self._both("listVPCs"))
        self.ips = index(self._both("listPublicIpAddresses"))
        self.firewall = group(self._both("listFirewallRules"), "ipaddressid")
        self.portforward = group(self._both("listPortForwardingRules"), "ipaddressid")
        self.egress = group(self._both("listEgressFirewallRules"), "networkid")
        self._source_nat = {nat_holder(ip): ip for ip in self.ips.values() if ip.get("issourcenat")}
        self._recovery_networks: dict[str, dict] = {}  # source network id -> recovery network
        self._recovery_vpcs: dict[str, str] = {}  # source VPC id -> recovery VPC id
        self._ip_map: dict[str, dict] = {}  # public IP id -> the recovery IP reserved for it
        self._ip_sources: dict[str, dict] = {}  # recovery IP id -> the public IP it mirrors
        self.ip_names: dict[str, tuple[str, str]] = {}  # recovery IP id -> (network id, detail key) naming it
        for network in self.networks.values():
            found = dr_details(network)
            if found.get(SOURCE_NETWORK.key()):
                self.remember_network(network, found[SOURCE_NETWORK.key()])
            for key, recovery_id in found.items():
                if IP_MAP.owns(key) and self._serves(self.ips.get(recovery_id), network):
                    self.remember_ip(self.ips[recovery_id], IP_MAP.suffix(key))
                    self.ip_names[recovery_id] = (network["id"], key)
        self._nat_ips: dict[str, list] = {}  # VM id -> the IPs with static NAT or port forwarding to it
        self._ip_vms: dict[str, set] = {}  # IP id -> the VMs it has static NAT or port forwarding to
        for ip in self.ips.values():
            targets = {r.get("virtualmachineid") for r in self.portforward.get(ip["id"], [])}
            if ip.get("isstaticnat"):
                targets.add(ip.get("virtualmachineid"))
            self._ip_vms[ip["id"]] = targets - {None}
            for vm_id in self._ip_vms[ip["id"]]:
                self._nat_ips.setdefault(vm_id, []).append(ip)

    @staticmethod
    def _serves(ip: dict | None, network: dict) -> bool:
        """Whether a recovery IP named in a network's details is still one of that network (or its VPC): an IP
        released and handed to somebody else since is not."""
        return ip is not None and ip.get("fordisplay") is False and (
            ip.get("associatednetworkid") == network["id"] or bool(network.get("vpcid")) and
            ip.get("vpcid") == network.get("vpcid"))

    def remember_network(self, network: dict, source_id: str | None = None) -> None:
        """A network read, created or adopted during this run; with `source_id`, the recovery network of it."""
        self.networks[network["id"]] = network
        if source_id is None:
            return
        self._recovery_networks[source_id] = network
        source_vpc = self.networks.get(source_id, {}).get("vpcid")
        if source_vpc and network.get("vpcid"):
            self._recovery_vpcs[source_vpc] = network["vpcid"]

    def remember_ip(self, ip: dict, source_id: str | None = None) -> None:
        """A public IP read or reserved during this run; with `source_id`, the recovery IP of that public IP."""
        self.ips[ip["id"]] = ip
        if ip.get("issourcenat"):
            self._source_nat[nat_holder(ip)] = ip
        if source_id is not None:
            self._ip_map[source_id] = ip
            self._ip_sources[ip["id"]] = self.ips.get(source_id)

    def forget_ip(self, ip_id: str) -> None:
        """A public IP released during this run."""
        ip = self.ips.pop(ip_id, None)
        source = self._ip_sources.pop(ip_id, None)
        if ip is not None and source is not None:
            self._ip_map.pop(source["id"], None)

    def vms_of_ip(self, ip: dict) -> set[str]:
        """Ids of the VMs a public IP has static NAT or port forwarding to."""
        return self._ip_vms.get(ip["id"], set())

    def recovery_network_for(self, network_id: str) -> dict | None:
        """The recovery-zone network DR created for an isolated network or VPC tier, if any."""
        return self._recovery_networks.get(network_id)

    def recovery_vpc_for(self, vpc_id: str) -> dict | None:
        """The recovery VPC of a VPC: the VPC of its tiers' recovery networks."""
        return self.vpcs.get(self._recovery_vpcs.get(vpc_id))

    def ip_holder(self, ip: dict) -> tuple[str, str] | None:
        """("vpcid" | "networkid", id) of the recovery VPC or network a public IP's copy belongs to."""
        if ip.get("vpcid"):
            vpc = self.recovery_vpc_for(ip["vpcid"])
            return ("vpcid", vpc["id"]) if vpc else None
        network = self.recovery_network_for(ip.get("associatednetworkid"))
        return ("networkid", network["id"]) if network else None

    def map_network(self, ip: dict) -> dict | None:
        """The recovery network whose details name a public IP's recovery IP: its tier's (or network's) copy."""
        return self.recovery_network_for(ip.get("associatednetworkid"))

    def recovery_ip_of(self, ip: dict) -> dict | None:
        """The recovery IP of a public IP: the recovery network's (or VPC's) own source NAT IP for a source NAT
        IP, else the IP reserved for it."""
        if ip.get("issourcenat"):
            holder = self.ip_holder(ip)
            return self._source_nat.get(holder) if holder else None
        return self._ip_map.get(ip["id"])

    def source_nat_ip(self, key: str, holder_id: str) -> dict | None:
        """The source NAT IP of a network (key "networkid") or VPC ("vpcid"), if it has one."""
        return self._source_nat.get((key, holder_id))

    def source_of_recovery_ip(self, ip: dict) -> dict | None:
        """The public IP a recovery IP was reserved for, if it still exists."""
        return self._ip_sources.get(ip["id"])

    def is_recovery_ip(self, ip: dict) -> bool:
        return ip["id"] in self._ip_sources

    def ips_of_vm(self, vm: dict) -> list[dict]:
        """Public IPs pointing at a VM: static NAT to it, or port forwarding to it."""
        return sorted(self._nat_ips.get(vm["id"], []), key=lambda ip: ip["ipaddress"])

    def recovery_public_ips(self, original: dict) -> dict[str, str]:
        """{original public IP address: its recovery IP address} (the tenant's copy; DNS in active/passive)."""
        return {ip["ipaddress"]: recovery["ipaddress"] for ip in self.ips_of_vm(original)
                if (recovery := self.recovery_ip_of(ip)) is not None}

    def known_public_ips(self, original: dict) -> dict[str, str]:
        """recovery_public_ips from the network listings when they were read, else as the owner's copy says."""
        if self.has_network:
            return self.recovery_public_ips(original)
        return load(self.visible(self.serving(original)).get(RECOVERY_PUBLIC_IPS.key()), None) or \
            load(self.visible(original).get(RECOVERY_PUBLIC_IPS.key()), {})

    # -- selection ----------------------------------------------------------------------------------
    def zone_id(self, ref: str, option: str = "zone") -> str:
        """The id of a zone given by name or id, or an InputError listing the zones."""
        for zone in self.zones.values():
            if ref in (zone["id"], zone["name"]):
                return zone["id"]
        known = ", ".join(sorted(z["name"] for z in self.zones.values()))
        raise InputError(option, f"no zone has the name or id {ref!r}", f"Use one of: {known}")

    def protected(self, vm: dict) -> bool:
        """An original VM DR protects: of a DR offering, or with a DR state."""
        return not self.is_recovery(vm) and (vm["id"] in self.status or self.dr_offering(vm["serviceofferingid"])
                                             is not None or (not self.admin and bool(self.visible(vm))))

    def originals(self, names=None, zone=None, account=None, domain=None) -> list[dict]:
        """Original VMs of DR offerings (never recovery VMs), selected the way the modules allow.

        Named VMs must exist and be of a DR offering (an InputError says why not); without names,
        every original VM of a DR offering in the zone/account is selected.
        """
        zone_id = self.zone_id(zone) if zone else None
        self._check_owner_filters(account, domain)
        pool = [vm for vm in self.vms.values()
                if not self.is_recovery(vm)
                and (zone_id is None or vm["zoneid"] == zone_id)
                and (account is None or vm.get("account") == account)
                and (domain is None or domain in (vm.get("domainid"), vm.get("domain"), vm.get("domainpath")))]
        if not names:
            return [vm for vm in pool if self.protected(vm)]
        return [self._named(pool, ref, f"vms[{i}]") for i, ref in enumerate(names)]

    def _check_owner_filters(self, account, domain) -> None:
        """An InputError for an account or domain filter that names nothing this key can see: a typo must
        not select no VM and report success."""
        vms = self.vms.values()
        if account is not None and not any(vm.get("account") == account for vm in vms) \
                and not self.api.list("listAccounts", name=account, listall=True):
            raise InputError("account", f"no account named {account!r} is visible to this API key",
                             "Check the account's name, or leave account out")
        if domain is not None and not any(domain in (vm.get("domainid"), vm.get("domain"), vm.get("domainpath"))
                                          for vm in vms):
            known = self.api.list("listDomains", listall=True)
            if not any(domain in (d.get("id"), d.get("name"), d.get("path")) for d in known):
                raise InputError("domain", f"no domain has the name, id or path {domain!r}",
                                 "Use one of: " + ", ".join(sorted(d.get("path") or d["name"] for d in known)))

    def _named(self, pool, ref, option) -> dict:
        original_id = self.aliases().get(ref, ref)
        matches = [vm for vm in pool if vm["id"] == original_id] or [vm for vm in pool if vm["name"] == ref]
        if len(matches) > 1:
            accounts = ", ".join(sorted(vm.get("account", "?") for vm in matches))
            raise InputError(option, f"{len(matches)} VMs are named {ref!r} (accounts {accounts})",
                             "Give the VM's id, or narrow with account/domain")
        if not matches:
            raise InputError(option, f"no VM with the name or id {ref!r} is visible with these filters",
                             "Check the name, the zone/account/domain filters and the API key's rights")
        vm = matches[0]
        if not self.protected(vm):
            raise InputError(option, f"VM {vm['name']} uses service offering {vm.get('serviceofferingname')}, "
                             "which is not DR-enabled",
                             "Mark the offering with cloudstack.dr.dr_offering, or change the VM's offering")
        return vm
