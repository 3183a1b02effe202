#!/usr/bin/python
# Copyright: cloudstack.dr contributors
# Apache License 2.0 (see LICENSE)

from __future__ import annotations

DOCUMENTATION = r"""
module: dr_offering
short_description: Mark a CloudStack service offering as DR-enabled, with its tier and RTO
version_added: 0.1.0
description:
  - Marks the service offering O(offering) as DR-enabled. The VMs that use it get a recovery VM in the recovery
    zone of their zone (see M(cloudstack.dr.zone_link)) and are failed over tier by tier, O(tier=1) first.
  - Stored as details of the service offering, as the collection's C(docs/metadata.md) describes.
    C(dr.enabled), C(dr.tier), C(dr.rto) and C(dr.rpo) are visible to whoever sees the offering;
    C(dr.storage_tags) and C(dr.recovery_offering) are hidden. Only the keys that differ are written,
    and other C(dr.) keys of the offering are left alone.
  - Refuses, before any change, an unknown offering or recovery offering, a malformed O(rto), and a recovery
    offering that is not offered in a recovery zone. At least one zone must be linked with
    M(cloudstack.dr.zone_link) first.
  - Needs a root admin's API key, because only root admins may add service offering details.
author:
  - cloudstack.dr contributors
extends_documentation_fragment:
  - cloudstack.dr.cloudstack
  - cloudstack.dr.attributes
attributes:
  diff_mode:
    description: Shows the offering's DR details before and after.
options:
  offering:
    description:
      - Name or id of the service offering.
    type: str
    required: true
    aliases: [service_offering]
  tier:
    description:
      - Recovery order of the offering's VMs at failover. V(1) recovers first, then V(2), and so on.
      - Required with O(state=present).
    type: int
  rto:
    description:
      - Recovery time objective of the offering's VMs, a number with a unit V(s), V(m), V(h) or V(d),
        for example V(15m), V(1h), V(24h) or V(1h30m). Failover reports say whether it was met.
      - Required with O(state=present).
    type: str
  rpo:
    description:
      - Recovery point objective of the offering's VMs, the most data (as a duration) a disaster failover may
        lose, with the same units as O(rto), for example V(5m) or V(15m). An unplanned failover refuses, before any
        change, a VM whose replica is further behind unless told to accept the data loss; every failover reports
        the point in time each VM's data is from.
      - When omitted, no target is kept and the loss is only reported.
    type: str
  storage_tags:
    description:
      - The storage tags the volumes of DR VMs must carry, so they land on replicated primary storage.
      - Defaults to the offering's own storage tags. V([]) stores none.
    type: list
    elements: str
  recovery_offering:
    description:
      - Name or id of the service offering the recovery VMs get in the recovery zone.
      - It must be offered in every recovery zone of the zones where O(offering) is offered.
      - Defaults to O(offering) itself.
    type: str
  state:
    description:
      - V(present) marks the offering DR-enabled, V(absent) removes every DR detail this module writes.
    type: str
    choices: [present, absent]
    default: present
"""

EXAMPLES = r"""
- name: Recover the VMs of dr-small first, within an hour
  cloudstack.dr.dr_offering:
    offering: dr-small
    tier: 1
    rto: 1h
    rpo: 15m
    storage_tags: [dr]

- name: Batch VMs come back second, on a smaller offering in the recovery zone
  cloudstack.dr.dr_offering:
    offering: batch-large
    tier: 2
    rto: 24h
    recovery_offering: batch-small

- name: The offering is no longer protected
  cloudstack.dr.dr_offering:
    offering: batch-large
    state: absent
"""

RETURN = r"""
extends_documentation_fragment:
  - cloudstack.dr.cloudstack
  - cloudstack.dr.attributes
dr_offering:
  description: The DR offering as it is after the run (in check mode, as it would be).
  returned: always
  type: dict
  contains:
    offering:
      description: Id and name of the service offering.
      type: dict
      returned: always
      sample: {"id": "c5edda28-f16e-4879-8037-6ee90d492953", "name": "dr-small"}
    tier:
      description: The recovery tier.
      type: int
      returned: when O(state=present)
      sample: 1
    rto:
      description: The recovery time objective.
      type: str
      returned: when O(state=present)
      sample: 1h
    rpo:
      description: The recovery point objective; null when none.
      type: str
      returned: when O(state=present)
      sample: 15m
    storage_tags:
      description: The storage tags of DR volumes.
      type: list
      elements: str
      returned: when O(state=present)
      sample: [dr]
    recovery_offering:
      description: Id and name of the offering used in the recovery zone.
      type: dict
      returned: when O(state=present)
      sample: {"id": "c5edda28-f16e-4879-8037-6ee90d492953", "name": "dr-small"}
    recovery_zones:
      description: The recovery zones of the linked zones that offer it (id and name each).
      type: list
      elements: dict
      returned: when O(state=present)
      sample: [{"id": "0d3f6c55-3a47-4c3b-8bd0-2d5a1c1f3e02", "name": "zone-b"}]
    state:
      description: V(present) or V(absent).
      type: str
      returned: always
      sample: present
actions:
  description: The offering details written (or, in check mode, that would be).
  sample: [{"resource": "service offering dr-small", "set": {"dr.enabled": "true", "dr.rto": "1h", "dr.tier": "1"},
            "remove": []}]
"""

from typing import ClassVar

from ansible_collections.cloudstack.dr.plugins.module_utils.base import ConfigModule
from ansible_collections.cloudstack.dr.plugins.module_utils.config.dr_offering import DrOfferings


class DrOfferingModule(ConfigModule):
    config = DrOfferings
    represent: ClassVar[str] = "dr_offering"
    argument_spec: ClassVar[dict] = {
        "offering": {"type": "str", "required": True, "aliases": ["service_offering"]},
        "tier": {"type": "int"},
        "rto": {"type": "str"},
        "rpo": {"type": "str"},
        "storage_tags": {"type": "list", "elements": "str"},
        "recovery_offering": {"type": "str"},
        "state": {"type": "str", "choices": ["present", "absent"], "default": "present"},
    }
    module_kwargs: ClassVar[dict] = {"required_if": [("state", "present", ["tier", "rto"])]}
    plan_options: ClassVar[tuple] = ("offering", "tier", "rto", "storage_tags", "recovery_offering", "state",
                                     "rpo")


def main() -> None:
    DrOfferingModule().execute()


if __name__ == "__main__":
    main()
