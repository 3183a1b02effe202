#!/usr/bin/python
# Copyright: cloudstack.dr contributors
# Apache License 2.0 (see LICENSE)

from __future__ import annotations

DOCUMENTATION = r"""
module: dr_info
short_description: Show the disaster-recovery status of a CloudStack cloud
version_added: 0.1.0
description:
  - Reads, and never changes, what cloudstack.dr stored in CloudStack. Zone links, DR offerings,
    storage maps, and per DR-protected VM its DR state, recovery zone, recovery VM, recovery public IPs,
    tier, RTO, last alert and drift.
  - Drift is what preparation would change on the recovery VM so that it mirrors the original again
    (a NIC, a rule, the offering, user data). It is computed by the preparation engine in check mode,
    exactly as M(cloudstack.dr.vm_prepare) would see it. Run M(cloudstack.dr.vm_prepare) to reconcile it.
  - With a root admin's key everything is shown. With any other key (a tenant, a domain admin) the module
    shows what CloudStack shows that key. Its VMs with their user-visible DR details, and the DR offerings.
    There are no zone links, storage maps, recovery VM ids or drift, and a note says so. It does not fail.
  - VMs are listed in bulk (a handful of paged listings, whatever the number of VMs). O(drift=false) skips
    the network, public IP and rule listings that drift needs.
author:
  - cloudstack.dr contributors
extends_documentation_fragment:
  - cloudstack.dr.cloudstack
  - cloudstack.dr.attributes.read_only
options:
  zone:
    description: Only VMs of this zone (name or id). Links, offerings and storage maps are always shown in full.
    type: str
  account:
    description: Only VMs of this account.
    type: str
  vm:
    description:
      - Only this VM (name or id). The module fails when no DR-protected VM matches.
      - A name shared by VMs of several accounts selects all of them; narrow with O(account) or give the id.
    type: str
  drift:
    description:
      - Compute each VM's drift. Needs a root admin's key; ignored otherwise.
      - V(false) is faster on large clouds and reports RV(vms[].drift) as null.
    type: bool
    default: true
"""

EXAMPLES = r"""
- name: DR status of the whole cloud
  cloudstack.dr.dr_info:
  register: dr

- name: Print it as a table
  ansible.builtin.debug:
    msg: "{{ dr.table }}"

- name: One account's VMs, without drift
  cloudstack.dr.dr_info:
    account: acme
    drift: false

- name: What a tenant sees of its VMs (a [acme] section of cloudstack.ini)
  cloudstack.dr.dr_info:
    api_region: acme

- name: Fail when any VM drifted from its recovery VM
  cloudstack.dr.dr_info:
  register: dr
  failed_when: dr.vms | selectattr('drift') | list | length > 0
"""

RETURN = r"""
extends_documentation_fragment:
  - cloudstack.dr.cloudstack
admin:
  description: Whether the key could read everything (a root admin's key).
  returned: always
  type: bool
  sample: true
notes:
  description: What the key could not see, when it is not a root admin's.
  returned: always
  type: list
  elements: str
  sample: []
links:
  description: Zone links, in the shape M(cloudstack.dr.zone_link) returns. Empty for keys that are not root admin.
  returned: always
  type: list
  elements: dict
  sample:
    - {"active_zone": {"id": "6a7c...", "name": "zone-a"}, "recovery_zone": {"id": "0d3f...", "name": "zone-b"},
       "network_map": [{"active": {"id": "9a1e...", "name": "shared-a"},
                        "recovery": {"id": "41bc...", "name": "shared-b"}}],
       "state": "present"}
offerings:
  description: DR-enabled service offerings, tier 1 first.
  returned: always
  type: list
  elements: dict
  contains:
    id:
      description: Id of the service offering.
      type: str
      returned: always
    name:
      description: Name of the service offering.
      type: str
      returned: always
    tier:
      description: Recovery tier (1 is recovered first); null when not set.
      type: int
      returned: always
    rto:
      description: Recovery time objective, such as V(1h).
      type: str
      returned: always
    rpo:
      description: Recovery point objective, such as V(15m); null when not set.
      type: str
      returned: always
    storage_tags:
      description: Storage tags of DR volumes; null when not set or not visible to the key.
      type: str
      returned: always
    recovery_offering:
      description: Id and name of the offering used in the recovery zone; null when the same offering is used or
        not visible.
      type: dict
      returned: always
  sample:
    - {"id": "017e...", "name": "dr-small", "tier": 1, "rto": "1h", "rpo": "15m", "storage_tags": "dr",
       "recovery_offering": null}
storage_maps:
  description:
    - Primary storage pools with a storage map. Empty for keys that are not root admin.
    - C(replica) holds the failover settings and C(failback) the way back, by detail name without its
      C(dr.replica_) or C(dr.failback_) prefix. C(url), C(zone), C(scope), C(pod), C(cluster), C(tags),
      and C(pool), the id of the pool introduced from it by a failover or failback, once there was one.
    - C(replication) is null without a replication adapter; else its C(adapter), an C(error) when the adapter
      cannot be built, and C(devices), the status each device's adapter answers now (C(pool), C(replica),
      C(failback)) - C(role), C(peer), C(state), C(writable), C(consistent_at), C(lag_seconds) - or its C(error).
  returned: always
  type: list
  elements: dict
  sample:
    - {"pool": {"id": "018c...", "name": "pool-a1"}, "zone": "zone-a",
       "replica": {"url": "nfs://10.2.0.11/export/replica-a1", "zone": "0d3f...", "scope": "cluster",
                   "pool": "77aa..."},
       "failback": {"url": "nfs://10.1.0.21/export/failback-a1", "zone": "6a7c..."},
       "replication": {"adapter": "simulator", "error": null, "devices": {"replica": {"device": "replica-a1",
                       "role": "target", "peer": "array-a1", "state": "mirrored", "writable": false,
                       "lag_seconds": 4.2}}}}
zones:
  description: Every zone with its health as CloudStack reports it and who holds its DR lock. Empty for keys that
    are not root admin.
  returned: always
  type: list
  elements: dict
  contains:
    name:
      description: Name of the zone.
      type: str
      returned: always
    id:
      description: Id of the zone.
      type: str
      returned: always
    allocation:
      description: Its allocation state (V(Enabled), V(Disabled)).
      type: str
      returned: always
    hosts:
      description: How many hypervisor hosts it has.
      type: int
      returned: always
    hosts_up:
      description: How many of them are Up (or reconnecting).
      type: int
      returned: always
    lost:
      description: Whether CloudStack reports it lost (no hypervisor host up) - what a disaster failover needs.
      type: bool
      returned: always
    health:
      description: The hosts in one sentence.
      type: str
      returned: always
    recovery_zone:
      description: The zone that recovers it; null when it is not protected.
      type: str
      returned: always
    lock:
      description: Who holds its DR lock (a failover or failback running), since when and the lease; null when free.
      type: str
      returned: always
    lock_id:
      description: The lock's id, to break it when its run is dead; null when free.
      type: str
      returned: always
    fenced:
      description: Since when and by which run the zone is fenced (a disaster failover fenced it; failback or
        C(playbooks/unfence.yml) lifts it); null when it is not.
      type: str
      returned: always
  sample: [{"name": "zone-a", "id": "6a7c...", "allocation": "Disabled", "hosts": 2, "hosts_up": 0, "lost": true,
            "health": "0 of 2 hypervisor hosts up (host-a1 Down, host-a2 Down)", "recovery_zone": "zone-b",
            "lock": null, "lock_id": null, "fenced": "since 2026-11-30T03:12:40Z (failover of zone zone-a)"}]
overview:
  description: Zones, DR offerings, storage maps with their replication now, and the VMs in trouble, as text lines.
  returned: always
  type: list
  elements: str
vms:
  description: The selected DR-protected VMs (originals, never recovery VMs), those in trouble first, then by zone,
    account and name.
  returned: always
  type: list
  elements: dict
  contains:
    name:
      description: Name of the VM.
      type: str
      returned: always
    id:
      description: The id the VM's owner knows it by (after a failover, the recovery VM carries it).
      type: str
      returned: always
    original_id:
      description: The original VM's own id now (after a failover's UUID swap, no longer the owner's).
      type: str
      returned: always
    zone:
      description: Name of the VM's zone.
      type: str
      returned: always
    zone_id:
      description: Id of the VM's zone.
      type: str
      returned: always
    account:
      description: Account owning the VM.
      type: str
      returned: always
    domain:
      description: Path of the VM's domain, such as V(ROOT/customers).
      type: str
      returned: always
    offering:
      description: Name of the VM's service offering.
      type: str
      returned: always
    state:
      description:
        - DR state from the VM's C(dr.state) detail. V(Prepared), V(PrepareFailed), V(FailingOver), V(FailedOver),
          V(FailingBack), or V(Unprepared) for a VM of a DR offering that was never prepared.
      type: str
      returned: always
    tier:
      description: Recovery tier; from the DR offering until the VM is prepared.
      type: int
      returned: always
    rto:
      description: Recovery time objective; from the DR offering until the VM is prepared.
      type: str
      returned: always
    recovery_zone:
      description: Name of the recovery zone; from the zone link until the VM is prepared.
      type: str
      returned: always
    recovery_vm:
      description: Id of the recovery VM (hidden from tenants); null when there is none or the key cannot see it.
      type: str
      returned: always
    recovery_public_ips:
      description: Original public IP -> the public IP reserved for it in the recovery zone.
      type: dict
      returned: always
      sample: {"198.51.100.7": "203.0.113.7"}
    alert:
      description: Why the last preparation or move failed; empty when all is well.
      type: str
      returned: always
    runs_twice:
      description: Both VMs of its pair are Running (a host of a lost zone came back and CloudStack started the
        original again beside its recovery VM). Always listed in trouble.
      type: bool
      returned: always
    drift:
      description:
        - What preparation would change on the recovery VM, in words; V([]) when it mirrors the original.
          A VM never prepared shows the deployment of its recovery VM.
        - Null when O(drift=false), for keys that are not root admin, and for VMs that are failing over,
          failed over or failing back.
      type: list
      elements: str
      returned: always
      sample: ["nics: [...] -> [...]"]
    drift_error:
      description: Why preparation would fail for this VM (so no drift could be computed); null otherwise.
      type: str
      returned: always
    trouble:
      description: What is wrong with the VM now (a failed preparation, a move in flight, an alert, drift), or null.
        The VMs in trouble come first in the list.
      type: str
      returned: always
summary:
  description: VM counts per zone, tier and DR state.
  returned: always
  type: list
  elements: dict
  sample: [{"zone": "zone-a", "tier": 1, "state": "Prepared", "count": 3,
            "vms": ["acme-app-1", "acme-web-1", "globex-db-1"]}]
table:
  description: RV(summary) as aligned text lines, for M(ansible.builtin.debug).
  returned: always
  type: list
  elements: str
  sample:
    - "zone    tier  state     VMs  names"
    - "------  ----  --------  ---  -----"
    - "zone-a  1     Prepared  3    acme-app-1, acme-web-1, globex-db-1"
    - "total: 3 DR VMs in 1 zone(s)"
"""

from typing import ClassVar

from ansible_collections.cloudstack.dr.plugins.module_utils.base import DrModule
from ansible_collections.cloudstack.dr.plugins.module_utils.reporting.status import dr_info


class DrInfoModule(DrModule):
    argument_spec: ClassVar[dict] = {
        "zone": {"type": "str"},
        "account": {"type": "str"},
        "vm": {"type": "str"},
        "drift": {"type": "bool", "default": True},
    }

    def run(self) -> dict:
        p = self.params
        return dr_info(self.client, p["zone"], p["account"], p["vm"], p["drift"])


def main() -> None:
    DrInfoModule().execute()


if __name__ == "__main__":
    main()
