# Copyright: cloudstack.dr contributors
# Apache License 2.0 (see LICENSE)
"""Selecting the original VMs a module works on: by names or ids (any id of the pair), zone, account, domain."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..errors import InputError

if TYPE_CHECKING:
    from ..client.api import Client


class Selection:
    """The selection rules the modules share (a mixin of model.snapshot.Snapshot)."""

    api: Client
    admin: bool
    vms: dict[str, dict]
    zones: dict[str, dict]
    status: dict[str, str]

    if TYPE_CHECKING:  # what Snapshot and its other mixins provide
        def is_recovery(self, vm: dict) -> bool: ...
        def dr_offering(self, offering_id: str) -> dict[str, str] | None: ...
        def visible(self, vm: dict) -> dict[str, str]: ...
        def aliases(self) -> dict[str, str]: ...

    def zone_id(self, ref: str, option: str = "zone") -> str:
        """The id of a zone given by name or id, or an InputError listing the zones."""
        for zone in self.zones.values():
            if ref in (zone["id"], zone["name"]):
                return zone["id"]
        known = ", ".join(sorted(z["name"] for z in self.zones.values()))
        raise InputError(option, f"no zone has the name or id {ref!r}", f"Use one of: {known}")

    def protected(self, vm: dict) -> bool:
        """An original VM DR protects: of a DR offering, or with a DR state."""
        return not self.is_recovery(vm) and (
            vm["id"] in self.status
            or self.dr_offering(vm["serviceofferingid"]) is not None
            or (not self.admin and bool(self.visible(vm)))
        )

    def originals(self, names: list[str] | None = None, zone: str | None = None, account: str | None = None,
                  domain: str | None = None) -> list[dict]:
        """Original VMs of DR offerings (never recovery VMs), selected the way the modules allow.

        Named VMs must exist and be of a DR offering (an InputError says why not); without names,
        every original VM of a DR offering in the zone/account is selected.
        """
        zone_id = self.zone_id(zone) if zone else None
        self._check_owner_filters(account, domain)
        pool = [
            vm
            for vm in self.vms.values()
            if not self.is_recovery(vm)
            and (zone_id is None or vm["zoneid"] == zone_id)
            and (account is None or vm.get("account") == account)
            and (domain is None or domain in (vm.get("domainid"), vm.get("domain"), vm.get("domainpath")))
        ]
        if not names:
            return [vm for vm in pool if self.protected(vm)]
        return [self._named(pool, ref, f"vms[{i}]") for i, ref in enumerate(names)]

    def _check_owner_filters(self, account: str | None, domain: str | None) -> None:
        """An InputError for an account or domain filter that names nothing this key can see: a typo must
        not select no VM and report success."""
        vms = self.vms.values()
        if (
            account is not None
            and not any(vm.get("account") == account for vm in vms)
            and not self.api.list("listAccounts", name=account, listall=True)
        ):
            raise InputError(
                "account",
                f"no account named {account!r} is visible to this API key",
                "Check the account's name, or leave account out",
            )
        if domain is not None and not any(
            domain in (vm.get("domainid"), vm.get("domain"), vm.get("domainpath")) for vm in vms
        ):
            known = self.api.list("listDomains", listall=True)
            if not any(domain in (d.get("id"), d.get("name"), d.get("path")) for d in known):
                raise InputError(
                    "domain",
                    f"no domain has the name, id or path {domain!r}",
                    "Use one of: " + ", ".join(sorted(d.get("path") or d["name"] for d in known)),
                )

    def _named(self, pool: list[dict], ref: str, option: str) -> dict:
        original_id = self.aliases().get(ref, ref)
        matches = [vm for vm in pool if vm["id"] == original_id] or [vm for vm in pool if vm["name"] == ref]
        if len(matches) > 1:
            accounts = ", ".join(sorted(vm.get("account", "?") for vm in matches))
            raise InputError(
                option,
                f"{len(matches)} VMs are named {ref!r} (accounts {accounts})",
                "Give the VM's id, or narrow with account/domain",
            )
        if not matches:
            raise InputError(
                option,
                f"no VM with the name or id {ref!r} is visible with these filters",
                "Check the name, the zone/account/domain filters and the API key's rights",
            )
        vm = matches[0]
        if not self.protected(vm):
            raise InputError(
                option,
                f"VM {vm['name']} uses service offering {vm.get('serviceofferingname')}, which is not DR-enabled",
                "Mark the offering with cloudstack.dr.dr_offering, or change the VM's offering",
            )
        return vm
