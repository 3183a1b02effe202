# Copyright: cloudstack.dr contributors
# Apache License 2.0 (see LICENSE)
"""One DR run per zone at a time, across controllers: a lock held in CloudStack itself.

The lock is an affinity group named after the zone. CloudStack makes its creation atomic: a group's name is
unique per account, checked by AffinityGroupServiceImpl.createAffinityGroup ("a group with name ... already
exists") and enforced by the affinity_group table's UNIQUE (name, account_id). So of two runs that create it at
once exactly one succeeds. Every controller creates it in the same account (the first root admin account of the
ROOT domain, by name), whatever admin key it uses. The group holds no VM, so it changes nothing else; its
description says who holds it, since when, and until when the lease runs. A run that was killed leaves its lock
behind until the lease ends; a later run then takes it over (deleting it by id, so it never removes a newer
one), and an operator sure the holder is dead can break it sooner by naming its id.
"""

from __future__ import annotations

import contextlib
import getpass
import json
import os
import socket
import time
from dataclasses import dataclass

from ..client.api import Client, CloudStackError
from ..errors import InputError
from .move import WallClock
from .replication import iso

PREFIX = "cloudstack-dr-lock-"
LEASE = 7200.0  # seconds a run may hold a zone before another run may take its lock over
GROUP_TYPE = "host anti-affinity"  # any type does: the group never holds a VM


@dataclass
class Holder:
    id: str  # the affinity group's id: what breaking the lock names
    run: str
    owner: str
    since: float
    until: float

    def text(self) -> str:
        return f"{self.run} by {self.owner}, since {when(self.since)}, lease until {when(self.until)}"


def when(moment: float) -> str:
    """A lock's time as text; a group found without our description has neither start nor end."""
    return "unknown" if moment in (0.0, float("inf")) else str(iso(moment))


def owner() -> str:
    """Who runs this: user@host and the process, so an operator can tell whether it still runs."""
    try:
        user = getpass.getuser()
    except (KeyError, OSError):  # no name for the uid (a container)
        user = str(os.getuid())
    return f"{user}@{socket.gethostname()} pid {os.getpid()}"


def lock_account(api: Client) -> dict[str, str]:
    """The account every controller creates the locks in: the first root admin account of the ROOT domain."""
    root = next(d for d in api.list("listDomains", listall=True) if not d.get("parentdomainid"))
    admins = sorted((a for a in api.list("listAccounts", listall=True, domainid=root["id"])
                     if int(a.get("accounttype", 0)) == 1), key=lambda a: a["name"])
    return {"account": admins[0]["name"], "domainid": root["id"]}


class ZoneLock:
    def __init__(self, api: Client, zone_id: str, zone_name: str, run: str, lease: float = LEASE,
                 clock: WallClock = time, account: dict[str, str] | None = None) -> None:
        self.api, self.zone_id, self.zone_name, self.run, self.lease = api, zone_id, zone_name, run, lease
        self.clock = clock
        self.name = PREFIX + zone_id
        self.account = account or lock_account(api)
        self.held: Holder | None = None  # ours, once acquired

    def holder(self) -> Holder | None:
        """Who holds the zone's lock now, or None."""
        listed = self.api.list("listAffinityGroups", listall=True, **self.account)
        groups = [g for g in listed if g["name"] == self.name]
        if not groups:
            return None
        group = groups[0]
        try:
            said = json.loads(group.get("description") or "{}")
            return Holder(group["id"], str(said["run"]), str(said["owner"]), float(said["since"]), float(said["until"]))
        except (ValueError, KeyError, TypeError):  # not written by us: treat as held, for the lease from now
            return Holder(group["id"], "an unknown run", "unknown", 0.0, float("inf"))

    def expired(self, found: Holder) -> bool:
        return found.until <= self.clock.time()

    def check(self, break_id: str | None = None) -> Holder | None:
        """An InputError unless the zone is free, its lock expired, or `break_id` names it; the stale holder."""
        found = self.holder()
        if found is None or self.expired(found) or break_id == found.id:
            return found
        raise InputError(
            "zone", f"zone {self.zone_name} is locked by another DR run: {found.text()}",
            f"Wait for it to finish. If it is dead (killed, its controller lost), break its lock: break_lock: "
            f"{found.id} (-e move_break_lock={found.id}); its lease ends at {when(found.until)}. Nothing was changed")

    def acquire(self, break_id: str | None = None) -> None:
        """Take the zone's lock (taking over an expired or broken one), or an InputError naming its holder."""
        stale = self.check(break_id)
        if stale is not None:
            # Another run may have taken it over first: the create below then says who holds it now.
            with contextlib.suppress(CloudStackError):
                self.api.run([self.api.submit("deleteAffinityGroup", id=stale.id)])
        now = self.clock.time()
        mine = Holder("", f"{self.run} of zone {self.zone_name}", owner(), now, now + self.lease)
        said = {"run": mine.run, "owner": mine.owner, "since": mine.since, "until": mine.until}
        try:
            job = self.api.submit("createAffinityGroup", name=self.name, type=GROUP_TYPE,
                                  description=json.dumps(said), **self.account)
            self.api.run([job])
        except CloudStackError as error:
            if "already exists" not in error.errortext:
                raise
            self.check()  # another run created it between our check and our create: name it
            raise
        mine.id = ((job.result or {}).get("affinitygroup") or {}).get("id", "")
        self.held = mine

    def release(self) -> None:
        """Give the lock back (only ours: deleted by the id we created)."""
        if self.held is None:
            return
        with contextlib.suppress(CloudStackError):  # taken over after our lease ran out
            self.api.run([self.api.submit("deleteAffinityGroup", id=self.held.id)])
        self.held = None
