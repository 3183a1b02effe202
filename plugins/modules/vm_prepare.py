#!/usr/bin/python
# Copyright: cloudstack.dr contributors
# Apache License 2.0 (see LICENSE)

from __future__ import annotations

DOCUMENTATION = r"""
module: vm_prepare
short_description: Create or reconcile the recovery VMs of DR-protected CloudStack VMs
version_added: 0.1.0
description:
  - For each selected VM of a DR-enabled service offering, makes sure its recovery VM exists in the
    recovery zone of the VM's zone link and mirrors it, and records the DR state on the VM.
  - A recovery VM is metadata only. It is deployed stopped (C(startvm=false)) and hidden from the owner
    (C(displayvm=false)), so no volume is materialised and no CPU or memory is used. It has the same name,
    account, template, user data, SSH keys and affinity groups as the original, and the recovery offering of
    the DR offering.
  - Each NIC of the original gets a NIC in the matching network of the recovery zone, with the same guest IP
    when the CIDR allows. Isolated networks and VPC tiers are created there if missing (a VPC with
    C(start=false), so nothing is implemented). Shared networks follow the zone link's network map.
  - Each public IP of the original with static NAT or port forwarding to it gets a reserved public IP in the
    recovery network with the same static NAT, firewall and port-forwarding rules; the egress rules of each
    isolated network are mirrored too.
  - Each isolated recovery network and recovery VPC gets its source NAT IP first (CloudStack makes the first
    IP of a network without one its source NAT IP, where static NAT is refused). Rules on the original's
    source NAT IP land on it, every recovery public address is known before a failover, and starting the
    recovery VMs takes no new IP.
  - Every run reconciles drift. A NIC added or removed, a rule added or removed, an offering or user data
    changed on the original makes the recovery VM follow, and the result says exactly what changed.
  - The original VM is never changed, apart from its DR details. When its recovery side cannot be prepared
    (no network mapping, no capacity, template missing in the recovery zone), the VM gets
    C(dr.state=PrepareFailed) and a C(dr.alert) naming the cause, a CloudStack alert is raised, and the other
    VMs of the batch go on.
  - The VMs of a batch are prepared together, phase by phase, so their async jobs run concurrently.
  - Needs a root admin's API key.
author:
  - cloudstack.dr contributors
extends_documentation_fragment:
  - cloudstack.dr.cloudstack
  - cloudstack.dr.selection
attributes:
  check_mode:
    support: full
    description: Reports, per VM, what would be created or changed, and changes nothing.
  diff_mode:
    support: full
    description: Shows, per VM, the recovery VM's summary before and after (offering, NICs, public IPs, rules).
options:
  batch_size:
    description:
      - How many VMs are prepared together. Bounds the async jobs in flight at once.
    type: int
    default: 500
"""

EXAMPLES = r"""
- name: Prepare every DR-protected VM of zone-a
  cloudstack.dr.vm_prepare:
    zone: zone-a

- name: Prepare the VMs of one account, 100 at a time
  cloudstack.dr.vm_prepare:
    account: acme
    batch_size: 100

- name: Prepare the hosts of an inventory play in one call
  cloudstack.dr.vm_prepare:
    vms: "{{ ansible_play_batch | map('extract', hostvars, 'dr_vm_id') | list }}"
  run_once: true

- name: Show what preparation would change, without changing it
  cloudstack.dr.vm_prepare:
    vms: [web-1]
  check_mode: true
  diff: true
"""

RETURN = r"""
extends_documentation_fragment:
  - cloudstack.dr.cloudstack
vms:
  description: One entry per selected VM, in the order selected.
  returned: always
  type: list
  elements: dict
  contains:
    name:
      description: Name of the original VM.
      type: str
      returned: always
    id:
      description: Id of the original VM.
      type: str
      returned: always
    state:
      description: The VM's DR state after the run, V(Prepared) or V(PrepareFailed).
      type: str
      returned: always
    changed:
      description: Whether anything was (or in check mode, would be) created or changed for this VM.
      type: bool
      returned: always
    error:
      description: Why the VM could not be prepared; null when it was.
      type: str
      returned: always
    changes:
      description: What was done (or would be done), in words.
      type: list
      elements: str
      returned: always
      sample: ["deployed the recovery VM (stopped, hidden, no volumes)",
               "reserved recovery public IP 203.0.113.7 for 198.51.100.7"]
    recovery_vm:
      description: Id of the recovery VM; null when there is none yet.
      type: str
      returned: always
  sample:
    - {"name": "acme-web-1", "id": "5b1b3c5e-8c0e-4c8a-9f1e-2a5c1d7e9b01", "state": "Prepared", "changed": true,
       "error": null, "changes": ["deployed the recovery VM (stopped, hidden, no volumes)"],
       "recovery_vm": "c2d8f7a1-3b4e-4f6a-8c9d-0e1f2a3b4c5d"}
summary:
  description: Counts over the batch.
  returned: always
  type: dict
  sample: {"selected": 3, "prepared": 2, "failed": 1, "changed": 3}
"""

from typing import ClassVar

from ansible_collections.cloudstack.dr.plugins.module_utils.base import DrModule
from ansible_collections.cloudstack.dr.plugins.module_utils.engine.orchestrate import selection_options
from ansible_collections.cloudstack.dr.plugins.module_utils.engine.prepare import prepare_vms


class VmPrepareModule(DrModule):
    argument_spec: ClassVar[dict] = {
        **selection_options(),
        "batch_size": {"type": "int", "default": 500},
    }

    def run(self) -> dict:
        p = self.params
        return prepare_vms(self.client, p["vms"], p["zone"], p["account"], p["domain"], p["batch_size"],
                           check_mode=self.module.check_mode)


def main() -> None:
    VmPrepareModule().execute()


if __name__ == "__main__":
    main()
