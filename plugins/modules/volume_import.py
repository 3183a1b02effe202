#!/usr/bin/python
# Copyright: cloudstack.dr contributors
# Apache License 2.0 (see LICENSE)

from __future__ import annotations

DOCUMENTATION = r"""
module: volume_import
short_description: Import the replicated volumes of DR-protected VMs and attach them to the other VM of the pair
version_added: 0.1.0
description:
  - For each selected VM, matches its volumes by path to the replicated files on the pools introduced by
    M(cloudstack.dr.storage_introduce), imports them (C(importVolume)) into the VM's account with the right
    disk offering, and attaches them to the recovery VM (O(direction=failover)) or to the original
    (O(direction=failback)). The root goes to device 0, in place of the never-materialised placeholder root,
    and the data disks keep their original device order.
  - A volume whose file is missing on the introduced pool is an error for that VM, never a silent skip.
    A volume already imported by an earlier run is reused, not imported twice.
  - Pools replicated through an adapter (M(cloudstack.dr.storage_map) O(cloudstack.dr.storage_map#module:replication))
    are made writable first, as the move does by default - forced on failover, after a final sync on failback
    (the VMs on the device must then be stopped).
  - These are the import and attach steps of M(cloudstack.dr.vm_failover) and M(cloudstack.dr.vm_failback),
    which call them themselves. Running them alone starts the move's journal, so a later vm_failover or
    vm_failback continues from here.
  - VMs that may not move are refused with the reason and the fix. When every selected VM is refused,
    nothing changes and the module fails with the refusals.
  - Needs a root admin's API key.
author:
  - cloudstack.dr contributors
extends_documentation_fragment:
  - cloudstack.dr.cloudstack
  - cloudstack.dr.selection
attributes:
  check_mode:
    support: full
    description: Lists the VMs whose volumes would be imported and changes nothing.
  diff_mode:
    support: none
options:
  direction:
    description: V(failover) attaches to the recovery VMs, V(failback) to the originals.
    type: str
    choices: [failover, failback]
    default: failover
  confirm_zone_lost:
    description:
      - On failover the replicas are made writable with force, so CloudStack must report each zone of the VMs lost
        (none of its hypervisor hosts Up or reconnecting), or the zone must be named here (name or id); otherwise
        the call is refused before any change.
    type: list
    elements: str
    default: []
"""

EXAMPLES = r"""
- name: Import and attach the replicas of web-1's volumes to its recovery VM
  cloudstack.dr.volume_import:
    vms: [web-1]
"""

RETURN = r"""
extends_documentation_fragment:
  - cloudstack.dr.cloudstack
vms:
  description:
    - Per VM, what was done, as M(cloudstack.dr.vm_failover) reports it (steps begin, record, promote, import,
      attach).
  returned: always
  type: list
  elements: dict
summary:
  description: Counts over the selection.
  returned: unless in check mode
  type: dict
  sample: {"selected": 1, "done": 1, "failed": 0, "refused": 0}
"""

from typing import ClassVar

from ansible_collections.cloudstack.dr.plugins.module_utils.base import DrModule
from ansible_collections.cloudstack.dr.plugins.module_utils.engine.orchestrate import import_volumes, selection_options
from ansible_collections.cloudstack.dr.plugins.module_utils.move_module import fail_when_all_refused


class VolumeImportModule(DrModule):
    argument_spec: ClassVar[dict] = {
        "direction": {"type": "str", "choices": ["failover", "failback"], "default": "failover"},
        **selection_options(),
        "confirm_zone_lost": {"type": "list", "elements": "str", "default": []},
    }

    def run(self) -> dict:
        p = self.params
        result = import_volumes(self.client, p["direction"], p["vms"], p["zone"], p["account"], p["domain"],
                                check_mode=self.module.check_mode, confirm_zone_lost=p["confirm_zone_lost"])
        return fail_when_all_refused(result, p["vms"], f"have its volumes imported for {p['direction']}")


def main() -> None:
    VolumeImportModule().execute()


if __name__ == "__main__":
    main()
