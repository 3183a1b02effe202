#!/usr/bin/python
# Copyright: cloudstack.dr contributors
# Apache License 2.0 (see LICENSE)

from __future__ import annotations

DOCUMENTATION = r"""
module: vm_uuid_swap
short_description: Put a DR-protected VM's id on its original or on its recovery VM
version_added: 0.1.0
description:
  - The owner of a DR-protected VM knows it by one id. During a failover the recovery VM takes over that id
    and the original gets the recovery VM's; failback swaps them back. M(cloudstack.dr.vm_failover) and
    M(cloudstack.dr.vm_failback) do this themselves; this module does only the swap, for repairs and drills.
  - The swap goes through a temporary id in three C(updateVirtualMachine customid=) calls. A journal written
    on the original first makes any interruption safe. The next run finishes the swap, and no two VMs ever
    share an id.
  - Declarative and idempotent. O(holder) names which VM of the pair must carry the owner's id, and nothing
    is done when it already does.
  - Needs a root admin's API key, as only root admins may set a VM's id.
author:
  - cloudstack.dr contributors
extends_documentation_fragment:
  - cloudstack.dr.cloudstack
attributes:
  check_mode:
    support: full
    description: Reports the ids the two VMs would carry and changes nothing.
  diff_mode:
    support: full
    description: Shows the ids of the original and the recovery VM before and after.
options:
  vm:
    description: Name or id of the DR-protected (original) VM.
    type: str
    required: true
  holder:
    description: Which VM of the pair carries the owner's id afterwards.
    type: str
    choices: [original, recovery]
    default: original
"""

EXAMPLES = r"""
- name: Give web-1's id back to the original after a manual repair
  cloudstack.dr.vm_uuid_swap:
    vm: web-1
    holder: original

- name: Let the recovery VM carry the id (what a failover does)
  cloudstack.dr.vm_uuid_swap:
    vm: web-1
    holder: recovery
"""

RETURN = r"""
extends_documentation_fragment:
  - cloudstack.dr.cloudstack
ids:
  description: The ids the original and the recovery VM carry after the run.
  returned: always
  type: dict
  sample: {"original": "0a1b2c3d-...", "recovery": "5b1b3c5e-..."}
user_id:
  description: The id the owner knows the VM by.
  returned: always
  type: str
  sample: 5b1b3c5e-8c0e-4c8a-9f1e-2a5c1d7e9b01
"""

from typing import ClassVar

from ansible_collections.cloudstack.dr.plugins.module_utils.base import DrModule
from ansible_collections.cloudstack.dr.plugins.module_utils.engine.orchestrate import swap_ids


class VmUuidSwapModule(DrModule):
    field_names: ClassVar[dict] = {"vms[0]": "vm"}  # the engine selects the VM as a list of one
    argument_spec: ClassVar[dict] = {
        "vm": {"type": "str", "required": True},
        "holder": {"type": "str", "choices": ["original", "recovery"], "default": "original"},
    }

    def run(self) -> dict:
        return swap_ids(self.client, self.params["vm"], self.params["holder"], check_mode=self.module.check_mode)


def main() -> None:
    VmUuidSwapModule().execute()


if __name__ == "__main__":
    main()
