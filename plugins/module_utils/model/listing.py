# Copyright: cloudstack.dr contributors
# Apache License 2.0 (see LICENSE)
"""Listing a cloud within CloudStack's rules: both display flags, details answered inline, small indexes."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from ..vocabulary.keys import PREFIX

if TYPE_CHECKING:
    from ..client.api import Client


def index(items: Iterable[dict], key: str = "id") -> dict[str, dict]:
    return {item[key]: item for item in items}


def group(items: Iterable[dict], key: str) -> dict[Any, list[dict]]:
    """Items by the value of `key` (None for those without it)."""
    out: dict[Any, list[dict]] = {}
    for item in items:
        out.setdefault(item.get(key), []).append(item)
    return out


def nat_holder(ip: dict) -> tuple[str, str | None]:
    """("vpcid", id) or ("networkid", id): what a source NAT IP serves."""
    return ("vpcid", ip["vpcid"]) if ip.get("vpcid") else ("networkid", ip.get("associatednetworkid"))


def dr_details(obj: dict, field: str = "details") -> dict[str, str]:
    """The `dr.` details a listing answered inline for an object."""
    return {k: v for k, v in (obj.get(field) or {}).items() if k.startswith(PREFIX)}


# The display flag each listing filters on: left out, CloudStack answers only displayed objects, even to
# a root admin; passed as false (root admins only), only hidden ones.
DISPLAY_FLAGS = {
    "listVirtualMachines": "displayvm",
    "listNetworks": "displaynetwork",
    "listVPCs": "fordisplay",
    "listPublicIpAddresses": "fordisplay",
    "listVolumes": "displayvolume",
    "listFirewallRules": "fordisplay",
    "listPortForwardingRules": "fordisplay",
    "listEgressFirewallRules": "fordisplay",
}


def list_both(api: Client, command: str, admin: bool = True, **params: Any) -> list[dict]:
    """Every object of a listing, displayed and (for an admin) hidden: two listings."""
    items = api.list(command, listall=True, **params)
    if admin:
        items += api.list(command, listall=True, **{**params, DISPLAY_FLAGS[command]: False})
    return items


def volumes_by_vm(api: Client, vms: list[dict]) -> dict[str, list[dict]]:
    """{vm id: [volumes attached]} as they are now, one pair of listings per zone of the VMs."""
    out: dict[str, list[dict]] = {}
    for zone_id in sorted({vm["zoneid"] for vm in vms}):
        for vol in list_both(api, "listVolumes", zoneid=zone_id):
            if vol.get("virtualmachineid"):
                out.setdefault(vol["virtualmachineid"], []).append(vol)
    return out
