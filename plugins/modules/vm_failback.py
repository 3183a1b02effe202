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
    stopped, its volumes are detached (kept on the replica pool, where a later failover reuses them) and it
    is hidden again. The volumes replicated back from the recovery zone (users wrote to them) are imported
    from the failback pools introduced by M(cloudstack.dr.storage_introduce) with O(mode=planned), attached
    to the original, the UUIDs are swapped back, and the original is shown and started.
  - The recovery VM returns to its prepared, metadata-only state, so a later failover works again; the DR
    state becomes V(Prepared). The original's own earlier volumes stay detached and are reported for later
    clean-up.
  - Each step checks the cloud before acting and journals in a hidden VM detail what it cannot read back,
    so a run interrupted at any point (crash, Ctrl-C, API outage) is finished by running it again.
  - No volume that holds data is ever deleted. The only volume deleted is a recovery VM's placeholder
    root that was never materialised (state Allocated, no file).
  - VMs that may not move are refused with the reason and the fix, and the others go on; per-VM failures
    do not fail the module. When every selected VM is refused, nothing changes and the module fails
    with the refusals. Needs a root admin's API key.
author:
  - cloudstack.dr contributors
extends_documentation_fragment:
  - cloudstack.dr.cloudstack
  - cloudstack.dr.selection
  - cloudstack.dr.move
attributes:
  check_mode:
    support: full
    description: Validates and returns the plan, as O(validate_only), changing nothing.
  diff_mode:
    support: none
options:
  mode:
    description:
      - V(planned) stops the recovery VMs cleanly and refuses a VM whose recovery VM cannot be stopped.
      - V(unplanned) forces the stop.
    type: str
    choices: [planned, unplanned]
    default: planned
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
vms:
  description:
    - One entry per VM that moved back, was resumed, was found done, or was refused, in the shape
      M(cloudstack.dr.vm_failover) returns (name, id, tier, state, failed, refused, error, step_seconds,
      seconds, rto, rto_met, notes). RV(vms[].state) is V(Prepared) when the VM is home again.
  returned: unless O(validate_only)
  type: list
  elements: dict
  sample: [{"name": "acme-web-1", "id": "5b1b3c5e-8c0e-4c8a-9f1e-2a5c1d7e9b01", "tier": 1, "state": "Prepared",
            "failed": false, "error": null, "seconds": 11.4, "rto": "1h", "rto_met": true,
            "notes": ["source volumes detached and kept for later clean-up: ROOT-12 (0f1e...)"]}]
plan:
  description: With O(validate_only) or in check mode, what would happen to each accepted VM.
  returned: when O(validate_only) or check mode
  type: list
  elements: dict
summary:
  description: Counts over the selection.
  returned: always
  type: dict
  sample: {"selected": 3, "done": 3, "failed": 0, "refused": 0}
"""

from typing import ClassVar

from ansible_collections.cloudstack.dr.plugins.module_utils.base import DrModule, fail_when_all_refused
from ansible_collections.cloudstack.dr.plugins.module_utils.engine.orchestrate import (
    move_options,
    move_vms,
)


class VmFailbackModule(DrModule):
    output_paths: ClassVar[tuple] = ("progress_log",)
    argument_spec: ClassVar[dict] = move_options(default_mode="planned")

    def run(self):
        p = self.params
        result = move_vms(self.client, "failback", p["vms"], p["zone"], p["account"], p["domain"], p["tier"],
                          p["mode"], p["allow_drift"], p["force"], p["progress_log"],
                          validate_only=p["validate_only"] or self.module.check_mode)
        return fail_when_all_refused(result, p["vms"], "failback")


def main():
    module = VmFailbackModule()
    module.exit_with(module.run)


if __name__ == "__main__":
    main()
