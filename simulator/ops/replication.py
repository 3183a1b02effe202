"""Control ops on storage replication (what a replication adapter drives on real storage: SnapMirror, Ceph RBD
mirroring, ZFS send): each answers the mirror status of the array named (model/mirrors.status) and is
idempotent. `advance-clock` moves the storage clock, for lags of minutes or hours in tests."""

from .. import control, errors
from ..model import mirrors
from ..model.arrays import advance_clock, array_by_ref


def _flag(value):
    return value if isinstance(value, bool) else str(value).strip().lower() in ("true", "1", "yes")


@control.op("mirror-status")
def op_mirror_status(sim, array):
    """role source|target|none, peer, state, writable, mode, configured_lag, consistent_at, lag_seconds,
    reachable, peer_reachable."""
    return mirrors.status(sim, array_by_ref(sim, array))


@control.op("mirror-list")
def op_mirror_list(sim):
    """The mirror status of every array, by name."""
    return [mirrors.status(sim, a) for a in sorted(sim.store.all("array"), key=lambda a: a["name"])]


@control.op("mirror-sync")
def op_mirror_sync(sim, array, timeout=None):
    """Ship everything written up to now (the lag ignored) on the mirror `array` is the source or target of."""
    found = array_by_ref(sim, array)
    mirrors.sync_now(sim, found)
    return mirrors.status(sim, found)


@control.op("mirror-promote")
def op_mirror_promote(sim, array, force=False):
    """Make a mirror target writable and break its mirror; planned (the source demoted) unless force."""
    return mirrors.status(sim, mirrors.promote(sim, array_by_ref(sim, array), _flag(force)))


@control.op("mirror-demote")
def op_mirror_demote(sim, array):
    """Make an array read-only."""
    return mirrors.status(sim, mirrors.demote(sim, array_by_ref(sim, array)))


@control.op("mirror-reverse")
def op_mirror_reverse(sim, array, target=None):
    """The writable `array` mirrors to `target` (default: the source it was promoted from)."""
    return mirrors.status(sim, mirrors.reverse(sim, array_by_ref(sim, array), target))


@control.op("mirror-pause")
def op_mirror_pause(sim, array):
    return mirrors.status(sim, mirrors.set_state(sim, array_by_ref(sim, array), "paused"))


@control.op("mirror-resume")
def op_mirror_resume(sim, array):
    """A paused mirror goes on; a broken one is resynchronised (its target read-only again)."""
    return mirrors.status(sim, mirrors.set_state(sim, array_by_ref(sim, array), "mirrored"))


@control.op("mirror-break")
def op_mirror_break(sim, array):
    """Stop the mirror for good (its target stays read-only until promoted; resume resynchronises)."""
    return mirrors.status(sim, mirrors.set_state(sim, array_by_ref(sim, array), "broken"))


@control.op("mirror-clone")
def op_mirror_clone(sim, array, name, url):
    """A writable copy of a mirror target's files as of its consistent point, in its zone, at `url` (a DR drill)."""
    return mirrors.status(sim, mirrors.clone(sim, array_by_ref(sim, array), name, url))


@control.op("mirror-clone-delete")
def op_mirror_clone_delete(sim, name):
    """Remove a clone array ({"array": name, "deleted": false} when there is none)."""
    return {"array": name, "deleted": mirrors.delete_clone(sim, name)}


@control.op("advance-clock")
def op_advance_clock(sim, seconds):
    """Move the storage arrays' clock forward by `seconds` (file writes, transfers and lags use it)."""
    if float(seconds) < 0:
        raise errors.invalid("the storage clock only moves forward")
    return {"now": advance_clock(sim, seconds)}
