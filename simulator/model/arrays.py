"""The physical storage layer under primary pools: storage arrays that hold volume files and replicate.

An array (kind "array", not a CloudStack object) is an export (NFS, a Ceph pool, a host's local directory):
{path: file} where a file has a (virtual) size, a format, a content marker, the time it was last written, and
what `qemu-img info` would tell of it: its backing file (a linked clone names the template copy it was created
from, by full path), whether it is encrypted (LUKS) or locked by a process that has it open. A primary pool is
CloudStack's view of one array.

Replication is the storage's, not CloudStack's (model/mirrors.py manages the relationships): a source array
mirrors to one target array. A transfer ships, per file, the newest version written at or before its cutoff
(each file keeps its last HISTORY writes), so the target holds the source's content as of that point in time
(`consistent_at`); a file deleted on the source stays on the target. A continuous mirror is evaluated lazily,
whenever the target's content is looked at, as a transfer with cutoff now - lag; only while the mirror is
"mirrored" and both arrays' zones are up. A mirror target is read-only (`writable` False) until promoted.
Times are the storage clock's (`clock`): the wall clock plus an offset tests and demos may advance.
"""

import time
from urllib.parse import unquote, urlsplit

from .. import errors
from ..store import now
from .units import TIB

ARRAY_CAPACITY = 500 * TIB
HISTORY = 16  # the writes of a file a transfer can choose from
CLOCK = "storage_clock_offset"


def add_array(sim, name, zone, url, capacity=ARRAY_CAPACITY):
    return sim.store.add("array", {"name": name, "zoneid": zone["id"], "url": url, "capacity": capacity,
                                   "files": {}, "writable": True, "replicates_to": None, "lag_seconds": 0,
                                   "mode": "manual", "mirror_state": None, "consistent_at": None,
                                   "former_source": None, "clone_of": None, "last_sync": None})


# -- the storage clock -----------------------------------------------------------------------
def clock(sim):
    """Epoch seconds as the arrays see them: the wall clock plus the offset `advance_clock` added."""
    derived = sim.store.derived
    if CLOCK not in derived:
        derived[CLOCK] = float(sim.store.meta(CLOCK, 0.0))
    return time.time() + derived[CLOCK]


def advance_clock(sim, seconds):
    """Move the storage clock forward (a fake clock for lags of minutes or hours); kept across restarts."""
    clock(sim)
    sim.store.derived[CLOCK] += float(seconds)
    sim.store.set_meta(CLOCK, sim.store.derived[CLOCK])
    return clock(sim)


# -- where arrays are ------------------------------------------------------------------------
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


# -- read-only arrays ------------------------------------------------------------------------
def writable(array):
    return array.get("writable", True)


def source_of(sim, array):
    """The array that mirrors into this one (whatever the mirror's state), or None."""
    return next((a for a in sim.store.all("array") if a.get("replicates_to") == array["id"]), None)


def read_only_reason(sim, array):
    """Why an array refuses writes, as an operator would be told: e.g. "storage array replica-a1 is a replication
    target"."""
    if source_of(sim, array) is not None:
        return f"storage array {array['name']} is a replication target"
    return f"storage array {array['name']} is read-only (demoted)"


def check_writable(sim, array):
    """Writing into a read-only array fails (a SnapMirror destination, a non-primary RBD image)."""
    if writable(array):
        return
    source = source_of(sim, array)
    if source is not None:
        raise errors.invalid(f"array {array['name']} is a read-only mirror target of {source['name']}: promote it "
                             "first")
    raise errors.invalid(f"array {array['name']} is read-only (demoted): promote it first")


# -- files and their writes ------------------------------------------------------------------
def versions_of(f):
    """[[written, marker, size], ...] oldest first, the last one the file's current content."""
    return f.get("versions") or [[f["written"], f.get("marker", ""), f["size"]]]


def new_file(sim, array, path, size, fmt="QCOW2", backing=None, encrypted=False):
    """A file as qemu-img creates it: `backing` is the full path of its backing file (a linked clone)."""
    check_writable(sim, array)
    written = clock(sim)
    array["files"][path] = {"size": size, "marker": "", "format": fmt, "written": written, "backing": backing,
                            "encrypted": encrypted, "locked": False, "versions": [[written, "", size]]}
    sim.store.touch("array", array)


def write_file(sim, array, path, size, marker=""):
    """Write a content marker into a file (created if missing); what qemu-img tells of it is kept, and the file's
    last HISTORY writes (a write that pushes out one a continuous mirror has not shipped ships it first)."""
    check_writable(sim, array)
    before = array["files"].get(path)
    history = versions_of(before) if before else []
    if len(history) >= HISTORY:
        target = sim.store.get("array", array.get("replicates_to") or "")
        if target is not None:
            catch_up(sim, target)
    written = clock(sim)
    base = before or {"format": "QCOW2", "backing": None, "encrypted": False, "locked": False}
    array["files"][path] = dict(base, size=size, marker=marker, written=written,
                                versions=history[-(HISTORY - 1):] + [[written, marker, size]])
    sim.store.touch("array", array)


def content_at(f, cutoff):
    """The file as it was at `cutoff`: its newest version written then or before (None if there was none)."""
    if f["written"] <= cutoff:
        return f
    kept = [v for v in versions_of(f) if v[0] <= cutoff]
    if not kept:
        return None
    written, marker, size = kept[-1]
    return dict(f, written=written, marker=marker, size=size, versions=kept)


# -- transfers -------------------------------------------------------------------------------
def mirror_state(source):
    """The state of the mirror a source array holds (an array of an older database: "mirrored")."""
    if not source.get("replicates_to"):
        return None
    return source.get("mirror_state") or "mirrored"


def ship(sim, source, cutoff):
    """One transfer of the source's mirror: per file, the newest version written at or before the cutoff (never
    back before what the target already holds). Nothing while the mirror is paused or broken or either array is
    down. Returns the number of files copied."""
    target = sim.store.get("array", source.get("replicates_to") or "")
    if target is None or mirror_state(source) != "mirrored" or array_down(sim, source) or array_down(sim, target):
        return 0
    cutoff = max(cutoff, target.get("consistent_at") or cutoff)
    files = target["files"]
    copied = 0
    for path, f in source["files"].items():
        have = files.get(path)
        if have is not None and have["written"] == f["written"]:
            continue
        at = content_at(f, cutoff)
        if at is None or have is not None and have["written"] == at["written"]:
            continue
        files[path] = dict(at, versions=list(versions_of(at)), locked=bool(have and have.get("locked")))
        copied += 1
    first = target.get("consistent_at") is None
    target["consistent_at"] = cutoff
    source["last_sync"] = now()
    if copied or first:  # an array is written out whole at the next flush: thousands of files, so only when changed
        sim.store.touch("array", source)
        sim.store.touch("array", target)
    return copied


def catch_up(sim, target, seen=None):
    """A continuous mirror into `target`, evaluated up to this moment (run before anyone reads the target); a
    cascade's upstream mirror first."""
    source = source_of(sim, target)
    seen = seen or set()
    if source is None or source.get("mode") != "continuous" or target["id"] in seen:
        return 0
    seen.add(target["id"])
    catch_up(sim, source, seen)
    return ship(sim, source, clock(sim) - float(source.get("lag_seconds") or 0))


def before_zone_fails(sim, zone):
    """What continuous replication shipped until the failure; writes younger than the lag are lost."""
    for array in sim.store.all("array"):
        target = sim.store.get("array", array.get("replicates_to") or "")
        if target is not None and array.get("mode") == "continuous" and zone["id"] in (array["zoneid"],
                                                                                       target["zoneid"]):
            catch_up(sim, target)
