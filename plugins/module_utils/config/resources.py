# Copyright: cloudstack.dr contributors
# Apache License 2.0 (see LICENSE)
"""What the configuration modules share: finding a named object, the admin-key check.

zone_link, dr_offering and storage_map all take names or ids of CloudStack objects and all
write resource details, which only a root admin may do; the lookups and the check live here
so each module reports bad input the same way.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from ..client.api import Client, CloudStackError
from ..errors import InputError
from ..vocabulary.keys import RECOVERY_ZONE, KeySpec

WRITE_COMMAND = "addResourceDetail"


def may_write_details(client: Client) -> bool:
    """Whether the caller may write resource details: a root admin's key, by default roles."""
    try:
        return bool(client.call("listApis", name=WRITE_COMMAND).get("api"))
    except CloudStackError as error:
        if error.errorcode is None or error.field:  # unreachable, or the key pair itself was rejected
            raise
        return False


def check_caller(client: Client, what: str) -> None:
    """Fail unless the caller may write resource details (root admins only, by default roles).

    `what` names the details in the message, e.g. "zone details".
    """
    if not may_write_details(client):
        raise InputError(
            "api_key", f"this API key may not call {WRITE_COMMAND}, so it cannot write {what}",
            "Use a root admin's key: api_key/api_secret, CLOUDSTACK_KEY/CLOUDSTACK_SECRET, or an "
            "api_region (CLOUDSTACK_REGION) naming a root admin's section of cloudstack.ini",
        )


def by_id(items: Iterable[dict]) -> dict[str, dict]:
    return {item["id"]: item for item in items}


def name_of(items: Iterable[dict], item_id: str) -> str:
    return by_id(items).get(item_id, {}).get("name", item_id)


def ref(item: dict | None) -> dict | None:
    """{id, name} of an object, for results; None for no object."""
    return {"id": item["id"], "name": item.get("name")} if item else None


def known(items: Iterable[dict]) -> str:
    return ", ".join(sorted(item.get("name", item["id"]) for item in items)) or "none"


def find(items: list[dict], wanted: str, option: str, kind: str, where: str = "") -> dict:
    """The one item whose id or name is `wanted`, or an InputError naming `option`."""
    by_ids = [item for item in items if item["id"] == wanted]
    matches = by_ids or [item for item in items if item.get("name") == wanted]
    if len(matches) == 1:
        return matches[0]
    if matches:
        raise InputError(option, f"several {kind}s{where} are named {wanted!r}", "Give its id instead of its name")
    raise InputError(option, f"no {kind}{where} has the name or id {wanted!r}", f"Use one of: {known(items)}")


def owner(*specs: KeySpec | None) -> Callable[[str], bool]:
    """A predicate: is this key owned by one of these key specs (None entries are skipped)?"""
    return lambda key: any(spec and spec.owns(key) for spec in specs)


def zone_links(client: Client) -> dict[str, str]:
    """{active zone id: recovery zone id} of every zone link: listZones answers zone details inline."""
    return {zone["id"]: (zone.get("resourcedetails") or {})[RECOVERY_ZONE.key()] for zone in client.list("listZones")
            if (zone.get("resourcedetails") or {}).get(RECOVERY_ZONE.key())}


def split_tags(text: str | None) -> list[str]:
    """CloudStack's comma-joined tags (`tags`, `storagetags`) as a list."""
    return [tag.strip() for tag in (text or "").split(",") if tag.strip()]


def check_tags(option: str, tags: list[Any]) -> list[str]:
    """A list of storage tags, each checked to be stored comma-joined without loss."""
    for index, tag in enumerate(tags):
        if not isinstance(tag, str) or not tag.strip() or "," in tag:
            raise InputError(f"{option}[{index}]", f"{tag!r} is not a storage tag",
                             "Give each tag as its own non-empty item, without commas")
    return [tag.strip() for tag in tags]
