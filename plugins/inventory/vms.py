# Copyright: cloudstack.dr contributors
# Apache License 2.0 (see LICENSE)

from __future__ import annotations

DOCUMENTATION = r"""
name: vms
short_description: DR-protected CloudStack VMs as hosts, grouped by zone, account, domain, tier and DR state
version_added: 0.1.0
description:
  - One host per DR-protected VM, that is per original VM of a DR-enabled service offering. Recovery VMs are
    never hosts.
  - The host name is the VM name. When several selected VMs share a name (VMs of different accounts may),
    each of them is named C(<name>_<first 8 characters of its id>) instead (C(<name>_<id>) if those 8
    characters are not enough), so no VM hides another.
  - Hosts are in the group O(group) and in the child groups C(zone_<zone>), C(account_<account>),
    C(domain_<domain path with / as _>), C(tier_<n>) and C(dr_state_<state>). Characters that are not valid
    in a group name become C(_), so C(zone-a) gives C(zone_zone_a) and C(ROOT/customers) C(domain_ROOT_customers).
  - The plays of this collection talk to the CloudStack API, not to the VMs, so each host gets
    C(ansible_connection=local) (see O(connection)).
  - Everything is read in bulk (a handful of paged listings, whatever the number of VMs).
  - The configuration file name must end with C(cloudstack.dr.vms.yml) or C(cloudstack.dr.vms.yaml).
author:
  - cloudstack.dr contributors
extends_documentation_fragment:
  - constructed
  - inventory_cache
  - cloudstack.dr.cloudstack
  - cloudstack.dr.cloudstack.inventory
options:
  plugin:
    description: Marks this file as a P(cloudstack.dr.vms#inventory) inventory.
    type: str
    required: true
    choices: [cloudstack.dr.vms]
  zones:
    description: Only VMs of these zones (names or ids). All zones when empty.
    type: list
    elements: str
    default: []
  accounts:
    description: Only VMs of these accounts. All accounts the key can see when empty.
    type: list
    elements: str
    default: []
  only_prepared:
    description:
      - Leave out the VMs that were never prepared (DR state V(Unprepared)).
      - VMs whose preparation failed (V(PrepareFailed)) stay, so a failure is not hidden.
    type: bool
    default: false
  group:
    description: The parent group of every host and of the zone, account, domain, tier and state groups.
    type: str
    default: cloudstack_dr
  connection:
    description:
      - The C(ansible_connection) of every host. An empty value sets none, to connect to the VMs themselves
        (with O(compose) setting C(ansible_host), for example).
    type: str
    default: local
notes:
  - Host variables. C(dr_vm_id) (the id the owner knows the VM by, which follows a failover's UUID swap),
    C(dr_zone), C(dr_zone_id), C(dr_account), C(dr_domain) (path),
    C(dr_offering), C(dr_state) (V(Prepared), V(PrepareFailed), V(FailingOver), V(FailedOver), V(FailingBack),
    or V(Unprepared)), C(dr_tier) (integer or null), C(dr_rto), C(dr_recovery_zone),
    C(dr_recovery_public_ips) (original IP -> recovery IP), C(dr_alert) (empty when all is well).
  - Before a VM is prepared, its tier and RTO come from its DR offering and its recovery zone from the zone link.
  - With a key that is not a root admin's, hosts are that key's VMs with what CloudStack shows it.
"""

EXAMPLES = r"""
# demo.cloudstack.dr.vms.yml: credentials from the environment or cloudstack.ini ([cloudstack] section).
plugin: cloudstack.dr.vms

---
# Only the prepared VMs of two zones, with extra groups per RTO and a group of failing VMs.
plugin: cloudstack.dr.vms
api_region: dr-admin
zones: [zone-a, zone-c]
only_prepared: true
keyed_groups:
  - key: dr_rto
    prefix: rto
groups:
  dr_failing: dr_alert != ''
compose:
  dr_public_ip_count: dr_recovery_public_ips | length

---
# Cached for an hour in JSON files.
plugin: cloudstack.dr.vms
cache: true
cache_plugin: ansible.builtin.jsonfile
cache_connection: ~/.cache/cloudstack-dr-inventory
cache_timeout: 3600
"""

from collections import Counter
from typing import Any

from ansible.errors import AnsibleParserError
from ansible.inventory.group import to_safe_group_name
from ansible.plugins.inventory import BaseInventoryPlugin, Cacheable, Constructable

from ..module_utils.client.api import HAS_CS, ApiConfigError, Client, CloudStackError, resolve_config
from ..module_utils.config.resources import may_write_details
from ..module_utils.errors import InputError
from ..module_utils.model.snapshot import Snapshot
from ..module_utils.reporting.status import protected_vms

if HAS_CS:
    from cs import CloudStack

API_OPTIONS = ("api_url", "api_key", "api_secret", "api_timeout", "api_http_method", "api_verify_ssl_cert",
               "api_region")
# Host variable -> key of a dr_info VM record.
HOST_VARS = {
    "dr_vm_id": "id", "dr_zone": "zone", "dr_zone_id": "zone_id", "dr_account": "account", "dr_domain": "domain",
    "dr_tier": "tier", "dr_rto": "rto", "dr_state": "state", "dr_recovery_zone": "recovery_zone",
    "dr_recovery_public_ips": "recovery_public_ips", "dr_alert": "alert", "dr_offering": "offering",
}
# Group prefix -> host variable; a host whose variable is null is in no group of that kind.
GROUPS = {"zone": "dr_zone", "account": "dr_account", "domain": "dr_domain", "tier": "dr_tier",
          "dr_state": "dr_state"}


def host_vars(record: dict) -> dict:
    return {var: record[key] for var, key in HOST_VARS.items()}


def host_names(hosts: list[dict]) -> list[str]:
    """VM names; a name more than one VM has gets `_<short id>`, then `_<id>` where short ids collide too."""
    names = [h["name"] for h in hosts]
    for length in (8, None):
        counts = Counter(names)
        names = [n if counts[n] == 1 else f"{h['name']}_{h['dr_vm_id'][:length]}"
                 for n, h in zip(names, hosts, strict=True)]
    return names


def group_names(hostvars: dict) -> list[str]:
    return [to_safe_group_name(f"{prefix}_{hostvars[var]}".replace("/", "_"), force=True, silent=True)
            for prefix, var in GROUPS.items() if hostvars[var] not in (None, "")]


class InventoryModule(BaseInventoryPlugin, Constructable, Cacheable):
    NAME = "cloudstack.dr.vms"

    def verify_file(self, path: str) -> bool:
        return super().verify_file(path) and path.endswith(("cloudstack.dr.vms.yml", "cloudstack.dr.vms.yaml"))

    def parse(self, inventory: Any, loader: Any, path: str, cache: bool = True) -> None:
        super().parse(inventory, loader, path, cache)
        self._read_config_data(path)
        key = self.get_cache_key(path)
        # `cache` is false with --flush-cache: read the cloud again and overwrite the entry.
        use_cache = cache and self.get_option("cache")
        hosts = self._cache.get(key) if use_cache else None
        if hosts is None:
            hosts = self._fetch()
            if self.get_option("cache"):
                self._cache[key] = hosts
        self._populate(hosts)

    def _fetch(self) -> list[dict]:
        """[{name, **host vars}] of the selected VMs, read from CloudStack."""
        if not HAS_CS:
            raise AnsibleParserError("the cloudstack.dr.vms inventory needs the Python library cs (pip install cs)")
        try:
            client = Client(CloudStack(**resolve_config({opt: self.get_option(opt) for opt in API_OPTIONS})))
            snap = Snapshot(client, network=False, admin=may_write_details(client))
            zone_ids = {snap.zone_id(zone, "zones") for zone in self.get_option("zones")}
            records = protected_vms(snap, zone_ids, self.get_option("accounts"), self.get_option("only_prepared"))
        except (ApiConfigError, CloudStackError, InputError) as error:
            raise AnsibleParserError(f"cloudstack.dr.vms: {error}") from None
        return [{"name": r["name"], **host_vars(r)} for r in records]

    def _populate(self, hosts: list[dict]) -> None:
        parent = self.inventory.add_group(self.get_option("group"))
        strict = self.get_option("strict")
        for name, host in zip(host_names(hosts), hosts, strict=True):
            self.inventory.add_host(name, group=parent)
            variables = {var: host[var] for var in HOST_VARS}
            if self.get_option("connection"):
                variables["ansible_connection"] = self.get_option("connection")
            for var, value in variables.items():
                self.inventory.set_variable(name, var, value)
            for group in group_names(variables):
                self.inventory.add_child(self.inventory.add_group(group), name)
                self.inventory.add_child(parent, group)
            # Constructed last, so compose may override the variables set above.
            self._set_composite_vars(self.get_option("compose"), variables, name, strict=strict)
            self._add_host_to_composed_groups(self.get_option("groups"), variables, name, strict=strict)
            self._add_host_to_keyed_groups(self.get_option("keyed_groups"), variables, name, strict=strict)
