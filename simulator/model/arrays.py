"""The physical storage layer under primary pools: storage arrays that hold volume files and replicate.

An array (kind "array", not a CloudStack object) is an export (NFS, a Ceph pool, a host's local directory):
{path: file} where a file has a (virtual) size, a format, a content marker, the time it was last written, and
what `qemu-img info` would tell of it: its backing file (a linked clone names the template copy it was created
from, by full path), whether it is encrypted (LUKS) or locked by a process that has it open. A primary pool is
CloudStack's view of one array.
Replication copies files to a target array, per file the latest write once it is older than the lag;
continuous replication is evaluated lazily, whenever the target's content is looked at.
"""

import time
from urllib.parse import unquote, urlsplit

from .. import errors
from ..store import now
from .units import TIB

ARRAY_CAPACITY = 500 * TIB


def add_array(sim, name, zone, url, capacity=ARRAY_CAPACITY):
    return sim.store.add("array", {"name": name, "zoneid": zone["id"], "url": url, "capacity": capacity,
                                   "files": {}, "replicates_to": None, "lag_seconds": 0, "mode": "manual",
                                   "last_sync": None})


def split_url(url):
    """UriUtils.getUriInfo: (scheme, host, path, userinfo) as given (the path URL-decoded); None for a URL without
    a scheme."""
    parts = urlsplit(url)
    if not parts.scheme:
        return None
    netloc = parts.netloc.rpartition("@")
    host = netloc[2].rsplit(":", 1)[0] if ":" in netloc[2] and not netloc[2].endswith("]") else netloc[2]
    return parts.scheme, host, unquote(parts.path), netloc[0] or None


def url_key(url):
    """What names an export whatever the URL's spelling: scheme, host and path, without credentials."""
    scheme, host, path, _ = split_url(url) or ("", "", "", None)
    return scheme.lower(), host.lower(), "/" + path.strip("/")


def array_down(sim, array):
    return sim.zone_down(array["zoneid"])


def array_of(sim, pool):
    """The array a primary pool is the view of."""
    return sim.store.get("array", pool["_array"])


def array_at(sim, zone_id, url):
    """The array of the zone that a URL names, if any."""
    key = url_key(url)
    return next((a for a in sim.store.find("array", zoneid=zone_id) if url_key(a["url"]) == key), None)


def array_by_ref(sim, ref):
    array = sim.store.get("array", ref) or sim.store.first("array", name=ref)
    if array is None:
        raise errors.invalid(f"No storage array named or with id {ref}")
    return array


def new_file(sim, array, path, size, fmt="QCOW2", backing=None, encrypted=False):
    """A file as qemu-img creates it: `backing` is the full path of its backing file (a linked clone)."""
    array["files"][path] = {"size": size, "marker": "", "format": fmt, "written": time.time(), "backing": backing,
                            "encrypted": encrypted, "locked": False}
    sim.store.touch("array", array)


def write_file(sim, array, path, size, marker=""):
    """Write a content marker into a file (created if missing); what qemu-img tells of it is kept."""
    before = array["files"].get(path) or {"format": "QCOW2", "backing": None, "encrypted": False, "locked": False}
    array["files"][path] = dict(before, size=size, marker=marker, written=time.time())
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
