#!/usr/bin/python
# Copyright: cloudstack.dr contributors
# Apache License 2.0 (see LICENSE)

from __future__ import annotations

DOCUMENTATION = r"""
module: storage_introduce
short_description: Introduce the replicated primary storage of a zone on the other side of its zone link
version_added: 0.1.0
description:
  - For every primary storage pool of O(zone) that M(cloudstack.dr.storage_map) mapped, creates the
    CloudStack pool for its replica (C(createStoragePool)) or finds the one an earlier run created, and
    reports the replicated volume files CloudStack finds there (C(listVolumesForImport)).
  - With O(direction=failover), the replicas appear in the recovery zone; with O(direction=failback), the
    copies replicated back from the recovery zone appear in O(zone) itself.
  - With O(direction=failback), the fence a disaster failover put on O(zone) is lifted first (as
    M(cloudstack.dr.zone_fence) with O(cloudstack.dr.zone_fence#module:state=absent) does) - its hosts mount the
    pools introduced there, so the hosts the fence powered off are powered on and awaited.
  - The introduced pool's id is recorded on the source pool, so re-runs and the volume import find it.
    Introducing is idempotent and never changes or removes an existing pool.
  - Needs a root admin's API key.
author:
  - cloudstack.dr contributors
extends_documentation_fragment:
  - cloudstack.dr.cloudstack
attributes:
  check_mode:
    support: full
    description: Reports which pools would be created and creates none.
  diff_mode:
    support: none
options:
  zone:
    description: The active zone of the link (name or id); the lost zone on failover, the home zone on failback.
    type: str
    required: true
  direction:
    description: Which copies to introduce.
    type: str
    choices: [failover, failback]
    default: failover
  unfence_timeout:
    description: With O(direction=failback), seconds to wait for the hosts of a fenced O(zone) to be Up once powered
      back on; when they are not, the module fails, nothing introduced and the zone still fenced.
    type: float
    default: 900
"""

EXAMPLES = r"""
- name: Introduce the replicas of zone-a's pools in its recovery zone
  cloudstack.dr.storage_introduce:
    zone: zone-a

- name: Introduce the copies coming home for failback
  cloudstack.dr.storage_introduce:
    zone: zone-a
    direction: failback
"""

RETURN = r"""
extends_documentation_fragment:
  - cloudstack.dr.cloudstack
pools:
  description: One entry per mapped pool of the zone.
  returned: always
  type: list
  elements: dict
  contains:
    source:
      description: Id and name of the mapped pool.
      type: dict
      returned: always
    pool:
      description: Id and name of the introduced pool; null in check mode when it does not exist yet, or on error.
      type: dict
      returned: always
    created:
      description: Whether this run created the pool.
      type: bool
      returned: always
    files:
      description: How many replicated volume files CloudStack found on the introduced pool.
      type: int
      returned: always
    error:
      description: Why the pool could not be introduced; null when it was.
      type: str
      returned: always
  sample: [{"source": {"id": "1b2c...", "name": "pool-a1"}, "pool": {"id": "9f8e...", "name": "pool-a1-replica"},
            "created": true, "files": 12, "error": null}]
failed_pools:
  description: How many pools could not be introduced.
  returned: always
  type: int
fence_text:
  description: With O(direction=failback), what lifting the fence of O(zone) did (empty when it was not fenced).
  returned: always
  type: list
  elements: str
  sample: ["unfenced zone zone-a: powered on kvm-a1, kvm-a2; enabled 2 hosts; enabled the zone"]
"""

from typing import ClassVar

from ansible_collections.cloudstack.dr.plugins.module_utils.base import DrModule
from ansible_collections.cloudstack.dr.plugins.module_utils.engine.fence import UNFENCE_TIMEOUT
from ansible_collections.cloudstack.dr.plugins.module_utils.engine.introduce import (
    introduce_storage,
)


class StorageIntroduceModule(DrModule):
    argument_spec: ClassVar[dict] = {
        "zone": {"type": "str", "required": True},
        "direction": {"type": "str", "choices": ["failover", "failback"], "default": "failover"},
        "unfence_timeout": {"type": "float", "default": UNFENCE_TIMEOUT},
    }

    def run(self) -> dict:
        p = self.params
        return introduce_storage(self.client, p["zone"], p["direction"], check_mode=self.module.check_mode,
                                 unfence_timeout=p["unfence_timeout"])


def main() -> None:
    StorageIntroduceModule().execute()


if __name__ == "__main__":
    main()
