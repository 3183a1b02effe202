#!/usr/bin/python
# Copyright: cloudstack.dr contributors
# Apache License 2.0 (see LICENSE)

from __future__ import annotations

DOCUMENTATION = r"""
module: storage_map
short_description: Tell cloudstack.dr where the replica of a primary storage pool appears
version_added: 0.1.0
description:
  - The storage replicates each DR primary storage pool (SnapMirror, Ceph RBD mirroring, ZFS send...).
    This module records, for the pool O(pool) of a linked active zone, where its replica is introduced in the
    recovery zone at failover (O(replica)) and, optionally, where the data comes back in the active zone at
    failback (O(failback)). M(cloudstack.dr.storage_introduce) and the failover engine create those pools.
  - The recovery zone is the one M(cloudstack.dr.zone_link) linked to the pool's zone; the failback target is
    in the pool's own zone.
  - Stored as hidden details of the pool, as the collection's C(docs/metadata.md) describes,
    C(dr.replica_zone), C(dr.replica_url), C(dr.replica_scope), C(dr.replica_pod), C(dr.replica_cluster),
    C(dr.replica_tags), C(dr.replica_device) and the same seven with C(dr.failback_), and the pool's
    replication C(dr.replication_adapter), C(dr.replication_options) and C(dr.replication_device). Only the
    keys that differ are written.
    C(dr.replica_pool) and C(dr.failback_pool), written by the engine when it introduces a pool, are never
    changed.
  - Refuses, before any change, an unknown pool, a pool whose zone is not linked, a pod or cluster that is
    not in the target zone, a malformed URL, a replica URL that is the pool's own, an unknown replication
    adapter or adapter option, a device the adapter does not know, and a pool device that replicates to a
    device the map does not name.
  - Needs a root admin's API key, because only root admins may add pool details.
author:
  - cloudstack.dr contributors
extends_documentation_fragment:
  - cloudstack.dr.cloudstack
  - cloudstack.dr.attributes
attributes:
  diff_mode:
    description: Shows the pool's storage-map details before and after.
options:
  pool:
    description:
      - Name or id of a primary storage pool of a zone linked with M(cloudstack.dr.zone_link).
    type: str
    required: true
  replica:
    description:
      - Where the pool's replica is introduced in the recovery zone. Required with O(state=present).
    type: dict
    suboptions: &target
      url:
        description:
          - URL of the replica, as C(createStoragePool) takes it, C(scheme://host/path), for example
            V(nfs://10.2.0.21/export/replica-a1). Schemes V(nfs), V(rbd), V(iscsi), V(smb), V(gluster),
            V(presetup), V(sharedmountpoint) and the other primary storage schemes CloudStack knows.
          - It is stored in a hidden pool detail; avoid URLs with credentials in them.
        type: str
        required: true
      scope:
        description:
          - Scope of the introduced pool.
        type: str
        choices: [cluster, zone]
        default: cluster
      pod:
        description:
          - Name or id of the pod, in the target zone. Only with O(replica.scope=cluster).
          - Defaults to the pod of the cluster.
        type: str
      cluster:
        description:
          - Name or id of the cluster, in the target zone (and pod, when given). Only with
            O(replica.scope=cluster).
          - Defaults to the zone's (or pod's) cluster when it has exactly one; otherwise required.
        type: str
      tags:
        description:
          - Storage tags of the introduced pool. Defaults to the tags of O(pool); V([]) gives none.
        type: list
        elements: str
      device:
        description:
          - The replica's device in the O(replication) adapter (for the simulator adapter, the array's name),
            the one the pool's device replicates to. Required with O(replication).
          - The failback side's device is where the replica replicates to after a failover (reverse
            replication), so that the data written in the recovery zone comes home.
        type: str
  failback:
    description:
      - Where the data comes back in the active zone (the pool's own zone) at failback; same shape as
        O(replica).
      - When omitted, the stored failback map is kept.
    type: dict
    suboptions: *target
  replication:
    description:
      - How the pool's storage replicates, through a replication adapter (see C(docs/adapters.md)); the failover
        and failback promote, synchronise and reverse the replication through it, and measure how far behind
        each replica is.
      - When omitted, the stored replication is kept; a pool without one is introduced as it is, and the
        storage is the operator's to promote.
    type: dict
    suboptions:
      adapter:
        description:
          - V(simulator) drives the arrays of the collection's CloudStack simulator with the module's
            credentials; V(command) runs O(replication.options.executable) per operation (JSON over stdio).
        type: str
        required: true
        choices: [simulator, command]
      device:
        description:
          - The pool's own device in the adapter (an export, a Ceph pool, a ZFS dataset, a SnapMirror volume).
        type: str
        required: true
      options:
        description:
          - The adapter's options. V(command) needs C(executable) (an absolute path on the controller) and takes
            C(timeout) (seconds per operation, default 60); any other key is passed to the executable.
            V(simulator) takes C(control_url) (default, beside O(api_url)).
          - Stored in a hidden pool detail: never put secrets here, the executable reads its own.
        type: dict
        default: {}
  state:
    description:
      - V(present) writes the map, V(absent) removes every C(dr.replica_*), C(dr.failback_*) and
        C(dr.replication_*) detail this module writes.
    type: str
    choices: [present, absent]
    default: present
"""

EXAMPLES = r"""
- name: Map pool-a1 of zone-a to its replica in zone-b and its failback array in zone-a
  cloudstack.dr.storage_map:
    pool: pool-a1
    replica:
      url: nfs://10.2.0.21/export/replica-a1
      cluster: zone-b-cluster1
      tags: [dr]
    failback:
      url: nfs://10.1.0.31/export/failback-a1

- name: The same, with the storage's replication driven through an adapter script
  cloudstack.dr.storage_map:
    pool: pool-a1
    replication:
      adapter: command
      device: tank/pool-a1
      options:
        executable: /opt/dr/replication-adapter
        remote: zfs-b.example.com
    replica:
      url: nfs://10.2.0.21/export/replica-a1
      device: tank/replica-a1
    failback:
      url: nfs://10.1.0.31/export/failback-a1
      device: tank/failback-a1

- name: Forget the map of pool-a1
  cloudstack.dr.storage_map:
    pool: pool-a1
    state: absent

- name: A Ceph pool whose mirror is visible to the whole recovery zone
  cloudstack.dr.storage_map:
    pool: ceph-a
    replica:
      url: rbd://10.2.0.50/rbd-mirror
      scope: zone
"""

RETURN = r"""
extends_documentation_fragment:
  - cloudstack.dr.cloudstack
  - cloudstack.dr.attributes
actions:
  description: The pool details written (or, in check mode, that would be).
  sample: [{"resource": "pool pool-a1", "set": {"dr.replica_url": "nfs://10.2.0.21/export/replica-a1"}, "remove": []}]
storage_map:
  description: The storage map as it is after the run (in check mode, as it would be).
  returned: always
  type: dict
  contains:
    pool:
      description: Id and name of the pool.
      type: dict
      returned: always
      sample: {"id": "20b51b2e-3f42-4bb0-a651-317f26fa1b50", "name": "pool-a1"}
    zone:
      description: Id and name of the pool's zone.
      type: dict
      returned: always
      sample: {"id": "60879c18-d27c-4b08-a780-7140ced746ca", "name": "zone-a"}
    replica:
      description:
        - The replica target, C(zone), C(pod), C(cluster) (id and name each; pod and cluster null with scope
          zone), C(url), C(scope) and C(tags). Null when O(state=absent).
      type: dict
      returned: always
      sample: {"zone": {"id": "c645968b-3f27-4b12-b9b6-b0e35561d011", "name": "zone-b"},
               "url": "nfs://10.2.0.21/export/replica-a1", "scope": "cluster",
               "pod": {"id": "774e246a-c704-402d-802c-56d8c967a7f4", "name": "zone-b-pod1"},
               "cluster": {"id": "2fb95156-e84e-4f70-863f-5ea974c9e815", "name": "zone-b-cluster1"}, "tags": ["dr"]}
    failback:
      description:
        - The failback target, as O(replica). When O(failback) was omitted, what is stored (ids only), or null.
      type: dict
      returned: always
    replication:
      description: The pool's replication, C(adapter), C(device) and C(options); null when there is none.
      type: dict
      returned: always
      sample: {"adapter": "simulator", "device": "array-a1", "options": {}}
    state:
      description: V(present) or V(absent).
      type: str
      returned: always
      sample: present
"""

from typing import ClassVar

from ansible_collections.cloudstack.dr.plugins.module_utils.base import ConfigModule
from ansible_collections.cloudstack.dr.plugins.module_utils.config.storage_map import StorageMaps

TARGET = {
    "url": {"type": "str", "required": True},
    "scope": {"type": "str", "choices": ["cluster", "zone"], "default": "cluster"},
    "pod": {"type": "str"},
    "cluster": {"type": "str"},
    "tags": {"type": "list", "elements": "str"},
    "device": {"type": "str"},
}
REPLICATION = {
    "adapter": {"type": "str", "required": True, "choices": ["simulator", "command"]},
    "device": {"type": "str", "required": True},
    "options": {"type": "dict", "default": {}},
}


class StorageMapModule(ConfigModule):
    config = StorageMaps
    represent: ClassVar[str] = "storage_map"
    argument_spec: ClassVar[dict] = {
        "pool": {"type": "str", "required": True},
        "replica": {"type": "dict", "options": TARGET},
        "failback": {"type": "dict", "options": TARGET},
        "replication": {"type": "dict", "options": REPLICATION},
        "state": {"type": "str", "choices": ["present", "absent"], "default": "present"},
    }
    module_kwargs: ClassVar[dict] = {"required_if": [("state", "present", ["replica"])]}
    plan_options: ClassVar[tuple] = ("pool", "replica", "failback", "state", "replication")


def main() -> None:
    StorageMapModule().execute()


if __name__ == "__main__":
    main()
