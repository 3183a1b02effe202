"""What a host sees of a pool's files when CloudStack asks it (GetVolumesOnStorageCommand): the host chosen to
ask, the hypervisors and pool types that can be asked, each file as the KVM agent describes it (qemu-img info),
and the refusals of VolumeImportUnmanageManagerImpl that depend on it."""

from .. import errors
from .arrays import array_down, array_of, catch_up, read_only_reason, writable
from .pools import pool_reachable
from .texts import host_text, pool_text
from .volumes import local_path

SUPPORTED_HYPERVISORS = ("KVM", "VMware")  # VolumeImportUnmanageService.SUPPORTED_HYPERVISORS
KVM_POOL_TYPES = ("NetworkFilesystem", "Filesystem", "RBD")  # SUPPORTED_STORAGE_POOL_TYPES_FOR_KVM
QCOW2_CLUSTER_SIZE = "65536"


def import_host(sim, pool):
    """VolumeImportUnmanageManagerImpl.findHostAndLocalPathForVolumeImport: a host of the pool's scope (cluster:
    its Up and Enabled routing hosts; zone: the zone's Up hosts of the pool's hypervisor; host scope: its host,
    whatever its state) that mounts the pool. A pool of a failed zone stays Up, but its hosts are down."""
    if pool["scope"] == "HOST":
        host = sim.store.get("host", pool.get("_hostid") or "")
        if host is None:
            raise errors.internal(f"No host found to perform volume import on pool: {pool_text(pool)}")
        return host
    if pool["scope"] == "CLUSTER":
        hosts = [h for h in sim.store.find("host", clusterid=pool["clusterid"])
                 if h["state"] == "Up" and h.get("resourcestate", "Enabled") == "Enabled"]
    else:
        hosts = [h for h in sim.store.find("host", zoneid=pool["zoneid"])
                 if h["state"] == "Up" and h.get("hypervisor") == pool.get("hypervisor")]
    for host in sorted(hosts, key=lambda h: h["_pk"]):
        if pool_reachable(pool, host):
            return host
    raise errors.internal("No host found to perform volume import")


def _running_paths(sim, array):
    """Files a running VM has open (qemu holds their lock), on any pool over this array."""
    pools = {p["id"] for p in sim.store.all("storagepool") if p.get("_array") == array["id"]}
    out = set()
    for vol in sim.store.all("volume"):
        if vol.get("storageid") in pools and vol.get("virtualmachineid") and not vol.get("removed"):
            vm = sim.store.get("vm", vol["virtualmachineid"])
            if vm and vm["state"] == "Running":
                out.add(vol["path"])
    return out


def _entry(sim, pool, path, f, with_details, running=()):
    """VolumeOnStorageTO as LibvirtGetVolumesOnStorageCommandWrapper fills it; details only for one path."""
    fmt = f.get("format", "QCOW2").lower()
    entry = {"name": path, "path": path, "fullpath": local_path(pool, path), "format": fmt, "size": f["size"],
             "virtualsize": f["size"], "details": {}}
    if f.get("encrypted"):
        entry["encryptformat"] = "luks"
    if with_details:
        details = entry["details"]
        if f.get("backing"):
            details["BACKING_FILE"] = f["backing"]
            details["BACKING_FILE_FORMAT"] = "qcow2"
        if fmt == "qcow2":
            details["CLUSTER_SIZE"] = QCOW2_CLUSTER_SIZE
        details["FILE_FORMAT"] = fmt
        if f.get("encrypted"):
            details["IS_ENCRYPTED"] = "true"
        details["IS_LOCKED"] = str(bool(f.get("locked")) or path in running).lower()
    return entry


def volumes_on_storage(sim, pool, path=None, keyword=None):
    """listVolumesForImportInternal: ask a host for one file (with its details) or all qcow2/raw files (keyword:
    part of the name), sorted by name. KVM only answers the command: a VMware host does not know it."""
    host = import_host(sim, pool)
    hypervisor = host.get("hypervisor", "KVM")
    if hypervisor not in SUPPORTED_HYPERVISORS:
        raise errors.internal(f"Importing and unmanaging volume are not supported for hypervisor: {hypervisor}")
    if hypervisor == "KVM" and pool["type"] not in KVM_POOL_TYPES:
        raise errors.internal(f"Importing and unmanaging volume are not supported for pool type {pool['type']} on "
                              f"hypervisor {hypervisor}")
    array = array_of(sim, pool) if pool.get("_array") else None
    if hypervisor != "KVM" or host["state"] != "Up" or array is None or array_down(sim, array):
        raise errors.internal(f"Cannot get volumes on storage pool via host {host_text(host)}")
    catch_up(sim, array)
    if path:
        found = array["files"].get(path)
        if found is None:  # the agent's getPhysicalDisk throws: the answer is not a GetVolumesOnStorageAnswer
            raise errors.internal(f"Cannot get volumes on storage pool via host {host_text(host)}")
        if found.get("format", "QCOW2").lower() not in ("qcow2", "raw"):
            raise errors.internal(f"Volume cannot be imported due to disk format {found['format'].lower()} is "
                                  "unsupported")
        return [_entry(sim, pool, path, found, True, _running_paths(sim, array))]
    names = sorted(n for n, f in array["files"].items() if f.get("format", "QCOW2").lower() in ("qcow2", "raw")
                   and (not keyword or keyword in n))
    return [_entry(sim, pool, n, array["files"][n], False) for n in names]


def check_on_storage(entry):
    """VolumeImportUnmanageManagerImpl.getVolumeOnStorageAndCheck: not locked, not encrypted, no backing file."""
    details = entry["details"]
    if details.get("IS_LOCKED") == "true":
        raise errors.internal("Locked volume cannot be imported or unmanaged.")
    if details.get("IS_ENCRYPTED") == "true":
        raise errors.internal("Encrypted volume cannot be imported or unmanaged.")
    if details.get("BACKING_FILE"):
        raise errors.internal("Volume with backing file cannot be imported or unmanaged.")
    return entry


def file_on_storage(sim, pool, path):
    """The one file, checked as importVolume and unmanageVolume check it."""
    found = volumes_on_storage(sim, pool, path)
    if not found:
        raise errors.internal(f"Cannot find volume on storage pool: {path}")
    return check_on_storage(found[0])


def check_import_writable(sim, pool, path):
    """The KVM agent opens an imported file read-write: a file on a read-only export (a mirror target not yet
    promoted) fails the import."""
    array = array_of(sim, pool) if pool.get("_array") else None
    if array is not None and not writable(array):
        raise errors.internal(f"Failed to import volume {path}: the file is on a read-only file system "
                              f"({read_only_reason(sim, array)})")


def template_paths(pool):
    """The pool's template copies (template_spool_ref install paths)."""
    return set((pool.get("_templates") or {}).values())
