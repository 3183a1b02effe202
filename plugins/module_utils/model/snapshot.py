# Copyright: cloudstack.dr contributors
# Apache License 2.0 (see LICENSE)
"""A picture of the cloud loaded in a handful of bulk listings.

The DR engine plans from one snapshot instead of asking CloudStack object by object, so a
batch of a thousand VMs costs a dozen paged listings, not thousands of calls.
"""

from __future__ import annotations

import json

from ..errors import InputError

DR_PREFIX = "dr."


def _index(items, key="id"):
    return {item[key]: item for item in items}


def _group(items, key):
    out = {}
    for item in items:
        out.setdefault(item.get(key), []).append(item)
    return out


def details_by_resource(rows):
    """listResourceDetails rows -> {resourceid: {key: value}} (DR keys only)."""
    out = {}
    for row in rows:
        if row["key"].startswith(DR_PREFIX):
            out.setdefault(row["resourceid"], {})[row["key"]] = row["value"]
    return out


def decode(value, default=None):
    """A JSON-encoded detail value, tolerating absent or hand-edited values."""
    if value in (None, ""):
        return default
    try:
        return json.loads(value)
    except ValueError:
        return default


class Snapshot:
    """Zones, offerings, networks, VPCs, public IPs, rules and VMs with their DR details."""

    def __init__(self, api, network=True):
        """`network=False` skips networks, IPs and rules: enough for listing DR state."""
        self.api = api
        self.zones = _index(api.list("listZones"))
        self.zone_details = details_by_resource(api.list("listResourceDetails", resourcetype="Zone"))
        self.offerings = _index(api.list("listServiceOfferings"))
        self.offering_details = details_by_resource(
            api.list("listResourceDetails", resourcetype="ServiceOffering"))
        self.templates = {}
        self.refresh_vms()
        if network:
            self.refresh_network()

    def refresh_vms(self):
        self._aliases = None
        self.vms = _index(self.api.list("listVirtualMachines", listall=True, userdata=True))
        self.vm_details = details_by_resource(
            self.api.list("listResourceDetails", resourcetype="UserVm", listall=True))

    def refresh_network(self):
        self.networks = _index(self.api.list("listNetworks", listall=True))
        self.vpcs = _index(self.api.list("listVPCs", listall=True))
        self.ips = _index(self.api.list("listPublicIpAddresses", listall=True))
        self.network_details = details_by_resource(
            self.api.list("listResourceDetails", resourcetype="Network", listall=True))
        self.vpc_details = details_by_resource(
            self.api.list("listResourceDetails", resourcetype="Vpc", listall=True))
        self.firewall = _group(self.api.list("listFirewallRules", listall=True), "ipaddressid")
        self.portforward = _group(self.api.list("listPortForwardingRules", listall=True), "ipaddressid")
        self.egress = _group(self.api.list("listEgressFirewallRules", listall=True), "networkid")

    # -- zones and offerings -----------------------------------------------------------------
    def recovery_zone_of(self, zone_id):
        return self.zone_details.get(zone_id, {}).get("dr.recovery_zone")

    def network_map(self, zone_id):
        """{active-zone shared network id: recovery-zone network id} of the zone's link."""
        prefix = "dr.network."
        return {key[len(prefix):]: value for key, value in self.zone_details.get(zone_id, {}).items()
                if key.startswith(prefix)}

    def dr_offering(self, offering_id):
        """The DR settings of a service offering, or None when it is not DR-enabled."""
        details = self.offering_details.get(offering_id, {})
        if details.get("dr.enabled") != "true":
            return None
        return details

    def template_in_zone(self, template_id, zone_id):
        key = (template_id, zone_id)
        if key not in self.templates:
            found = self.api.list("listTemplates", templatefilter="all", id=template_id, zoneid=zone_id)
            self.templates[key] = bool(found)
        return self.templates[key]

    # -- VMs -----------------------------------------------------------------------------------
    def details(self, vm_id):
        return self.vm_details.get(vm_id, {})

    def peer(self, vm):
        """The other VM of a DR pair (recovery VM of an original, or the reverse)."""
        pair = self.details(vm["id"]).get("dr.pair")
        if not pair:
            return None
        for other_id, details in self.vm_details.items():
            if other_id != vm["id"] and details.get("dr.pair") == pair and other_id in self.vms:
                return self.vms[other_id]
        return None

    def pairs(self):
        """{pair id: {"original": vm, "recovery": vm}} for every VM carrying DR details."""
        out = {}
        for vm_id, details in self.vm_details.items():
            if vm_id in self.vms and details.get("dr.pair"):
                out.setdefault(details["dr.pair"], {})[details.get("dr.role", "original")] = self.vms[vm_id]
        return out

    # -- networks ----------------------------------------------------------------------------
    def recovery_network_for(self, network_id):
        """The recovery-zone network DR created for an isolated network or VPC tier, if any."""
        for net_id, details in self.network_details.items():
            if details.get("dr.source_network") == network_id and net_id in self.networks:
                return self.networks[net_id]
        return None

    def recovery_vpc_for(self, vpc_id):
        for other_id, details in self.vpc_details.items():
            if details.get("dr.source_vpc") == vpc_id and other_id in self.vpcs:
                return self.vpcs[other_id]
        return None

    def ips_of_vm(self, vm):
        """Public IPs pointing at a VM: static NAT to it, or port forwarding to it."""
        out = []
        for ip in self.ips.values():
            nat = ip.get("isstaticnat") and ip.get("virtualmachineid") == vm["id"]
            forwards = [r for r in self.portforward.get(ip["id"], []) if r.get("virtualmachineid") == vm["id"]]
            if nat or forwards:
                out.append(ip)
        return sorted(out, key=lambda ip: ip["ipaddress"])

    # -- selection -------------------------------------------------------------------------------
    def zone_id(self, ref, option="zone"):
        """The id of a zone given by name or id, or an InputError listing the zones."""
        for zone in self.zones.values():
            if ref in (zone["id"], zone["name"]):
                return zone["id"]
        known = ", ".join(sorted(z["name"] for z in self.zones.values()))
        raise InputError(option, f"no zone has the name or id {ref!r}", f"Use one of: {known}")

    def originals(self, names=None, zone=None, account=None, domain=None):
        """Original VMs of DR offerings (never recovery VMs), selected the way the modules allow.

        Named VMs must exist and be of a DR offering (an InputError says why not); without names,
        every original VM of a DR offering in the zone/account is selected.
        """
        zone_id = self.zone_id(zone) if zone else None
        self._check_owner_filters(account, domain)
        pool = [vm for vm in self.vms.values()
                if self.details(vm["id"]).get("dr.role") != "recovery"
                and (zone_id is None or vm["zoneid"] == zone_id)
                and (account is None or vm.get("account") == account)
                and (domain is None or domain in (vm.get("domainid"), vm.get("domain"), vm.get("domainpath")))]
        if not names:
            return [vm for vm in pool if self.dr_offering(vm["serviceofferingid"]) or self.details(vm["id"])]
        return [self._named(pool, ref, f"vms[{i}]") for i, ref in enumerate(names)]

    def _check_owner_filters(self, account, domain):
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

    def aliases(self):
        """{id: original VM id} for every id an original was known by: its own, the owner's id it may
        have handed to its recovery VM, and its recovery VM's. A move swaps ids, so a list of ids taken
        before a move (an inventory, an earlier tier) still names the same VMs after it."""
        if self._aliases is None:
            self._aliases = {}
            for pair in self.pairs().values():
                original = pair.get("original")
                if original is None:
                    continue
                known = (pair.get("recovery", {}).get("id"), self.details(original["id"]).get("dr.user_id"))
                self._aliases.update({alias: original["id"] for alias in known if alias})
                self._aliases[original["id"]] = original["id"]
        return self._aliases

    def _named(self, pool, ref, option):
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
        if not (self.dr_offering(vm["serviceofferingid"]) or self.details(vm["id"]).get("dr.pair")):
            raise InputError(option, f"VM {vm['name']} uses service offering {vm.get('serviceofferingname')}, "
                             "which is not DR-enabled",
                             "Mark the offering with cloudstack.dr.dr_offering, or change the VM's offering")
        return vm
