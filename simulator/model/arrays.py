"""The physical storage layer under primary pools: storage arrays that hold volume files and replicate.

An array (kind "array", not a CloudStack object) is an NFS export: {path: file} where a file has a size,
a content marker and the time it was last written. A primary pool is CloudStack's view of one array.
Replication copies files to a target array, per file the latest write once it is older than the lag;
continuous replication is evaluated lazily, whenever the target's content is looked at.
"""

import time
from urllib.parse import urlsplit

from .. import errors
from ..store import now
from .units import TIB

ARRAY_CAPACITY = 500 * TIB


def add_array(sim, name, zone, url, capacity=ARRAY_CAPACITY):
    return sim.store.add("array", {"name": name, "zoneid": zone["id"], "url": url, "capacity": capacity,
                                   "files": {}, "replicates_to": None, "lag_seconds": 0, "mode": "manual",
                                   "last_sync": None})


def url_key(url):
    parts = urlsplit(url)
    return parts.scheme.lower(), parts.hostname, (parts.path or "/").rstrip("/") or "/"


def array_down(sim, array):
    return sim.zone_down(array["zoneid"])


def array_of(sim, pool):
    """The array a primary pool is the view of."""
    return sim.store.get("array", pool["_array"])


def array_by_ref(sim, ref):
    array = sim.store.get("array", ref) or sim.store.first("array", name=ref)
    if array is None:
        raise errors.invalid(f"No storage array named or with id {ref}")
    return array


def write_file(sim, array, path, size, marker=""):
    array["files"][path] = {"size": size, "marker": marker, "format": "QCOW2", "written": time.time()}
    sim.store.touch("array", array)


def sync(sim, source, cutoff=None):
    """Copy the source's files to its target: per file, the latest write if it is older than the cutoff."""
    target = sim.store.get("array", source["replicates_to"])
    if target is None or array_down(sim, source) or array_down(sim, target):
        return 0
    cutoff = time.time() - source["lag_seconds"] if cutoff is None else cutoff
    copied = 0
    for path, f in source["files"].items():
        if f["written"] <= cutoff and f["written"] > target["files"].get(path, {}).get("written", -1):
            target["files"][path] = dict(f)
            copied += 1
    source["last_sync"] = now()
    if copied:  # an array is written out whole at the next flush: thousands of files, so only when changed
        sim.store.touch("array", source)
        sim.store.touch("array", target)
    return copied


def catch_up(sim, target):
    """Continuous replication into `target`, up to this moment (run before anyone reads the target)."""
    for source in sim.store.find("array", replicates_to=target["id"], mode="continuous"):
        sync(sim, source)


def before_zone_fails(sim, zone):
    """What continuous replication shipped until the failure; writes younger than the lag are lost."""
    for array in sim.store.find("array", mode="continuous"):
        target = sim.store.get("array", array["replicates_to"]) or {}
        if zone["id"] in (array["zoneid"], target.get("zoneid")):
            sync(sim, array)
