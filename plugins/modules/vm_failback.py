#!/usr/bin/python
# Copyright: cloudstack.dr contributors
# Apache License 2.0 (see LICENSE)

from __future__ import annotations

DOCUMENTATION = r"""
module: vm_failback
short_description: Bring failed-over CloudStack VMs back to their home zone
version_added: 0.1.0
description:
  - Moves each selected VM back from its recovery VM to the original in the home zone. The recovery VM is
    stopped, the UUIDs are swapped back, the recovery VM is hidden again and the original shown in its place;
    the recovery VM's volumes are detached (kept on the replica pool, where a later failover reuses them). The
    volumes replicated back from the recovery zone (users wrote to them) are imported from the failback pools
    introduced by M(cloudstack.dr.storage_introduce) with O(mode=planned), attached to the original, and it is
    started. The fence its failover put on the home zone is lifted first.
  - The recovery VM returns to its prepared, metadata-only state, so a later failover works again; the DR
    state becomes V(Prepared). The original's own earlier volumes stay detached and are reported for later
    clean-up.
author:
  - cloudstack.dr contributors
extends_documentation_fragment:
  - cloudstack.dr.cloudstack
  - cloudstack.dr.attributes.move
  - cloudstack.dr.selection
  - cloudstack.dr.move
"""

EXAMPLES = r"""
- name: Bring every VM that came from zone-a back home
  cloudstack.dr.vm_failback:
    zone: zone-a

- name: Bring one account back, following progress in a file
  cloudstack.dr.vm_failback:
    zone: zone-a
    account: acme
    progress_log: /var/log/dr-failback.log
"""

RETURN = r"""
extends_documentation_fragment:
  - cloudstack.dr.move
  - cloudstack.dr.cloudstack
vms:
  description:
    - One entry per VM that moved back, was resumed, was found done, or was refused.
      RV(vms[].state) is V(Prepared) when the VM is home again.
  sample: [{"name": "acme-web-1", "id": "5b1b3c5e-8c0e-4c8a-9f1e-2a5c1d7e9b01", "tier": 1, "state": "Prepared",
            "failed": false, "error": null, "seconds": 11.4, "rto": "1h", "rto_met": true,
            "notes": ["source volumes detached and kept for later clean-up: ROOT-12 (0f1e...)"]}]
summary:
  description: Counts over the selection.
  sample: {"selected": 3, "done": 3, "failed": 0, "refused": 0, "held": 0}
"""

from ansible_collections.cloudstack.dr.plugins.module_utils.move_module import MoveModule


def main() -> None:
    MoveModule("failback").execute()


if __name__ == "__main__":
    main()
