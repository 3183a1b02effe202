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
    V(unplanned) mode, as its host may be gone), its volumes are detached and kept, and it is hidden.
    The replicated volumes are imported from the pools introduced by M(cloudstack.dr.storage_introduce)
    and attached to the recovery VM (root at device 0, data disks in their original order). The UUIDs
    are swapped, so the owner keeps seeing one VM with the same id, and the recovery VM is shown and
    started. The DR state becomes V(FailedOver).
  - Tiers move in order, lowest first; a tier's VMs are all started before the next tier begins.
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
      - V(unplanned) (a lost zone) stops the originals with C(forced=true).
      - V(planned) (a migration) stops them cleanly and refuses a VM whose original cannot be stopped.
    type: str
    choices: [planned, unplanned]
    default: unplanned
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
vms:
  description: One entry per VM that moved, was resumed, was found done, or was refused.
  returned: unless O(validate_only)
  type: list
  elements: dict
  contains:
    name:
      description: Name of the VM.
      type: str
      returned: always
    id:
      description: The VM id its owner sees (unchanged by the move).
      type: str
      returned: always
    tier:
      description: DR tier of the VM.
      type: int
      returned: always
    state:
      description: DR state after the run, V(FailedOver) when the move finished.
      type: str
      returned: always
    failed:
      description: Whether the VM did not finish moving (or was refused).
      type: bool
      returned: always
    refused:
      description: True when validation refused the VM before anything changed.
      type: bool
      returned: when refused
    error:
      description: Why the VM failed or was refused, with the fix.
      type: str
      returned: always
    step_seconds:
      description: Seconds each step took for the VM's batch.
      type: dict
      returned: always
      sample: {"begin": 0.2, "stop": 1.1, "record": 0.1, "hide": 0.1, "detach": 1.0, "import": 1.2,
               "attach": 2.3, "swap": 0.2, "start": 1.1, "finish": 0.3}
    seconds:
      description: Seconds from the VM's first step to its last.
      type: float
      returned: always
    rto:
      description: The RTO target of the VM's DR offering.
      type: str
      returned: always
    rto_met:
      description: Whether the VM was running within its RTO target; null when unknown.
      type: bool
      returned: always
    notes:
      description: Things an admin should know, such as the source volumes kept for later clean-up.
      type: list
      elements: str
      returned: always
plan:
  description: With O(validate_only) or in check mode, what would happen to each accepted VM.
  returned: when O(validate_only) or check mode
  type: list
  elements: dict
  sample: [{"name": "acme-web-1", "id": "5b1b3c5e-8c0e-4c8a-9f1e-2a5c1d7e9b01", "tier": 1, "rto": "1h",
             "action": "failover"}]
summary:
  description: Counts over the selection.
  returned: always
  type: dict
  sample: {"selected": 3, "done": 2, "failed": 0, "refused": 1}
"""

from typing import ClassVar

from ansible_collections.cloudstack.dr.plugins.module_utils.base import DrModule, fail_when_all_refused
from ansible_collections.cloudstack.dr.plugins.module_utils.engine.orchestrate import (
    move_options,
    move_vms,
)


class VmFailoverModule(DrModule):
    output_paths: ClassVar[tuple] = ("progress_log",)
    argument_spec: ClassVar[dict] = move_options(default_mode="unplanned")

    def run(self):
        p = self.params
        result = move_vms(self.client, "failover", p["vms"], p["zone"], p["account"], p["domain"], p["tier"],
                          p["mode"], p["allow_drift"], p["force"], p["progress_log"],
                          validate_only=p["validate_only"] or self.module.check_mode)
        return fail_when_all_refused(result, p["vms"], "failover")


def main():
    module = VmFailoverModule()
    module.exit_with(module.run)


if __name__ == "__main__":
    main()
