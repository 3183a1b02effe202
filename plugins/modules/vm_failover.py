#!/usr/bin/python
# Copyright: cloudstack.dr contributors
# Apache License 2.0 (see LICENSE)

from __future__ import annotations

DOCUMENTATION = r"""
module: vm_failover
short_description: Fail DR-protected CloudStack VMs over to their recovery zone
version_added: 0.1.0
description:
  - Moves each selected VM to its recovery VM in the recovery zone. The original is stopped (forced in
    V(unplanned) mode, as its host may be gone); the UUIDs are swapped, the original hidden and the recovery VM
    shown in its place, so the owner keeps seeing one VM with the same id, and its DR status and where it runs,
    throughout the move. The original's volumes are detached and kept. The replicated volumes are imported from
    the pools introduced by M(cloudstack.dr.storage_introduce) and attached to the recovery VM (root at device 0,
    data disks in their original order), which is started. The DR state becomes V(FailedOver).
  - Tiers move in order, lowest first; a tier's VMs are all started before the next tier begins.
author:
  - cloudstack.dr contributors
extends_documentation_fragment:
  - cloudstack.dr.cloudstack
  - cloudstack.dr.attributes.move
  - cloudstack.dr.selection
  - cloudstack.dr.move
"""

EXAMPLES = r"""
- name: Fail over every protected VM of the lost zone-a
  cloudstack.dr.vm_failover:
    zone: zone-a
    progress_log: /var/log/dr-failover.log

- name: Check what a failover of tier 1 would do
  cloudstack.dr.vm_failover:
    zone: zone-a
    tier: 1
    validate_only: true

- name: Planned migration of two VMs
  cloudstack.dr.vm_failover:
    vms: [web-1, db-1]
    mode: planned
"""

RETURN = r"""
extends_documentation_fragment:
  - cloudstack.dr.move
  - cloudstack.dr.cloudstack
vms:
  description: One entry per VM that moved, was resumed, was found done, or was refused.
  sample: [{"name": "acme-web-1", "id": "5b1b3c5e-8c0e-4c8a-9f1e-2a5c1d7e9b01", "tier": 1, "state": "FailedOver",
            "failed": false, "error": null, "seconds": 9.8, "rto": "1h", "rto_met": true, "notes": []}]
plan:
  description: With O(validate_only) or in check mode, what would happen to each accepted VM.
  sample: [{"name": "acme-web-1", "id": "5b1b3c5e-8c0e-4c8a-9f1e-2a5c1d7e9b01", "tier": 1, "rto": "1h",
             "action": "failover"}]
summary:
  description: Counts over the selection.
  sample: {"selected": 3, "done": 2, "failed": 0, "refused": 1, "held": 0}
"""

from ansible_collections.cloudstack.dr.plugins.module_utils.move_module import MoveModule


def main() -> None:
    MoveModule("failover").execute()


if __name__ == "__main__":
    main()
