# Copyright: cloudstack.dr contributors
# Apache License 2.0 (see LICENSE)
"""The VMs of a cloud and their DR state: which are originals, which are recovery VMs, the pairs, the journals.

The truth is hidden: one key+value listing per DR state (`dr.status` on originals) and one for recovery
VMs (`dr.role`). A pair is found by the recovery VM's id, derived from its owner's (vocabulary.ids);
per VM, hidden details are read only for a VM in a move (its journals) or one whose pair is not found
that way (`dr.pair`). A tenant's key sees what CloudStack shows it: its displayed VMs and their
visible details (the owner's copy).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from ..vocabulary import details, ids, states
from ..vocabulary.journal import Journal, SwapJournal
from ..vocabulary.keys import PAIR, ROLE, ROLE_RECOVERY, STATE, STATUS
from .listing import dr_details, list_both

if TYPE_CHECKING:
    from ..client.api import Client

GONE = ("Destroyed", "Expunging", "Expunged")


def dr_states(api: Client, wanted: Iterable[str] = states.STORED) -> dict[str, str]:
    """{original VM id: its DR state} of the whole cloud (hidden truth), for the `wanted` states: one key+value
    listing per state."""
    return {vm_id: state for state in wanted for vm_id in details.ids_with(api, "UserVm", STATUS.key(), state)}


class Pairs:
    """VMs, their DR state and pairs (a mixin of model.snapshot.Snapshot)."""

    api: Client
    admin: bool
    # The NetworkModel mixin's, when the snapshot read the networks.
    has_network: bool
    _nat_ips: dict[str, list[dict]]
    _ip_vms: dict[str, set[str]]

    def refresh_vms(self) -> None:
        self.vms = {
            vm["id"]: vm
            for vm in list_both(self.api, "listVirtualMachines", self.admin, userdata=True)
            if vm.get("state") not in GONE
        }
        self.status: dict[str, str] = {}
        self.recovery_ids: set[str] = set()
        self.hidden: dict[str, dict[str, str]] = {}
        if self.admin:
            self.status = dr_states(self.api)
            self.recovery_ids = set(details.ids_with(self.api, "UserVm", ROLE.key(), ROLE_RECOVERY))
            self.hidden = {
                vm_id: details.read_hidden(self.api, "UserVm", vm_id, f"VM {vm_id}")
                for vm_id, state in self.status.items()
                if state in states.MOVING and vm_id in self.vms
            }
        self._link_pairs()

    def _link_pairs(self) -> None:
        """Each original's recovery VM and the id its owner knows it by, from the derived ids.

        A pair is {owner's id U, paired_id(U)}: the original holds U until a failover swaps the ids.
        Which VM is the original is the hidden state's to say (a recovery VM never has one); a pair
        whose original has no state yet (its first preparation was cut short) is still a pair, so its
        recovery VM is adopted, never taken for an original. A VM in a move may carry the temporary id
        of a UUID swap: its journal names the owner's id.
        """
        self.recovery: dict[str, dict] = {}  # original id -> recovery VM
        self.original_of: dict[str, dict] = {}  # recovery VM id -> original VM
        self.user_ids: dict[str, str] = {}  # original id -> the owner's id
        self._aliases: dict[str, str] | None = None
        owners = ids.owners_by_paired_id("vm", self.vms)
        for user in self.vms:
            partner = ids.paired_id("vm", user)
            if user in owners or partner not in self.vms:
                continue
            original, recovery = (partner, user) if partner in self.status else (user, partner)
            self._pair(original, recovery, user)
        for vm_id, state in self.status.items():
            if vm_id not in self.vms or (vm_id in self.recovery and state not in states.MOVING):
                continue
            # Not paired by the derived id (a recovery VM deployed again), or in a move (a swap may have given
            # it a temporary id): its hidden details name the ids of its pair.
            hidden = self.load_hidden(vm_id)
            journal, swap = self.journal(vm_id), self.swap_journal(vm_id)
            pair = (hidden.get(PAIR.key()) or "").split()
            user = journal.user_id if journal else (pair[0] if pair else vm_id)
            candidates = [user, ids.paired_id("vm", user), *pair, *((swap.a, swap.b, swap.t) if swap else ())]
            recovery = next((c for c in candidates if c != vm_id and c in self.vms), None)
            if recovery is not None:
                self._pair(vm_id, recovery, user)

    def rekey(self, old: str, new: str) -> None:
        """A VM's id changed during this run (a step of a UUID swap): every index follows it."""
        indexes: tuple[dict[str, Any], ...] = (self.vms, self.status, self.hidden, self.recovery, self.original_of,
                                               self.user_ids)
        for index in indexes:
            if old in index:
                index[new] = index.pop(old)
        if old in self.recovery_ids:
            self.recovery_ids = (self.recovery_ids - {old}) | {new}
        if self.has_network and old in self._nat_ips:
            self._nat_ips[new] = self._nat_ips.pop(old)
            for vm_ids in self._ip_vms.values():
                if old in vm_ids:
                    vm_ids.discard(old)
                    vm_ids.add(new)
        self._aliases = None

    def _pair(self, original: str, recovery: str, user: str) -> None:
        self.recovery[original] = self.vms[recovery]
        self.original_of[recovery] = self.vms[original]
        self.user_ids[original] = user

    def load_hidden(self, vm_id: str) -> dict[str, str]:
        """A VM's hidden details, read now (a VM in a move has them read with the snapshot)."""
        if vm_id not in self.hidden:
            self.hidden[vm_id] = details.read_hidden(self.api, "UserVm", vm_id, f"VM {vm_id}")
        return self.hidden[vm_id]

    def state(self, vm: dict) -> str:
        """The DR state of an original VM (hidden truth; a tenant's key sees its visible copy)."""
        if not self.admin:
            return self.visible(vm).get(STATE.key()) or states.UNPREPARED
        return self.status.get(vm["id"], states.UNPREPARED)

    def journal(self, vm_id: str) -> Journal | None:
        return Journal.of_details(self.hidden.get(vm_id, {}))

    def swap_journal(self, vm_id: str) -> SwapJournal | None:
        return SwapJournal.of_details(self.hidden.get(vm_id, {}))

    def visible(self, vm: dict) -> dict[str, str]:
        """The tenant's copy of a VM's DR details, as CloudStack answered it inline."""
        return dr_details(vm)

    def is_recovery(self, vm: dict) -> bool:
        return vm["id"] in self.recovery_ids or vm["id"] in self.original_of

    def peer(self, vm: dict) -> dict | None:
        """The other VM of a pair (the recovery VM of an original, or the reverse)."""
        return self.recovery.get(vm["id"]) or self.original_of.get(vm["id"])

    def pairs(self) -> dict[str, dict]:
        """{original id: {"original": vm, "recovery": vm}} of every pair, by the original's name."""
        return {
            o: {"original": self.vms[o], "recovery": rec}
            for o, rec in sorted(self.recovery.items(), key=lambda item: self.vms[item[0]]["name"])
        }

    def user_id(self, original: dict) -> str:
        """The id the owner knows the VM by: the original's id at its first preparation."""
        return self.user_ids.get(original["id"], original["id"])

    def serving(self, original: dict) -> dict:
        """The VM of the pair that carries the owner's id (the one the owner sees)."""
        recovery = self.recovery.get(original["id"])
        return recovery if recovery is not None and recovery["id"] == self.user_id(original) else original

    def aliases(self) -> dict[str, str]:
        """{id: original id} for every id an original is known by: its own, its owner's, its recovery VM's.
        A move swaps ids, so a list of ids taken before a move still names the same VMs after it."""
        if self._aliases is None:
            self._aliases = {vm_id: vm_id for vm_id in self.status}
            self._aliases.update((self.user_ids[o], o) for o in self.recovery)
            self._aliases.update((rec["id"], o) for o, rec in self.recovery.items())
        return self._aliases
