"""Object state: kept in memory for speed, written through to SQLite so a restart keeps it.

Every object is a dict with a stable internal key ``_pk`` and CloudStack's public ``id`` (a
UUID that ``customid`` may change). Keys starting with ``_`` are internal and never answered.
"""

import json
import sqlite3
import threading
import uuid
from datetime import UTC, datetime


def now():
    """CloudStack's timestamp format, e.g. 2026-11-25T06:10:00+0000."""
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S+0000")


# Fields that find()/first() look objects up by on hot paths (a VM's NICs, a network's NICs, an
# object's details, the IPs NATed to a VM): kept in an index so a lookup is not a scan of every row.
INDEXED = {"nic": ("_vm_pk", "networkid"), "detail": ("resource_pk", "key"), "publicip": ("_vm_pk",),
           "volume": ("virtualmachineid",), "resourcelimit": ("ownerid",)}


class Store:
    def __init__(self, path=None):
        self._db = sqlite3.connect(path or ":memory:", check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.execute(
            "CREATE TABLE IF NOT EXISTS objects (kind TEXT, pk INTEGER, data TEXT, PRIMARY KEY (kind, pk))"
        )
        self._db.execute("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT)")
        self._rows = {}  # kind -> {pk: obj}
        self._ids = {}  # kind -> {id: obj}
        self._dirty = {}  # (kind, pk) -> obj or None (deleted)
        self._by = {}  # (kind, field) -> {value: {pk: obj}}, for the INDEXED fields
        self._indexed_as = {}  # (kind, pk) -> {field: value} as the index holds it
        self._io = threading.Lock()
        self._next_pk = 1
        self._watchers = {}  # kind -> [fn(kind, obj, gone)], see watch()
        self.derived = {}  # name -> state the layers above keep from watch() calls (e.g. resource counts)
        for kind, pk, data in self._db.execute("SELECT kind, pk, data FROM objects ORDER BY pk"):
            obj = json.loads(data)
            self._index(kind, obj)
            self._next_pk = max(self._next_pk, pk + 1)

    def _index(self, kind, obj):
        self._rows.setdefault(kind, {})[obj["_pk"]] = obj
        if "id" in obj:
            self._ids.setdefault(kind, {})[obj["id"]] = obj
        self._reindex(kind, obj)

    def _reindex(self, kind, obj, removed=False):
        """Move `obj` to the index buckets of its current field values (changed in place, then touched)."""
        fields = INDEXED.get(kind)
        if not fields:
            return
        held = self._indexed_as.pop((kind, obj["_pk"]), {})
        for field in fields:
            self._by.get((kind, field), {}).get(held.get(field), {}).pop(obj["_pk"], None)
        if removed:
            return
        self._indexed_as[(kind, obj["_pk"])] = {f: obj.get(f) for f in fields}
        for field in fields:
            self._by.setdefault((kind, field), {}).setdefault(obj.get(field), {})[obj["_pk"]] = obj

    def watch(self, kinds, fn):
        """Call fn(kind, obj, gone) after every add, touch and delete of an object of these kinds, so a layer
        above can keep derived state (model/limits.py keeps the resource counts) without a hook in every
        command: objects change in place and are then touched, so fn sees each object's current state."""
        for kind in kinds:
            self._watchers.setdefault(kind, []).append(fn)

    def _notify(self, kind, obj, gone=False):
        for fn in self._watchers.get(kind, ()):
            fn(kind, obj, gone)

    def _candidates(self, kind, eq):
        """The objects that may match `eq`, and whether they came from an index (not in _pk order)."""
        for field in INDEXED.get(kind, ()):
            if field in eq:
                return self._by.get((kind, field), {}).get(eq[field], {}).values(), True
        return self._rows.get(kind, {}).values(), False

    def add(self, kind, obj):
        obj.setdefault("id", str(uuid.uuid4()))
        if self.get(kind, obj["id"]) is not None:
            raise KeyError(f"duplicate {kind} id {obj['id']}")
        obj["_pk"] = self._next_pk
        self._next_pk += 1
        obj.setdefault("created", now())
        self._index(kind, obj)
        self.touch(kind, obj)
        return obj

    def get(self, kind, id_):
        return self._ids.get(kind, {}).get(id_)

    def by_pk(self, kind, pk):
        """The object with internal key `pk` (rows that point at an object whose uuid may change)."""
        return self._rows.get(kind, {}).get(pk)

    def all(self, kind):
        return list(self._rows.get(kind, {}).values())

    def kinds(self):
        return sorted(self._rows)

    def find(self, kind, **eq):
        candidates, indexed = self._candidates(kind, eq)
        found = [o for o in candidates if all(o.get(k) == v for k, v in eq.items())]
        return sorted(found, key=lambda o: o["_pk"]) if indexed else found

    def first(self, kind, **eq):
        candidates, indexed = self._candidates(kind, eq)
        if indexed:
            return next(iter(self.find(kind, **eq)), None)
        return next((o for o in candidates if all(o.get(k) == v for k, v in eq.items())), None)

    def touch(self, kind, obj):
        """Mark an object changed in place; it is written at the next flush."""
        self._dirty[(kind, obj["_pk"])] = obj
        self._reindex(kind, obj)
        self._notify(kind, obj)

    def change_id(self, kind, obj, new_id):
        ids = self._ids.setdefault(kind, {})
        if new_id in ids and ids[new_id] is not obj:
            raise KeyError(new_id)
        ids.pop(obj["id"], None)
        obj["id"] = new_id
        ids[new_id] = obj
        self.touch(kind, obj)

    def delete(self, kind, obj):
        self._reindex(kind, obj, removed=True)
        self._rows.get(kind, {}).pop(obj["_pk"], None)
        self._ids.get(kind, {}).pop(obj.get("id"), None)
        self._dirty[(kind, obj["_pk"])] = None
        self._notify(kind, obj, gone=True)

    def flush(self):
        """Write what changed since the last flush in one transaction."""
        if not self._dirty:
            return
        dirty, self._dirty = self._dirty, {}
        with self._io:
            self._db.execute("BEGIN")
            for (kind, pk), obj in dirty.items():
                if obj is None:
                    self._db.execute("DELETE FROM objects WHERE kind=? AND pk=?", (kind, pk))
                else:
                    self._db.execute(
                        "INSERT OR REPLACE INTO objects (kind, pk, data) VALUES (?, ?, ?)",
                        (kind, pk, json.dumps(obj, separators=(",", ":"))),
                    )
            self._db.execute("COMMIT")

    def meta(self, key, default=None):
        row = self._db.execute("SELECT value FROM meta WHERE key=?", (key,)).fetchone()
        return json.loads(row[0]) if row else default

    def set_meta(self, key, value):
        with self._io:
            self._db.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (key, json.dumps(value)))

    def close(self):
        self.flush()
        self._db.close()
