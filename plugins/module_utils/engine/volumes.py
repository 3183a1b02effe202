# Copyright: cloudstack.dr contributors
# Apache License 2.0 (see LICENSE)
"""The volume steps of a move: import each source volume's replica, attach them to the target VM.

A replica already managed by CloudStack on the introduced pool (imported by an earlier run, or the
volume an earlier move left there) is used as it is: importVolume refuses a path CloudStack
manages. The target's placeholder root (never materialised: state Allocated, no file) is the only
volume ever deleted; anything else found on the target in a moved volume's place is detached and kept.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..model.listing import list_both, volumes_by_vm

if TYPE_CHECKING:  # move.py runs these steps and imports this module
    from ..vocabulary.journal import VolumeRecord
    from .move import Move, MoveRun


def device_order(vol: dict) -> tuple[int, int]:
    """Root first, then data disks by device id."""
    return (0 if vol.get("type") == "ROOT" else 1, int(vol.get("deviceid") or 0))


def import_replicas(run: MoveRun, moves: list[Move]) -> None:
    managed = {}
    pools = {run.pool_map[r.storageid] for m in moves for r in m.open_journal.recorded if r.storageid in run.pool_map}
    for pool_id in sorted(pools):
        for vol in list_both(run.api, "listVolumes", storageid=pool_id):
            managed[(pool_id, vol.get("path"))] = vol
    requests, by_tag = [], {}
    for m in moves:
        for i, rec in enumerate(m.open_journal.recorded):
            pool = run.pool_map.get(rec.storageid)
            if pool is None:
                m.error = (f"pool {rec.storage} of volume {rec.name} has no introduced pool on the other side: "
                           "run cloudstack.dr.storage_introduce first")
                break
            if rec.imported:
                continue
            have = managed.get((pool, rec.path))
            if have is not None:
                m.open_journal.imported(i, have["id"])
                continue
            tag = f"{m.original['id']}|{i}"
            requests.append((tag, "importVolume", _import_params(m, rec, pool)))
            by_tag[tag] = m
    for tag, result in run.jobs(requests, by_tag, "importing a replicated volume").items():
        by_tag[tag].open_journal.imported(int(tag.split("|", 1)[1]), result["volume"]["id"])
    run.save_journals([m for m in moves if m.open_journal.changed])


def _import_params(m: Move, rec: VolumeRecord, pool: str) -> dict:
    params = {"path": rec.path, "storageid": pool, "name": rec.name,
              "account": m.original.get("account"), "domainid": m.original.get("domainid")}
    if rec.diskofferingid and rec.type != "ROOT":
        params["diskofferingid"] = rec.diskofferingid
    return params


def clear_targets(run: MoveRun, moves: list[Move]) -> dict[str, list[dict]]:
    """Remove from each target what stands in the place of the moved volumes (any volume that is not one of its
    imported replicas); the targets' volumes as they were found."""
    current = volumes_by_vm(run.api, [m.target for m in moves])
    slots = []
    for m in moves:
        wanted = {r.imported for r in m.open_journal.recorded}
        slots += [(m, vol) for vol in current.get(m.target["id"], []) if vol["id"] not in wanted]
    _clear_slots(run, slots)
    return current


def attach_replicas(run: MoveRun, moves: list[Move]) -> None:
    current = clear_targets(run, moves)
    # Device order matters (root first, at 0), so each VM's volumes go one at a time while the
    # batch's VMs go together: one round per device position.
    for i in range(max((len(m.open_journal.recorded) for m in moves), default=0)):
        listing = current if i == 0 else volumes_by_vm(run.api, [m.target for m in moves])
        attached = {v["id"] for vols in listing.values() for v in vols}
        requests, by_tag = [], {}
        for m in moves:
            if m.error is not None or i >= len(m.open_journal.recorded):
                continue
            rec = m.open_journal.recorded[i]
            replica = rec.imported
            # The import step failed a VM whose replica it could not import.
            assert replica is not None, f"{m.name}: volume {rec.name} has no imported replica to attach"
            if replica in attached:
                continue
            device = 0 if rec.type == "ROOT" else rec.deviceid
            requests.append((replica, "attachVolume", {"id": replica, "virtualmachineid": m.target["id"],
                                                       "deviceid": device}))
            by_tag[replica] = m
        run.jobs(requests, by_tag, "attaching a replicated volume")


def _clear_slots(run: MoveRun, slots: list[tuple[Move, dict]]) -> None:
    """Remove what stands on the targets in place of the moved volumes (all detached together);
    delete only a placeholder."""
    detached = run.jobs([(vol["id"], "detachVolume", {"id": vol["id"]}) for _, vol in slots],
                        {vol["id"]: m for m, vol in slots}, "detaching the placeholder")
    for m, vol in slots:
        if vol["id"] not in detached:
            continue
        if vol.get("state") == "Allocated" and not vol.get("path"):
            run.sync(m, "deleteVolume", id=vol["id"])
        else:
            m.notes.append(f"volume {vol['name']} ({vol['id']}) was on the target VM; detached and kept")
