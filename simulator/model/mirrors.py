"""Storage replication relationships, as the storage (not CloudStack) manages them: a source array mirrors to
one read-only target; the target is promoted (made writable, the mirror broken) for a failover, planned (the
source is demoted first and a last transfer ships everything) or forced (the source is gone or ignored: split
brain is possible); the promoted side then mirrors back (reverse); a mirror is paused, resumed (a broken one is
resynchronised: its target read-only again) or broken; a target is cloned for a DR drill. The transfers
themselves are model/arrays.py's. Every function here is idempotent."""

from .. import errors
from .arrays import (
    add_array,
    array_at,
    array_by_ref,
    array_down,
    catch_up,
    clock,
    mirror_state,
    ship,
    source_of,
    url_key,
    versions_of,
    writable,
)

STATES = ("mirrored", "paused", "broken")


def _touch(sim, *arrays):
    for array in arrays:
        sim.store.touch("array", array)


def _name(sim, array_id):
    return (sim.store.get("array", array_id or "") or {}).get("name")


def target_of(sim, source):
    return sim.store.get("array", source.get("replicates_to") or "")


def mirror_of(sim, array):
    """(source, target) of the mirror the array is the source of, else of the one it is the target of."""
    target = target_of(sim, array)
    if target is not None:
        return array, target
    source = source_of(sim, array)
    if source is not None:
        return source, array
    raise errors.invalid(f"array {array['name']} is in no mirror")


# -- status ----------------------------------------------------------------------------------
def status(sim, array):
    """What a replication adapter discovers of an array: its role, its peer, the mirror's state and settings, the
    point its target is consistent to and how far behind that is at `asked_at` (both by the storage clock);
    continuous mirrors evaluated to now."""
    source, target = source_of(sim, array), target_of(sim, array)
    if source is not None:
        role, peer, mirror = "target", source, source
    elif target is not None:
        role, peer, mirror = "source", target, array
    else:
        role, peer, mirror = "none", None, None
    if mirror is not None:
        catch_up(sim, target_of(sim, mirror))
    asked = clock(sim)
    consistent = (array if role == "target" else target or {}).get("consistent_at") if mirror else None
    return {"array": array["name"], "id": array["id"], "zone": sim.store.get("zone", array["zoneid"])["name"],
            "url": array["url"], "role": role, "peer": peer["name"] if peer else None,
            "state": mirror_state(mirror) if mirror else None, "writable": writable(array),
            "mode": mirror["mode"] if mirror else None,
            "configured_lag": float(mirror.get("lag_seconds") or 0) if mirror else None,
            "consistent_at": consistent,
            "lag_seconds": None if consistent is None else round(max(asked - consistent, 0.0), 3),
            "asked_at": asked, "reachable": not array_down(sim, array),
            "peer_reachable": None if peer is None else not array_down(sim, peer)}


# -- settings --------------------------------------------------------------------------------
def configure(sim, source, mode=None, lag_seconds=None, target=None):
    """set-replication: mode continuous|manual, lag_seconds, target (name or id; "" ends the mirror). A target
    given becomes read-only and the mirror "mirrored" (a broken one resynchronises)."""
    old = target_of(sim, source)
    if old is not None:
        catch_up(sim, old)  # what was due under the old settings
    if mode is not None:
        if mode not in ("continuous", "manual"):
            raise errors.invalid(f"mode must be continuous or manual, not {mode}")
        source["mode"] = mode
    if lag_seconds is not None:
        source["lag_seconds"] = float(lag_seconds)
    if target is not None:
        if not target:
            source.update(replicates_to=None, mirror_state=None)
        else:
            new = array_by_ref(sim, target)
            other = source_of(sim, new)
            if new["id"] == source["id"]:
                raise errors.invalid(f"array {source['name']} cannot replicate to itself")
            if other is not None and other["id"] != source["id"]:
                raise errors.invalid(f"array {new['name']} is already the mirror target of {other['name']}")
            if other is None:
                new["consistent_at"] = None
            source.update(replicates_to=new["id"], mirror_state="mirrored")
            new["writable"] = False
            _touch(sim, new)
    _touch(sim, source)
    if target_of(sim, source) is not None:
        catch_up(sim, target_of(sim, source))
    return source


def set_state(sim, array, state):
    """pause, resume, break the mirror of `array` (its source, or its target). What was due ships first; resuming
    a broken mirror resynchronises it: the target is read-only again and gets the source's content (its own
    writes since the break are discarded, as `snapmirror resync` does)."""
    if state not in STATES:
        raise errors.invalid(f"mirror state must be one of {', '.join(STATES)}, not {state}")
    source, target = mirror_of(sim, array)
    catch_up(sim, target)
    before = mirror_state(source)
    if before == state:
        return array
    if state == "mirrored" and before == "broken":
        target["writable"] = False
    source["mirror_state"] = state
    _touch(sim, source, target)
    catch_up(sim, target)
    return array


def sync_now(sim, array):
    """A transfer of everything written up to now, whatever the lag (`snapmirror update`, an RBD mirror snapshot);
    refused while the mirror is paused or broken or either side is unreachable."""
    source, target = mirror_of(sim, array)
    state = mirror_state(source)
    if state == "paused":
        raise errors.invalid(f"the mirror from {source['name']} to {target['name']} is paused: resume it first")
    if state == "broken":
        raise errors.invalid(f"the mirror from {source['name']} to {target['name']} is broken: resume it to "
                             "resynchronise first")
    for side, each in (("source", source), ("target", target)):
        if array_down(sim, each):
            raise errors.invalid(f"{side} {each['name']} is unreachable: its zone is down")
    copied = ship(sim, source, clock(sim))
    _touch(sim, source, target)
    return copied


# -- failover --------------------------------------------------------------------------------
def promote(sim, array, force=False):
    """Make a mirror target writable and break its mirror. Planned (no force): refused when the source is
    unreachable; the last writes ship (no loss) and the source is demoted. Forced: whatever the source's state,
    only what the lag let through; the source keeps its writable flag. A writable array that is no mirror target,
    or an already promoted one, is left as it is."""
    source = source_of(sim, array)
    if source is None or writable(array) and mirror_state(source) == "broken":
        if not writable(array):
            array["writable"] = True
            _touch(sim, array)
        return array
    if array_down(sim, array):
        raise errors.invalid(f"array {array['name']} is unreachable: its zone is down")
    if not force and array_down(sim, source):
        raise errors.invalid(f"source {source['name']} is unreachable: promote with force")
    catch_up(sim, array)
    if not force:
        ship(sim, source, clock(sim))
        source["writable"] = False
    source["mirror_state"] = "broken"
    array.update(writable=True, former_source=source["id"])
    _touch(sim, source, array)
    return array


def demote(sim, array):
    """Make an array read-only (its mirror, if it is a source, keeps shipping)."""
    if writable(array):
        array["writable"] = False
        _touch(sim, array)
    return array


def _former_lag(sim, array, new):
    """The lag of the relationship being reversed: new -> array, else the array's own source's, else array -> new."""
    for source, target in ((new, array), (source_of(sim, array), array), (array, new)):
        if source is not None and source.get("replicates_to") == target["id"]:
            return float(source.get("lag_seconds") or 0)
    return 0.0


def reverse(sim, array, target=None):
    """The writable `array` mirrors to `target` (default: the source it was promoted from), continuously, with the
    former relationship's lag: the target becomes read-only and is resynchronised by the lag rule. Mirrors into
    `array` end (one direction at a time)."""
    new = array_by_ref(sim, target) if target else sim.store.get("array", array.get("former_source") or "")
    if new is None:
        raise errors.invalid(f"array {array['name']} was never promoted from a mirror: name the target")
    if new["id"] == array["id"]:
        raise errors.invalid(f"array {array['name']} cannot replicate to itself")
    if array.get("replicates_to") == new["id"] and mirror_state(array) == "mirrored" and not writable(new):
        return array
    if not writable(array):
        raise errors.invalid(f"array {array['name']} is read-only: promote it before reversing its mirror")
    for side, each in (("array", array), ("target", new)):
        if array_down(sim, each):
            raise errors.invalid(f"{side} {each['name']} is unreachable: its zone is down")
    downstream = target_of(sim, new)
    if writable(new) and downstream is not None and downstream["id"] != array["id"]:
        raise errors.invalid(f"target {new['name']} is writable and the source of a mirror to "
                             f"{downstream['name']}: demote it or end that mirror first")
    other = source_of(sim, new)
    if other is not None and other["id"] != array["id"]:
        if mirror_state(other) != "broken":
            raise errors.invalid(f"target {new['name']} is already the mirror target of {other['name']}")
        other.update(replicates_to=None, mirror_state=None)
        _touch(sim, other)
    lag = _former_lag(sim, array, new)
    # Reversing the mirror the array was promoted from: both hold the content of its last transfer (the common
    # snapshot a resync starts from), so the new target never goes back before it; another array starts afresh.
    common = array.get("consistent_at") if new.get("replicates_to") == array["id"] else None
    for upstream in [a for a in sim.store.all("array") if a.get("replicates_to") == array["id"]]:
        upstream.update(replicates_to=None, mirror_state=None)
        _touch(sim, upstream)
    if array.get("replicates_to") != new["id"]:
        new["consistent_at"] = common
    array.update(replicates_to=new["id"], mode="continuous", lag_seconds=lag, mirror_state="mirrored")
    new["writable"] = False
    _touch(sim, array, new)
    catch_up(sim, new)
    return array


# -- DR drills -------------------------------------------------------------------------------
def clone(sim, array, name, url):
    """A new writable array in the array's zone holding a copy of its files as of its consistent point (a
    FlexClone of a SnapMirror destination, an RBD clone of a mirrored snapshot); replication is untouched."""
    existing = sim.store.first("array", name=name)
    if existing is not None:
        if existing.get("clone_of") == array["id"] and url_key(existing["url"]) == url_key(url):
            return existing
        raise errors.invalid(f"An array named {name} exists")
    if array_down(sim, array):
        raise errors.invalid(f"array {array['name']} is unreachable: its zone is down")
    taken = array_at(sim, array["zoneid"], url)
    if taken is not None:
        raise errors.invalid(f"array {taken['name']} already has the URL {url}")
    catch_up(sim, array)
    copy = add_array(sim, name, sim.store.get("zone", array["zoneid"]), url)
    copy["files"] = {path: dict(f, locked=False, versions=list(versions_of(f))) for path, f in array["files"].items()}
    copy["clone_of"] = array["id"]
    _touch(sim, copy)
    return copy


def delete_clone(sim, name):
    """Remove a clone array; refused for an array that is no clone or that a storage pool still uses."""
    array = sim.store.first("array", name=name)
    if array is None:
        return False
    if not array.get("clone_of"):
        raise errors.invalid(f"array {name} is not a clone: only arrays made by mirror-clone can be deleted")
    key = url_key(array["url"])
    for pool in sim.store.all("storagepool"):
        if pool.get("_array") == array["id"] or pool["zoneid"] == array["zoneid"] and pool.get("_url") and \
                url_key(pool["_url"]) == key:
            raise errors.invalid(f"array {name} backs storage pool {pool['name']}: delete the pool first")
    sim.store.delete("array", array)
    return True
