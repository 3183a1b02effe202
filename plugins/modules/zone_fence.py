#!/usr/bin/python
# Copyright: cloudstack.dr contributors
# Apache License 2.0 (see LICENSE)

from __future__ import annotations

DOCUMENTATION = r"""
module: zone_fence
short_description: Fence a lost CloudStack zone, or lift its fence
version_added: 0.1.0
description:
  - When a lost zone comes back, each host that reconnects reports the VMs still running on it and CloudStack
    starts them again, whatever the zone's or the host's allocation state says. A fence keeps what ran in a lost
    zone from running again beside its recovery copy.
  - V(present) fences the zone - its hosts powered off through their BMCs (CloudStack's out-of-band management,
    which needs no agent, so it works while a host is down), each host disabled for allocation, and the zone's
    allocation disabled, so that no VM can be started there by its owner or an admin. A disaster failover with
    M(cloudstack.dr.vm_failover) does this itself before its first VM moves; this module fences a zone ahead of
    it, or again.
  - V(absent) lifts the fence - first stopping any moved original that runs again in the zone, then powering on
    the hosts the fence powered off and waiting for them to be Up, then giving hosts and zone their allocation
    state back. A failback with M(cloudstack.dr.vm_failback) does this itself before its first VM moves.
  - What the fence changes is recorded on the zone first (hidden zone details C(dr.fence) and
    C(dr.fence.host.<id>)), so lifting it restores exactly what was there, and an interrupted fence or lift is
    finished by running it again. The module holds the zone's DR lock while it changes anything, as a failover
    does.
  - A host CloudStack cannot power off (no out-of-band management enabled for it, or a BMC that does not answer) is
    disabled but not powered off; RV(done.not_powered_off) names it and why.
  - Needs a root admin's API key.
author:
  - cloudstack.dr contributors
extends_documentation_fragment:
  - cloudstack.dr.cloudstack
attributes:
  check_mode:
    support: full
    description: Says what it would do (RV(plan)) and changes nothing.
  diff_mode:
    support: full
    description: Before and after, whether the zone is fenced, its allocation state and each host's allocation, power
      and state.
options:
  zone:
    description: The zone (name or id).
    type: str
    required: true
  state:
    description: V(present) fences the zone, V(absent) lifts its fence.
    type: str
    choices: [present, absent]
    default: present
  unfence_timeout:
    description: With O(state=absent), seconds to wait for the hosts powered back on to be Up; when they are not, the
      module fails and the zone stays fenced.
    type: float
    default: 900
  break_lock:
    description: The id of the zone's DR lock held by a run that is dead, as the refusal names it, to take it over.
    type: str
"""

EXAMPLES = r"""
- name: Fence zone-a ahead of its failover
  cloudstack.dr.zone_fence:
    zone: zone-a

- name: What lifting zone-a's fence would do
  cloudstack.dr.zone_fence:
    zone: zone-a
    state: absent
  check_mode: true
  register: unfence_plan

- name: Lift it
  cloudstack.dr.zone_fence:
    zone: zone-a
    state: absent
"""

RETURN = r"""
zone:
  description: The zone's name.
  returned: always
  type: str
  sample: zone-a
plan:
  description: What the module does (or, in check mode, would do), in a line.
  returned: always
  type: str
  sample: "fence zone zone-a: disable its allocation; disable 3 hosts; power off 3 hosts through their BMCs (kvm-a1,
    kvm-a2, kvm-a3)"
text:
  description: What was done, in lines (empty when nothing was).
  returned: always
  type: list
  elements: str
  sample: ["fenced zone zone-a: disabled the zone; disabled 3 hosts; powered off kvm-a1, kvm-a2, kvm-a3"]
done:
  description: What was done, in detail (the keys of the state asked for).
  returned: when changed and not in check mode
  type: dict
  contains:
    zone_disabled:
      description: With O(state=present), whether the zone's allocation was disabled now.
      type: bool
      returned: success
    hosts_disabled:
      description: With O(state=present), the hosts disabled now.
      type: list
      elements: str
      returned: success
    powered_off:
      description: With O(state=present), the hosts powered off now.
      type: list
      elements: str
      returned: success
    not_powered_off:
      description: With O(state=present), the hosts that could not be powered off, each with why.
      type: dict
      returned: success
    stopped:
      description: With O(state=absent), the moved originals found running again and stopped.
      type: list
      elements: str
      returned: success
    powered_on:
      description: With O(state=absent), the hosts powered back on.
      type: list
      elements: str
      returned: success
    hosts_enabled:
      description: With O(state=absent), the hosts enabled again.
      type: list
      elements: str
      returned: success
    zone_enabled:
      description: With O(state=absent), whether the zone's allocation was given back.
      type: bool
      returned: success
"""

from typing import ClassVar

from ansible_collections.cloudstack.dr.plugins.module_utils.base import DrModule
from ansible_collections.cloudstack.dr.plugins.module_utils.engine.fence import UNFENCE_TIMEOUT, zone_fence


class ZoneFenceModule(DrModule):
    argument_spec: ClassVar[dict] = {
        "zone": {"type": "str", "required": True},
        "state": {"type": "str", "choices": ["present", "absent"], "default": "present"},
        "unfence_timeout": {"type": "float", "default": UNFENCE_TIMEOUT},
        "break_lock": {"type": "str"},
    }

    def run(self) -> dict:
        p = self.params
        result = zone_fence(self.client, p["zone"], p["state"], self.module.check_mode, p["unfence_timeout"],
                            p["break_lock"])
        for host, why in (result.get("done") or {}).get("not_powered_off", {}).items():
            self.module.warn(f"host {host} of zone {result['zone']} was not powered off: {why}")
        return result


def main() -> None:
    ZoneFenceModule().execute()


if __name__ == "__main__":
    main()
