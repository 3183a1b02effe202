#!/usr/bin/python
# Copyright: cloudstack.dr contributors
# Apache License 2.0 (see LICENSE)

from __future__ import annotations

DOCUMENTATION = r"""
module: zone_link
short_description: Link an active CloudStack zone to the recovery zone that protects it
version_added: 0.1.0
description:
  - Declares that the recovery zone O(recovery_zone) protects the active zone O(active_zone), and how the
    shared networks of the active zone map to shared networks of the recovery zone.
  - A zone has at most one recovery zone, but may protect several zones and be protected at the same time
    (A protected by B and B protected by A is allowed).
  - The link is stored as resource details of both zones, as the collection's C(docs/metadata.md) describes.
    C(dr.recovery_zone) (visible) and C(dr.network.<network id>) (hidden) on the active zone,
    C(dr.protects.<active zone id>) (hidden) on the recovery zone. Only the keys that differ are written.
  - Needs a root admin's API key, because only root admins may add zone details.
author:
  - cloudstack.dr contributors
extends_documentation_fragment:
  - cloudstack.dr.cloudstack
  - cloudstack.dr.attributes
attributes:
  diff_mode:
    description: Shows the link's zone details before and after.
options:
  active_zone:
    description:
      - Name or id of the zone to protect.
    type: str
    required: true
    aliases: [zone]
  recovery_zone:
    description:
      - Name or id of the zone that protects O(active_zone). It must be another zone.
      - Required with O(state=present). With O(state=absent) it defaults to the zone currently linked.
      - To change the recovery zone of a linked zone, remove the link first.
    type: str
  network_map:
    description:
      - Which shared network of the recovery zone replaces each shared network of the active zone.
      - When given, it is the whole map (mappings not listed are removed); when omitted, the stored map is kept.
    type: list
    elements: dict
    suboptions:
      active:
        description: Name or id of a shared network of O(active_zone).
        type: str
        required: true
      recovery:
        description: Name or id of a shared network of O(recovery_zone).
        type: str
        required: true
  state:
    description:
      - V(present) creates or updates the link, V(absent) removes it from both zones.
    type: str
    choices: [present, absent]
    default: present
"""

EXAMPLES = r"""
- name: Protect zone-a with zone-b, mapping its shared network
  cloudstack.dr.zone_link:
    active_zone: zone-a
    recovery_zone: zone-b
    network_map:
      - active: shared-a
        recovery: shared-b

- name: Credentials from the [dr-admin] section of cloudstack.ini
  cloudstack.dr.zone_link:
    active_zone: zone-b
    recovery_zone: zone-a
    api_region: dr-admin

- name: Remove the link of zone-a
  cloudstack.dr.zone_link:
    active_zone: zone-a
    state: absent
"""

RETURN = r"""
extends_documentation_fragment:
  - cloudstack.dr.cloudstack
  - cloudstack.dr.attributes
zone_link:
  description: The link as it is after the run (in check mode, as it would be).
  returned: always
  type: dict
  contains:
    active_zone:
      description: Id and name of the active zone.
      type: dict
      returned: always
      sample: {"id": "6a7c3b9e-0a5e-4bd6-9d2b-5b0f7b1b6f01", "name": "zone-a"}
    recovery_zone:
      description: Id and name of the recovery zone; null when O(state=absent) found no link.
      type: dict
      returned: always
      sample: {"id": "0d3f6c55-3a47-4c3b-8bd0-2d5a1c1f3e02", "name": "zone-b"}
    network_map:
      description: The shared-network map, one item per active network; empty when O(state=absent).
      type: list
      elements: dict
      returned: always
      sample: [{"active": {"id": "9a1e...", "name": "shared-a"}, "recovery": {"id": "41bc...", "name": "shared-b"}}]
    state:
      description: V(present) or V(absent).
      type: str
      returned: always
      sample: present
actions:
  description: The zone details written (or, in check mode, that would be), per zone.
  sample: [{"resource": "zone zone-a", "set": {"dr.recovery_zone": "0d3f6c55-3a47-4c3b-8bd0-2d5a1c1f3e02"},
            "remove": []}]
"""

from typing import ClassVar

from ansible_collections.cloudstack.dr.plugins.module_utils.base import ConfigModule
from ansible_collections.cloudstack.dr.plugins.module_utils.config.zone_link import ZoneLinks


class ZoneLinkModule(ConfigModule):
    config = ZoneLinks
    represent: ClassVar[str] = "zone_link"
    argument_spec: ClassVar[dict] = {
        "active_zone": {"type": "str", "required": True, "aliases": ["zone"]},
        "recovery_zone": {"type": "str"},
        "network_map": {
            "type": "list",
            "elements": "dict",
            "options": {"active": {"type": "str", "required": True}, "recovery": {"type": "str", "required": True}},
        },
        "state": {"type": "str", "choices": ["present", "absent"], "default": "present"},
    }
    module_kwargs: ClassVar[dict] = {"required_if": [("state", "present", ["recovery_zone"])]}
    plan_options: ClassVar[tuple] = ("active_zone", "recovery_zone", "network_map", "state")


def main() -> None:
    ZoneLinkModule().execute()


if __name__ == "__main__":
    main()
