"""dr_info: the read-only DR status, as a root admin and as a tenant, on a fake cloud."""

from typing import ClassVar

import pytest
from ansible_collections.cloudstack.dr.plugins.module_utils.client.api import Client
from ansible_collections.cloudstack.dr.plugins.module_utils.errors import InputError
from ansible_collections.cloudstack.dr.plugins.module_utils.model.snapshot import Snapshot
from ansible_collections.cloudstack.dr.plugins.module_utils.reporting import status as mod

from ..conftest import FakeClock
from ..dr_cloud import RECOVERY_OF_ACME_WEB, FakeCloud


def only_reads(fake):
    return all(command.startswith("list") for command in fake.commands())


class FakeDrift:
    """Stands in for model.mirror.drift: records which VMs it was asked about, answers like it."""

    calls: ClassVar[list] = []
    answers: ClassVar[dict] = {
        "web-acme-1": [],
        "app-acme-2": ["deploy the recovery VM (stopped, hidden, no volumes)"],
        "db-globex-3": mod.MirrorError("template t1 is not available in the recovery zone"),
    }

    @classmethod
    def drift(cls, snapshot, vm):
        assert hasattr(snapshot, "networks"), "drift needs the network listings"
        cls.calls.append(vm["id"])
        answer = cls.answers[vm["id"]]
        if isinstance(answer, Exception):
            raise answer
        return answer


@pytest.fixture
def engine(monkeypatch):
    FakeDrift.calls = []
    monkeypatch.setattr(mod.mirror, "drift", FakeDrift.drift)
    return FakeDrift


@pytest.fixture
def cloud():
    return FakeCloud()


@pytest.fixture
def acme():
    return FakeCloud(account="acme")


def client_of(fake):
    return Client(fake, clock=FakeClock())


def by_name(records):
    return {(r["account"], r["name"]): r for r in records}


def test_records_of_originals_only_with_prepared_values_or_the_offering_and_link(cloud):
    records = mod.protected_vms(Snapshot(client_of(cloud), network=False))
    assert [(r["zone"], r["account"], r["name"]) for r in records] == [
        ("zone-a", "acme", "app"), ("zone-a", "acme", "web"), ("zone-a", "globex", "db"), ("zone-a", "globex", "web")]
    vms = by_name(records)
    assert vms["acme", "web"] == {
        "name": "web", "id": "web-acme-1", "original_id": "web-acme-1", "zone": "zone-a", "zone_id": "z-a",
        "account": "acme",
        "domain": "ROOT/customers", "offering": "dr-gold", "state": "Prepared", "tier": 1, "rto": "1h",
        "recovery_zone": "zone-b", "recovery_public_ips": {"198.51.100.7": "203.0.113.7"},
        "recovery_vm": RECOVERY_OF_ACME_WEB, "alert": "", "runs_twice": False}
    app = vms["acme", "app"]  # never prepared: tier and RTO of its offering, recovery zone of its zone's link
    assert (app["state"], app["tier"], app["rto"], app["recovery_zone"]) == ("Unprepared", 2, "4h", "zone-b")
    assert vms["globex", "db"]["alert"] == "template missing in zone-b"


def test_filters_zone_account_and_only_prepared(cloud):
    snap = Snapshot(client_of(cloud), network=False)
    assert mod.protected_vms(snap, {"z-b"}) == []
    assert {r["name"] for r in mod.protected_vms(snap, {"z-a"}, ["globex"])} == {"db", "web"}
    prepared = mod.protected_vms(snap, only_prepared=True)
    assert {r["state"] for r in prepared} == {"Prepared", "PrepareFailed", "FailedOver"}


def test_pick_by_id_or_by_name_and_unknown_names_the_option(cloud):
    records = mod.protected_vms(Snapshot(client_of(cloud), network=False))
    assert [r["account"] for r in mod.pick(records, "web")] == ["acme", "globex"]
    assert [r["account"] for r in mod.pick(records, "web-globex-4")] == ["globex"]
    with pytest.raises(InputError, match="^vm: no DR-protected VM with the name or id 'plain'") as raised:
        mod.pick(records, "plain")
    assert raised.value.field == "vm"


def test_root_sees_links_offerings_storage_maps_and_drift(cloud, engine):
    result = mod.dr_info(client_of(cloud))
    assert result["admin"] and result["notes"] == [] and result["changed"] is False
    assert result["links"] == [{
        "active_zone": {"id": "z-a", "name": "zone-a"}, "recovery_zone": {"id": "z-b", "name": "zone-b"},
        "network_map": [{"active": {"id": "n-a", "name": "shared-a"}, "recovery": {"id": "n-b", "name": "shared-b"}}],
        "state": "present"}]
    assert result["offerings"] == [{"id": "o-gold", "name": "dr-gold", "tier": 1, "rto": "1h", "rpo": None,
                                    "storage_tags": None, "recovery_offering": None},
                                   {"id": "o-dr", "name": "dr-small", "tier": 2, "rto": "4h", "rpo": None,
                                    "storage_tags": "dr",
                                    "recovery_offering": {"id": "o-dr-rec", "name": "dr-small-b"}}]
    assert result["storage_maps"] == [{
        "pool": {"id": "p-a", "name": "pool-a1"}, "zone": "zone-a",
        "replica": {"url": "nfs://10.2.0.11/export/replica-a1", "zone": "z-b", "pool": "p-b"},
        "failback": {"url": "nfs://10.1.0.21/export/failback-a1"}, "replication": None}]
    assert [(z["name"], z["hosts_up"], z["hosts"], z["lost"], z["recovery_zone"], z["lock"]) for z in result["zones"]] \
        == [("zone-a", 1, 1, False, "zone-b", None), ("zone-b", 1, 1, False, None, None)]
    # The VMs in trouble come first, each saying what is wrong; the overview ends with them.
    assert [r["trouble"] is not None for r in result["vms"]] == sorted((r["trouble"] is not None for r in
                                                                         result["vms"]), reverse=True)
    troubled = {(r["account"], r["name"]): r["trouble"] for r in result["vms"] if r["trouble"]}
    assert troubled == {("acme", "app"): "drifted: deploy the recovery VM (stopped, hidden, no volumes)",
                        ("globex", "db"): "preparation failed; template missing in zone-b; drift unknown: template t1 "
                                          "is not available in the recovery zone"}
    assert result["overview"][-3:] == [
        "VMs in trouble: 2",
        "  app (acme, zone-a, Unprepared): drifted: deploy the recovery VM (stopped, hidden, no volumes)",
        ("  db (globex, zone-a, PrepareFailed): preparation failed; template missing in zone-b; drift unknown: "
         "template t1 is not available in the recovery zone")]
    # Drift of every VM that is not moving; the failed-over VM keeps drift null.
    assert engine.calls == ["app-acme-2", "web-acme-1", "db-globex-3"]
    drift = {key: (r["drift"], r["drift_error"]) for key, r in by_name(result["vms"]).items()}
    assert drift == {
        ("acme", "app"): (["deploy the recovery VM (stopped, hidden, no volumes)"], None),
        ("acme", "web"): ([], None),
        ("globex", "db"): ([], "template t1 is not available in the recovery zone"),
        ("globex", "web"): (None, None),
    }
    assert only_reads(cloud)


def test_drift_false_skips_the_engine_and_the_network_reads(cloud, engine):
    result = mod.dr_info(client_of(cloud), drift=False)
    assert engine.calls == [] and {r["drift"] for r in result["vms"]} == {None}
    assert {params.get("type") for command, params in cloud.calls if command == "listNetworks"} == {"Shared"}


def test_selection_by_zone_account_and_vm(cloud, engine):
    assert [r["id"] for r in mod.dr_info(client_of(cloud), account="globex", vm="web")["vms"]] == ["web-globex-4"]
    assert mod.dr_info(client_of(cloud), zone="zone-b")["vms"] == []
    with pytest.raises(InputError, match="^zone: no zone has the name or id 'zone-x'"):
        mod.dr_info(client_of(cloud), zone="zone-x")


def test_tenant_gets_its_visible_status_and_a_note_never_an_error(acme, engine):
    result = mod.dr_info(client_of(acme))
    assert not result["admin"] and result["notes"] == [mod.TENANT_NOTE]
    assert result["links"] == [] and result["storage_maps"] == [] and engine.calls == []
    vms = by_name(result["vms"])
    assert set(vms) == {("acme", "app"), ("acme", "web")}
    web = vms["acme", "web"]
    assert (web["state"], web["recovery_zone"], web["recovery_vm"], web["drift"]) == ("Prepared", "zone-b", None, None)
    assert result["offerings"] == [{"id": "o-gold", "name": "dr-gold", "tier": 1, "rto": "1h", "rpo": None,
                                    "storage_tags": None, "recovery_offering": None},
                                   {"id": "o-dr", "name": "dr-small", "tier": 2, "rto": "4h", "rpo": None,
                                    "storage_tags": None, "recovery_offering": None}]
    assert only_reads(acme)


def test_an_api_failure_that_is_not_a_refusal_is_raised():
    from ansible_collections.cloudstack.dr.plugins.module_utils.client.api import CloudStackError

    class Down:
        def listStoragePools(self, **params):
            raise CloudStackError("listStoragePools", "cannot reach the CloudStack API", transient=False)

    with pytest.raises(CloudStackError):
        mod.read_pools(Client(Down(), clock=FakeClock(), retries=0))


def test_summary_and_table_per_zone_tier_and_state(cloud):
    records = mod.protected_vms(Snapshot(client_of(cloud), network=False))
    assert [(s["tier"], s["state"], s["count"], s["vms"]) for s in mod.summary(records)] == [
        (1, "Prepared", 1, ["web"]), (2, "FailedOver", 1, ["web"]), (2, "PrepareFailed", 1, ["db"]),
        (2, "Unprepared", 1, ["app"])]
    lines = mod.table(records)
    assert lines == [
        "zone    tier  state          VMs  names",
        "------  ----  -------------  ---  -----",
        "zone-a  1     Prepared       1    web",
        "zone-a  2     FailedOver     1    web",
        "zone-a  2     PrepareFailed  1    db",
        "zone-a  2     Unprepared     1    app",
        "total: 4 DR VMs in 1 zone(s)",
    ]
