"""Control ops on the storage arrays under the pools: content markers in volume files, a volume's
file without a VM, replication now and its settings, the arrays' state."""

from .. import control, errors
from ..model.arrays import add_array, array_by_ref, array_down, catch_up, clock, mirror_state, ship, write_file
from ..model.mirrors import configure
from ..model.units import GIB
from ..model.volumes import file_of, materialise, volume_by_ref
from ..model.zones import zone_by_ref


@control.op("write-marker")
def op_write_marker(sim, volume, text):
    """Write a content marker into a volume's file (as a guest writing to its disk would)."""
    vol = volume_by_ref(sim, volume)
    array, found = file_of(sim, vol)
    write_file(sim, array, vol["path"], found["size"], str(text))
    return {"volume": vol["id"], "array": array["name"], "path": vol["path"], "marker": str(text)}


@control.op("read-marker")
def op_read_marker(sim, volume):
    """Read the content marker of a volume's file (after any replication due)."""
    vol = volume_by_ref(sim, volume)
    array, found = file_of(sim, vol)
    return {"volume": vol["id"], "array": array["name"], "path": vol["path"], "marker": found["marker"]}


@control.op("write-file")
def op_write_file(sim, array, path, text, size=None):
    """Write a content marker into a file of an array (created if missing, 1 GiB unless `size` says), as a guest
    or an application writing to the export would; a read-only array (a mirror target) refuses it."""
    found = array_by_ref(sim, array)
    if array_down(sim, found):
        raise errors.unavailable(f"Storage array {found['name']} is down with its zone")
    size = int(size) if size else (found["files"].get(path) or {}).get("size", GIB)
    write_file(sim, found, path, size, str(text))
    return {"array": found["name"], "path": path, "marker": str(text)}


@control.op("read-file")
def op_read_file(sim, array, path):
    """What an array holds at a path (after any replication due): a replica's content without importing it."""
    found = array_by_ref(sim, array)
    if array_down(sim, found):
        raise errors.unavailable(f"Storage array {found['name']} is down with its zone")
    catch_up(sim, found)
    f = found["files"].get(path)
    if f is None:
        raise errors.invalid(f"No file {path} on array {found['name']}")
    return {"array": found["name"], "path": path, "marker": f["marker"], "written": f["written"], "size": f["size"]}


@control.op("materialise")
def op_materialise(sim, volume, host=None):
    """Give an Allocated volume its file as the start of a VM using it would (host: name or id; default any Up
    host of its zone); for tests and demos that need a volume with content but no VM."""
    vol = volume_by_ref(sim, volume)
    hosts = [h for h in sim.store.find("host", zoneid=vol["zoneid"]) if h["state"] == "Up"
             and (host is None or host in (h["id"], h["name"]))]
    if not hosts:
        raise errors.invalid(f"No Up host {host or ''} in the zone of volume {vol['name']}")
    materialise(sim, vol, hosts[0])
    return {"volume": vol["id"], "state": vol["state"], "storageid": vol["storageid"], "path": vol["path"]}


@control.op("replicate")
def op_replicate(sim, array=None):
    """Replicate now, ignoring the lag: one source array (name or id) or every replicating one (a paused or broken
    mirror ships nothing)."""
    sources = [array_by_ref(sim, array)] if array else [a for a in sim.store.all("array") if a["replicates_to"]]
    return {a["name"]: ship(sim, a, clock(sim)) for a in sources}


@control.op("set-replication")
def op_set_replication(sim, array, mode=None, lag_seconds=None, target=None):
    """Change an array's replication: mode continuous|manual, lag_seconds, target array (name or id; the target
    becomes read-only and the mirror "mirrored")."""
    return array_summary(sim, configure(sim, array_by_ref(sim, array), mode, lag_seconds, target))


def array_summary(sim, array):
    target = sim.store.get("array", array["replicates_to"]) or {}
    return {"name": array["name"], "id": array["id"], "url": array["url"],
            "zone": sim.store.get("zone", array["zoneid"])["name"], "files": len(array["files"]),
            "replicates_to": target.get("name"), "mode": array["mode"], "lag_seconds": array["lag_seconds"],
            "mirror_state": mirror_state(array), "writable": array.get("writable", True),
            "consistent_at": array.get("consistent_at"), "last_sync": array["last_sync"],
            "down": array_down(sim, array)}


@control.op("add-array")
def op_add_array(sim, name, zone, url):
    """A new export in a zone (a Ceph pool rbd://monitor/pool, a shared mount point, another NFS export) that a
    createStoragePool with that URL can introduce."""
    if sim.store.first("array", name=name):
        raise errors.invalid(f"An array named {name} exists")
    return array_summary(sim, add_array(sim, name, zone_by_ref(sim, zone), url))


@control.op("lock-file")
def op_lock_file(sim, array, path, locked=True):
    """Hold (or release) a lock on a file, as a process that has it open does: qemu-img info then reports it
    locked (IS_LOCKED), and importVolume/unmanageVolume refuse it."""
    source = array_by_ref(sim, array)
    if path not in source["files"]:
        raise errors.invalid(f"No file {path} on array {source['name']}")
    source["files"][path]["locked"] = str(locked).lower() == "true"
    sim.store.touch("array", source)
    return {"array": source["name"], "path": path, "locked": source["files"][path]["locked"]}


@control.op("arrays")
def op_arrays(sim):
    """The storage arrays, their replication settings and file counts."""
    return [array_summary(sim, a) for a in sim.store.all("array")]
