# Copyright: cloudstack.dr contributors
# Apache License 2.0 (see LICENSE)
"""A cloud's networks, VPCs, public IPs and rules, and how recovery ones are linked to what they mirror.

Read displayed and hidden (recovery objects are hidden from their owners). A recovery network names
the network it mirrors in its hidden `dr.source_network` detail, and each recovery IP it holds in
`dr.ip.<public IP id>` (listNetworks answers both inline to root admins); a recovery VPC is the VPC of
its tiers' recovery networks.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..vocabulary.journal import load
from ..vocabulary.keys import IP_MAP, RECOVERY_PUBLIC_IPS, SOURCE_NETWORK
from .listing import dr_details, group, index, list_both, nat_holder

if TYPE_CHECKING:
    from ..client.api import Client


class NetworkModel:
    """Networks, VPCs, public IPs and rules (a mixin of model.snapshot.Snapshot)."""

    api: Client
    admin: bool
    has_network: bool

    if TYPE_CHECKING:  # what the Pairs mixin provides
        def visible(self, vm: dict) -> dict[str, str]: ...
        def serving(self, original: dict) -> dict: ...

    def refresh_network(self) -> None:
        self.networks = index(list_both(self.api, "listNetworks", self.admin))
        self.vpcs = index(list_both(self.api, "listVPCs", self.admin))
        self.ips = index(list_both(self.api, "listPublicIpAddresses", self.admin))
        self.firewall = group(list_both(self.api, "listFirewallRules", self.admin), "ipaddressid")
        self.portforward = group(list_both(self.api, "listPortForwardingRules", self.admin), "ipaddressid")
        self.egress = group(list_both(self.api, "listEgressFirewallRules", self.admin), "networkid")
        self._source_nat = {nat_holder(ip): ip for ip in self.ips.values() if ip.get("issourcenat")}
        self._recovery_networks: dict[str, dict] = {}  # source network id -> recovery network
        self._recovery_vpcs: dict[str, str] = {}  # source VPC id -> recovery VPC id
        self._ip_map: dict[str, dict] = {}  # public IP id -> the recovery IP reserved for it
        self._ip_sources: dict[str, dict | None] = {}  # recovery IP id -> the public IP it mirrors (None: gone)
        self.ip_names: dict[str, tuple[str, str]] = {}  # recovery IP id -> (network id, detail key) naming it
        for network in self.networks.values():
            found = dr_details(network)
            if found.get(SOURCE_NETWORK.key()):
                self.remember_network(network, found[SOURCE_NETWORK.key()])
            for key, recovery_id in found.items():
                if IP_MAP.owns(key) and self._serves(self.ips.get(recovery_id), network):
                    self.remember_ip(self.ips[recovery_id], IP_MAP.suffix(key))
                    self.ip_names[recovery_id] = (network["id"], key)
        self._nat_ips: dict[str, list[dict]] = {}  # VM id -> the IPs with static NAT or port forwarding to it
        self._ip_vms: dict[str, set[str]] = {}  # IP id -> the VMs it has static NAT or port forwarding to
        for ip in self.ips.values():
            targets = {r.get("virtualmachineid") for r in self.portforward.get(ip["id"], [])}
            if ip.get("isstaticnat"):
                targets.add(ip.get("virtualmachineid"))
            self._ip_vms[ip["id"]] = {vm_id for vm_id in targets if vm_id is not None}
            for vm_id in self._ip_vms[ip["id"]]:
                self._nat_ips.setdefault(vm_id, []).append(ip)

    @staticmethod
    def _serves(ip: dict | None, network: dict) -> bool:
        """Whether a recovery IP named in a network's details is still one of that network (or its VPC): an IP
        released and handed to somebody else since is not."""
        return (
            ip is not None
            and ip.get("fordisplay") is False
            and (
                ip.get("associatednetworkid") == network["id"]
                or bool(network.get("vpcid"))
                and ip.get("vpcid") == network.get("vpcid")
            )
        )

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

    def recovery_network_for(self, network_id: str | None) -> dict | None:
        """The recovery-zone network DR created for an isolated network or VPC tier, if any."""
        return self._recovery_networks.get(network_id or "")

    def recovery_vpc_for(self, vpc_id: str) -> dict | None:
        """The recovery VPC of a VPC: the VPC of its tiers' recovery networks."""
        return self.vpcs.get(self._recovery_vpcs.get(vpc_id) or "")

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
        return {
            ip["ipaddress"]: recovery["ipaddress"]
            for ip in self.ips_of_vm(original)
            if (recovery := self.recovery_ip_of(ip)) is not None
        }

    def known_public_ips(self, original: dict) -> dict[str, str]:
        """recovery_public_ips from the network listings when they were read, else as the owner's copy says."""
        if self.has_network:
            return self.recovery_public_ips(original)
        return load(self.visible(self.serving(original)).get(RECOVERY_PUBLIC_IPS.key()), None) or load(
            self.visible(original).get(RECOVERY_PUBLIC_IPS.key()), {}
        )
