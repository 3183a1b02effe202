"""Preparation against the simulator: recovery VMs are metadata only and mirror the originals."""

import json

import pytest
from ansible_collections.cloudstack.dr.plugins.module_utils.engine.prepare import PrepareRun
from ansible_collections.cloudstack.dr.plugins.module_utils.model.snapshot import Snapshot

from ... import drapi
from .conftest import client_for, configure_demo


@pytest.fixture(scope="module")
def zones(api):
    return configure_demo(api)


def dr_vms(snap, zone):
    return [vm for vm in snap.vms.values() if vm["zoneid"] == zone["id"] and snap.dr_offering(vm["serviceofferingid"])]


def prepare(api, zone, check_mode=False):
    snap = Snapshot(api)
    return PrepareRun(api, snap, check_mode=check_mode).run(dr_vms(snap, zone))


def test_check_mode_plans_without_changing_anything(api, zones):
    before = api.list("listVirtualMachines", listall=True, zoneid=zones["zone-b"]["id"])
    results = prepare(api, zones["zone-a"], check_mode=True)
    assert {r["name"] for r in results} == {"acme-web-1", "acme-app-1", "globex-db-1"}
    assert all(r["changed"] and r["error"] is None for r in results), results
    assert api.list("listVirtualMachines", listall=True, zoneid=zones["zone-b"]["id"]) == before


def test_prepare_builds_metadata_only_recovery_vms(api, zones, sim):
    results = prepare(api, zones["zone-a"])
    assert [r["error"] for r in results] == [None, None, None], results
    for result in results:
        rec = api.list("listVirtualMachines", id=result["recovery_vm"], listall=True, displayvm=False)[0]
        assert (rec["zoneid"], rec["state"], rec["displayvm"]) == (zones["zone-b"]["id"], "Stopped", False)
        assert "hostid" not in rec
        assert api.list("listVolumes", virtualmachineid=rec["id"], listall=True) == []  # hidden with the VM
        vols = api.list("listVolumes", virtualmachineid=rec["id"], listall=True, displayvolume=False)
        assert vols and all(v["state"] == "Allocated" and not v.get("path") for v in vols)
        original = api.list("listVirtualMachines", id=result["id"], listall=True)[0]
        assert [n["ipaddress"] for n in rec["nic"]] == [n["ipaddress"] for n in original["nic"]]
        details = drapi.details(api, "UserVm", result["id"], visible=True)
        assert details["dr.state"] == "Prepared"
        assert details["dr.recovery_zone"] == "zone-b"
        assert details["dr.tier"] == "1" and details["dr.rto"] == "1h"
        assert json.loads(details["dr.recovery_public_ips"]), "every demo DR VM has a public IP"


def test_second_run_changes_nothing(api, zones):
    results = prepare(api, zones["zone-a"])
    assert [r["changed"] for r in results] == [False, False, False], [r["changes"] for r in results]


def test_tenant_sees_state_but_not_hidden_details(sim, zones):
    acme = client_for(sim, "acme")
    vm = next(v for v in acme.list("listVirtualMachines") if v["name"] == "acme-web-1")
    keys = set(drapi.details(acme, "UserVm", vm["id"]))  # fordisplay=false is dropped for a tenant
    assert {"dr.state", "dr.recovery_zone", "dr.recovery_public_ips", "dr.tier", "dr.rto"} <= keys
    assert not keys & {"dr.pair", "dr.role", "dr.status", "dr.move", "dr.swap"}
    assert [v["name"] for v in acme.list("listVirtualMachines", zoneid=zones["zone-b"]["id"])] == []
