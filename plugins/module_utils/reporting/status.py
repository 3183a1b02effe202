# Copyright: cloudstack.dr contributors
# Apache License 2.0 (see LICENSE)
"""The DR status of a cloud, read-only: zone links, DR offerings, storage maps, protected VMs, drift.

Shared by the dr_info module and the cloudstack.dr.vms inventory plugin. Everything comes from
bulk listings (a Snapshot); what the API key may not see is simply absent, so a tenant's key
yields the tenant's view (its VMs' visible DR details) instead of an error.
"""

from __future__ import annotations

from ..client.api import Client, CloudStackError
from ..config.zone_link import link_view
from ..engine.fence import Fence
from ..engine.lock import ZoneLock, lock_account
from ..engine.zone_loss import evidence
from ..errors import InputError
from ..model import mirror
from ..model.mirror import MirrorError
from ..model.snapshot import Snapshot
from ..replication import registry
from ..replication.adapter import AdapterError
from ..vocabulary import details, states
from ..vocabulary.details import as_values
from ..vocabulary.keys import (
    ALERT,
    FAILBACK,
    FENCE,
    OFFERING_RECOVERY,
    OFFERING_RPO,
    OFFERING_RTO,
    OFFERING_STORAGE_TAGS,
    OFFERING_TIER,
    REPLICA,
    REPLICATION,
    VM_RECOVERY_ZONE,
    shown,
)
from ..vocabulary.tiers import tier_of

POOL_SIDES = {"replica": REPLICA, "failback": FAILBACK}
TENANT_NOTE = ("This API key is not a root admin's: zone links, storage maps, hidden DR details and "
               "drift are not visible to it, so they are empty or null here.")


def _ref(items: dict[str, dict], item_id: str | None) -> dict | None:
    return {"id": item_id, "name": items.get(item_id, {}).get("name")} if item_id else None


def vm_record(snap: Snapshot, vm: dict) -> dict:
    """One original VM's DR status: the truth for an admin's key, the owner's copy for a tenant's.
    Before preparation, tier/RTO/recovery zone come from its offering and zone."""
    copy = snap.visible(snap.serving(vm))
    linked = snap.zones.get(snap.recovery_zone_of(vm["zoneid"]) or "", {}).get("name")
    recovery = snap.peer(vm)
    return {
        # The id its owner knows it by, which a failover's UUID swap moves to the recovery VM; original_id is the
        # original VM's own id now.
        "name": vm["name"], "id": snap.user_id(vm), "original_id": vm["id"], "zone": vm.get("zonename"),
        "zone_id": vm["zoneid"],
        "account": vm.get("account"), "domain": vm.get("domainpath") or vm.get("domain"),
        "offering": vm.get("serviceofferingname"),
        "state": snap.state(vm),
        "tier": snap.tier(vm),
        "rto": snap.rto(vm) or None,
        "recovery_zone": linked or shown(copy.get(VM_RECOVERY_ZONE.key())) or None,
        "recovery_public_ips": snap.known_public_ips(vm),
        "recovery_vm": recovery["id"] if recovery else None,
        "alert": shown(copy.get(ALERT.key())),
        # Both VMs of the pair Running: a host of a lost zone came back and CloudStack started the original again.
        "runs_twice": bool(recovery and vm.get("state") == "Running" and recovery.get("state") == "Running"),
    }


def protected_vms(snap: Snapshot, zone_ids: set[str] | None = None, accounts: list[str] | None = None,
                  only_prepared: bool = False) -> list[dict]:
    """Records of the original VMs of DR offerings (never recovery VMs) in these zones/accounts."""
    records = [vm_record(snap, vm) for vm in snap.originals()
               if (not zone_ids or vm["zoneid"] in zone_ids) and (not accounts or vm.get("account") in accounts)]
    if only_prepared:
        records = [r for r in records if r["state"] != states.UNPREPARED]
    return sorted(records, key=lambda r: (r["zone"] or "", r["account"] or "", r["name"], r["id"]))


def pick(records: list[dict], ref: str) -> list[dict]:
    """The records of the VM named (or with the id) `ref`; names may repeat across accounts."""
    found = [r for r in records if r["id"] == ref] or [r for r in records if r["name"] == ref]
    if not found:
        raise InputError("vm", f"no DR-protected VM with the name or id {ref!r} is visible with these filters",
                         "Check the name, the zone/account filters, the VM's offering and the API key's rights")
    return found


def links(snap: Snapshot, networks: dict) -> list[dict]:
    """Zone links in the shape the zone_link module returns them."""
    out = []
    for zone_id, zone in sorted(snap.zones.items(), key=lambda item: item[1]["name"]):
        recovery = snap.zones.get(snap.recovery_zone_of(zone_id) or "")
        if recovery:
            out.append(link_view(zone, recovery, snap.network_map(zone_id), networks, "present"))
    return out


def offerings(snap: Snapshot) -> list[dict]:
    out = []
    for offering_id, found in snap.dr_offerings().items():
        out.append({
            "id": offering_id, "name": snap.offerings[offering_id]["name"],
            "tier": tier_of(found.get(OFFERING_TIER.key())), "rto": found.get(OFFERING_RTO.key()),
            "rpo": found.get(OFFERING_RPO.key()),
            "storage_tags": found.get(OFFERING_STORAGE_TAGS.key()),
            "recovery_offering": _ref(snap.offerings, found.get(OFFERING_RECOVERY.key())),
        })
    return sorted(out, key=lambda o: (o["tier"] is None, o["tier"], o["name"]))


def storage_maps(client: Client, pools: dict[str, dict]) -> list[dict]:
    """Pools with a storage map: per side (replica = failover, failback) its settings by field.

    `pool` in a side is the pool introduced from it by a failover or failback, once there was one.
    """
    out = []
    built = registry.Built(client)
    for pool_id, pool in pools.items():
        found = as_values(details.read(client, "Storage", pool_id, f"pool {pool.get('name')}"))
        sides = {side: {key[len("dr." + side + "_"):]: value for key, value in found.items()
                        if key.startswith("dr." + side + "_")} for side in POOL_SIDES}
        if any(sides.values()):
            out.append({"pool": _ref(pools, pool_id), "zone": pool.get("zonename"), **sides,
                        "replication": replication_state(found, built)})
    return sorted(out, key=lambda m: (m["zone"] or "", m["pool"]["name"] or ""))


def replication_state(found: dict[str, str], built: registry.Built) -> dict | None:
    """A storage map's replication as its adapter answers now: each device's status (or why it cannot say)."""
    name = found.get(REPLICATION["adapter"].key())
    if not name:
        return None
    devices = {"pool": found.get(REPLICATION["device"].key()), "replica": found.get(REPLICA["device"].key()),
               "failback": found.get(FAILBACK["device"].key())}
    states_now: dict[str, dict] = {}
    try:
        adapter = built.adapter(name, found.get(REPLICATION["options"].key()))
    except (AdapterError, ValueError, KeyError) as exc:
        return {"adapter": name, "error": f"cannot build the adapter: {exc}", "devices": {}}
    for side, device in devices.items():
        if not device:
            continue
        try:
            states_now[side] = adapter.status(device).as_dict()
        except AdapterError as exc:
            states_now[side] = {"device": device, "error": str(exc)}
    return {"adapter": name, "error": None, "devices": states_now}


def read_pools(client: Client) -> dict[str, dict] | None:
    """Primary storage pools by id, or None when the key may not list them (not a root admin)."""
    try:
        return {pool["id"]: pool for pool in client.list("listStoragePools")}
    except CloudStackError as error:
        if error.errorcode is None or error.field:  # not a refusal: the API (or the key pair) failed
            raise
        return None


def add_drift(snap: Snapshot, records: list[dict]) -> None:
    """Set each record's `drift`: what preparation would change on its recovery VM.

    A VM that cannot be prepared gets `drift_error`; a moving or moved VM keeps drift null (its recovery
    VM legitimately differs from it).
    """
    for record in records:
        if record["state"] in states.MOVED:
            continue
        try:
            record["drift"] = mirror.drift(snap, snap.vms[record["original_id"]])
        except MirrorError as exc:
            record.update(drift=[], drift_error=str(exc))


def zones(client: Client, snap: Snapshot) -> list[dict]:
    """Each zone's health as CloudStack reports it (hosts up, allocation), its link, and who holds its DR lock."""
    account = lock_account(client)
    out = []
    for zone_id, zone in sorted(snap.zones.items(), key=lambda item: item[1]["name"]):
        health = evidence(client, zone_id)
        holder = ZoneLock(client, zone_id, zone["name"], "status", account=account).holder()
        fence = Fence(client, zone).record().get(FENCE.key())
        recovery = snap.zones.get(snap.recovery_zone_of(zone_id) or "", {}).get("name")
        out.append({"name": zone["name"], "id": zone_id, "allocation": zone.get("allocationstate"),
                    "hosts": len(health.hosts), "hosts_up": len(health.alive), "lost": health.lost,
                    "health": health.text(), "recovery_zone": recovery,
                    "lock": holder.text() if holder else None, "lock_id": holder.id if holder else None,
                    "fenced": f"since {fence.get('at')} ({fence.get('run')})" if fence is not None else None})
    return out


TROUBLED_STATES = {states.PREPARE_FAILED: "preparation failed", states.FAILING_OVER: "in a failover",
                   states.FAILING_BACK: "in a failback"}


def trouble(record: dict) -> str | None:
    """What is wrong with a protected VM now, in a few words, or None."""
    said = [TROUBLED_STATES[record["state"]]] if record["state"] in TROUBLED_STATES else []
    said += ["RUNS IN BOTH ZONES: stop the one in the fenced zone (playbooks/unfence.yml and failback stop it)"
             ] if record.get("runs_twice") else []
    said += [record["alert"]] if record.get("alert") else []
    said += [f"drifted: {'; '.join(record['drift'])}"] if record.get("drift") else []
    said += [f"drift unknown: {record['drift_error']}"] if record.get("drift_error") else []
    return "; ".join(said) or None


def summary(records: list[dict]) -> list[dict]:
    """VM counts per zone, tier and DR state, in recovery order within each zone."""
    rows: dict[tuple[str, int | None, str], dict] = {}
    for r in records:
        row = rows.setdefault((r["zone"] or "", r["tier"], r["state"]),
                              {"zone": r["zone"], "tier": r["tier"], "state": r["state"], "count": 0, "vms": []})
        row["count"] += 1
        row["vms"].append(r["name"])
    for row in rows.values():
        row["vms"].sort()
    return [rows[key] for key in sorted(rows, key=lambda k: (k[0], k[1] is None, k[1] or 0, k[2]))]


def align(rows: list[tuple]) -> list[str]:
    """Text lines of a table whose first row is the header; the last column is left unpadded."""
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]) - 1)]
    lines = ["  ".join([cell.ljust(w) for cell, w in zip(row, widths, strict=False)] + [row[-1]]).rstrip()
             for row in rows]
    lines.insert(1, "  ".join("-" * w for w in [*widths, len(rows[0][-1])]))
    return lines


def table(records: list[dict]) -> list[str]:
    """The status table: one line per zone, tier and state, then the total."""
    rows = [("zone", "tier", "state", "VMs", "names")]
    rows += [(s["zone"] or "-", "-" if s["tier"] is None else str(s["tier"]), s["state"], str(s["count"]),
              ", ".join(s["vms"])) for s in summary(records)]
    zones = {r["zone"] for r in records}
    return [*align(rows), f"total: {len(records)} DR VMs in {len(zones)} zone(s)"]


def _device(state: dict | None) -> str:
    if not state:
        return "-"
    if state.get("error"):
        return f"{state.get('device')}: {state['error']}"
    lag = state.get("lag_seconds")
    behind = "" if lag is None or state.get("role") != "target" else f", {lag:.0f} s behind"
    return (f"{state['device']} {state.get('role')} {state.get('state') or ''}"
            f" {'rw' if state.get('writable') else 'ro'}{behind}").replace("  ", " ")


def overview(result: dict) -> list[str]:
    """The admin's picture in text: zones, offerings, storage and its replication, then the VMs in trouble."""
    lines = ["zones:"]
    lines += align([("zone", "allocation", "hosts up", "lost", "recovers in", "fenced", "DR lock")] + [
        (z["name"], z["allocation"] or "-", f"{z['hosts_up']} of {z['hosts']}", "LOST" if z["lost"] else "no",
         z["recovery_zone"] or "-", z["fenced"] or "no", z["lock"] or "-") for z in result["zones"]])
    lines += ["", "DR offerings:"]
    lines += align([("offering", "tier", "RTO", "RPO", "recovery offering")] + [
        (o["name"], str(o["tier"]), o["rto"] or "-", o["rpo"] or "-", (o["recovery_offering"] or {}).get("name") or "-")
        for o in result["offerings"]]) if result["offerings"] else ["none"]
    lines += ["", "storage maps and their replication now:"]
    rows = [("pool", "zone", "adapter", "pool device", "replica device", "failback device")]
    for m in result["storage_maps"]:
        rep = m.get("replication") or {}
        devices = rep.get("devices") or {}
        rows.append((m["pool"]["name"] or "-", m["zone"] or "-", rep.get("adapter") or "none (by hand)",
                     _device(devices.get("pool")), _device(devices.get("replica")), _device(devices.get("failback"))))
    lines += align(rows) if len(rows) > 1 else ["none"]
    troubled = [r for r in result["vms"] if r.get("trouble")]
    lines += ["", f"VMs in trouble: {len(troubled)}"]
    lines += [f"  {r['name']} ({r['account']}, {r['zone']}, {r['state']}): {r['trouble']}" for r in troubled[:20]]
    lines += [f"  ... and {len(troubled) - 20} more"] if len(troubled) > 20 else []
    return lines


def dr_info(client: Client, zone: str | None = None, account: str | None = None, vm: str | None = None,
            drift: bool = True) -> dict:
    """The dr_info module's result."""
    pools = read_pools(client)
    admin = pools is not None
    snap = Snapshot(client, network=drift and admin, admin=admin)
    records = protected_vms(snap, {snap.zone_id(zone)} if zone else None, [account] if account else None)
    if vm:
        records = pick(records, vm)
    for record in records:
        record.update(drift=None, drift_error=None)
    if drift and admin:
        add_drift(snap, records)
    for record in records:
        record["trouble"] = trouble(record)
    records.sort(key=lambda r: r["trouble"] is None)  # the VMs in trouble first, each group in its order
    result = {
        "changed": False, "admin": admin, "notes": [] if admin else [TENANT_NOTE],
        "offerings": offerings(snap), "vms": records, "summary": summary(records), "table": table(records),
        "links": [], "storage_maps": [], "zones": [],
    }
    if pools is not None:  # an admin's key
        shared = {n["id"]: n for n in client.list("listNetworks", listall=True, type="Shared")}
        result["links"] = links(snap, shared)
        result["storage_maps"] = storage_maps(client, pools)
        result["zones"] = zones(client, snap)
    result["overview"] = overview(result)
    return result
