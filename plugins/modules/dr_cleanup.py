#!/usr/bin/python
# Copyright: cloudstack.dr contributors
# Apache License 2.0 (see LICENSE)

from __future__ import annotations

DOCUMENTATION = r"""
module: dr_cleanup
short_description: Remove what failover and failback left behind once nothing needs it
version_added: 0.1.0
description:
  - Failover and failback never delete what may hold data. They leave behind the source VMs' volumes,
    detached and kept (hidden with their VM), the pools introduced for the replicas, and the storage's
    clones made for drills. This module lists all of them for the storage maps of O(zone), says for each
    whether it can go and why, and removes those that can only with O(confirm=true).
  - B(Kept volumes) are detached volumes whose file (the same path) is attached to a VM from another pool of
    the same storage map. They are unmanaged (C(unmanageVolume)); CloudStack forgets them and their file
    stays on the storage. Only when the replication adapter says their device is read-only (a replica, or a
    source that a planned promotion demoted). A forced promotion leaves the old source writable, and the writes
    made after the replica's last consistent point may exist only there, so those volumes are kept (copy what
    you need, make the device read-only on the storage, run again); so are volumes of pools whose map names
    no adapter.
  - B(Introduced pools) (those storage_introduce created, named in the DR details of a mapped pool) that no
    volume is left on are put in maintenance and deleted (C(deleteStoragePool); the storage is untouched), and
    the DR details naming them are removed, so the next failover or failback introduces them again from the
    storage map's URL. An unused replica pool left in the recovery zone would otherwise be offered to its
    allocators.
  - B(Clones) named by DR (C(dr-clone-<device>-...)) of the maps' devices that no storage pool uses are deleted
    through the adapter.
  - Never touches a volume that is attached, whose file no attached volume shares, or that belongs to a VM in a
    move; no pool is deleted while any VM is in a move. Removing holds the zone's DR lock (as a failover or
    failback does), so it waits for a move of the zone and no move starts meanwhile. An interrupted run is finished
    by running it again.
  - Needs a root admin's API key.
author:
  - cloudstack.dr contributors
extends_documentation_fragment:
  - cloudstack.dr.cloudstack
attributes:
  check_mode:
    support: full
    description: Lists what would be removed and removes nothing (as O(confirm=false) does).
  diff_mode:
    support: full
    description: Before and after, the names of the kept volumes, introduced pools, DR details and clones.
options:
  zone:
    description: The active zone of a zone link (name or id) whose storage maps are cleaned up.
    type: str
    required: true
  confirm:
    description:
      - Remove what the listing says can go. Without it the module only lists (V(changed) stays false).
    type: bool
    default: false
"""

EXAMPLES = r"""
- name: List what a cycle of zone-a left behind
  cloudstack.dr.dr_cleanup:
    zone: zone-a
  register: leftovers

- name: Remove it
  cloudstack.dr.dr_cleanup:
    zone: zone-a
    confirm: true
"""

RETURN = r"""
extends_documentation_fragment:
  - cloudstack.dr.cloudstack
confirmed:
  description: Whether O(confirm) was given (only then was anything removed).
  returned: always
  type: bool
volumes:
  description: The kept volumes found, each with what is (or would be) done with it.
  returned: always
  type: list
  elements: dict
  contains:
    kind:
      description: C(volume).
      type: str
      returned: always
    id:
      description: The volume's id.
      type: str
      returned: always
    name:
      description: The volume's name.
      type: str
      returned: always
    where:
      description: The pool it is on.
      type: str
      returned: always
    action:
      description: C(unmanage), or null when it is kept.
      type: str
      returned: always
    reason:
      description: Why it can go, or why it stays and what to do about it.
      type: str
      returned: always
    ref:
      description: The id of its pool.
      type: str
      returned: always
    path:
      description: Its file on the storage (where to find it once CloudStack forgot it).
      type: str
      returned: always
    done:
      description: Whether this run did the action.
      type: bool
      returned: always
    error:
      description: Why the action failed; null when it did not.
      type: str
      returned: always
  sample: [{"kind": "volume", "id": "5d1c...", "name": "ROOT-597", "where": "pool-a1-replica",
            "action": "unmanage", "done": true, "error": null, "ref": "9f8e...", "path": "a67d0390-61b3-...",
            "reason": "a copy of volume ROOT-597 of VM acme-web-1, on pool pool-a1-failback; device replica-a1 is
                       read-only, the file stays on it"}]
pools:
  description: The introduced pools, each with C(action) C(delete) or null (kept), in the shape of RV(volumes).
  returned: always
  type: list
  elements: dict
pointers:
  description: The DR details (C(dr.replica_pool), C(dr.failback_pool)) naming a pool deleted now or already gone,
    with C(action) C(remove); C(where) is the pool holding the detail, C(ref) the pool it names.
  returned: always
  type: list
  elements: dict
clones:
  description: The clones DR made of the maps' devices, with C(action) C(delete) or null (a pool uses it);
    C(where) is the adapter.
  returned: always
  type: list
  elements: dict
summary:
  description: Counts over every item.
  returned: always
  type: dict
  contains:
    to_remove:
      description: Items that can go.
      type: int
      returned: always
    removed:
      description: Items this run removed.
      type: int
      returned: always
    kept:
      description: Items that stay (each says why).
      type: int
      returned: always
    failed:
      description: Removals that failed (the module then fails).
      type: int
      returned: always
lines:
  description: One line of text per item, for the console.
  returned: always
  type: list
  elements: str
"""

from typing import ClassVar

from ansible_collections.cloudstack.dr.plugins.module_utils.base import DrModule
from ansible_collections.cloudstack.dr.plugins.module_utils.engine.cleanup import clean_up


class DrCleanupModule(DrModule):
    argument_spec: ClassVar[dict] = {
        "zone": {"type": "str", "required": True},
        "confirm": {"type": "bool", "default": False},
    }

    def run(self) -> dict:
        result = clean_up(self.client, self.params["zone"], self.params["confirm"], self.module.check_mode)
        if result["summary"]["failed"]:
            if not self.module._diff:
                result.pop("diff")
            self.module.fail_json(msg=f"{result['summary']['failed']} removals failed: run again to retry",
                                  **result)
        return result


def main() -> None:
    DrCleanupModule().execute()


if __name__ == "__main__":
    main()
