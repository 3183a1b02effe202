"""dr_offering through Ansible against the simulator: the lifecycle, visibility and bad input."""

import cs
import pytest

from .conftest import absent, module, resource_details, run_target, untouched

DR_SMALL = {"offering": "dr-small", "tier": 1, "rto": "1h", "storage_tags": ["dr"]}


def offering_details(sim) -> dict:
    return resource_details(sim, "ServiceOffering", "listServiceOfferings")


def unchanged(sim) -> bool:
    return untouched(sim, "ServiceOffering", "listServiceOfferings")


@pytest.fixture(autouse=True)
def _clean(env):
    """Every test ends with no DR offering and no zone link."""
    yield
    absent(env(), "dr_offering", "offering", ("dr-small", "small", "medium"))
    absent(env(), "zone_link", "active_zone", ("zone-a", "zone-b"))


def test_target_playbook(sim, env):
    """The target: check mode -> apply -> idempotence -> diff -> errors -> absent, cleanup in always."""
    run_target("dr_offering", env())
    assert unchanged(sim)


def test_check_apply_idempotence_absent(sim, env, linked):
    rc, check, _ = module("dr_offering", env(), DR_SMALL, check=True)
    assert rc == 0 and check["changed"] and unchanged(sim)
    rc, first, printed = module("dr_offering", env(), DR_SMALL, diff=True)
    assert rc == 0 and first["changed"] and first["actions"] == check["actions"]
    assert offering_details(sim)["dr-small"] == {"dr.enabled": "true", "dr.tier": "1", "dr.rto": "1h",
                                                 "dr.storage_tags": "dr"}
    assert '+        "dr.tier": "1"' in printed
    rc, second, _ = module("dr_offering", env(), DR_SMALL)
    assert rc == 0 and not second["changed"] and second["actions"] == []
    rc, gone, _ = module("dr_offering", env(), {"offering": "dr-small", "state": "absent"})
    assert rc == 0 and gone["changed"] and unchanged(sim)
    rc, again, _ = module("dr_offering", env(), {"offering": "dr-small", "state": "absent"})
    assert rc == 0 and not again["changed"]


def test_visible_and_hidden_keys(sim, env, linked):
    conf = sim.section()
    api = cs.CloudStack(endpoint=conf["endpoint"], key=conf["key"], secret=conf["secret"])
    rc, result, _ = module("dr_offering", env(), {**DR_SMALL, "recovery_offering": "dr-medium"})
    assert rc == 0, result.get("msg")
    rid = result["dr_offering"]["offering"]["id"]
    hidden = {r["key"]: r["value"] for r in api.listResourceDetails(
        resourcetype="ServiceOffering", resourceid=rid, fordisplay=False, fetch_list=True)}
    assert hidden == {"dr.storage_tags": "dr", "dr.recovery_offering": result["dr_offering"]["recovery_offering"]["id"]}


@pytest.mark.parametrize("options, field, words", [
    ({**DR_SMALL, "offering": "nope"}, "offering", "no service offering has the name or id 'nope'. Use one of:"),
    ({**DR_SMALL, "recovery_offering": "nope"}, "recovery_offering", "no service offering has the name or id 'nope'"),
    ({**DR_SMALL, "recovery_offering": "medium"}, "recovery_offering",
     "service offering medium has the storage tags none and dr-small has dr"),
    ({**DR_SMALL, "rto": "soon"}, "rto", "'soon' is not a duration"),
    ({**DR_SMALL, "tier": 0}, "tier", "0 is not a tier"),
    ({**DR_SMALL, "storage_tags": ["a,b"]}, "storage_tags[0]", "is not a storage tag"),
])
def test_bad_input_fails_before_any_change(sim, env, linked, options, field, words):
    rc, result, _ = module("dr_offering", env(), options)
    assert rc != 0 and result["failure"] == {"field": field} and words in result["msg"], result.get("msg")
    assert unchanged(sim)


def test_an_unlinked_cloud_is_refused(sim, env):
    rc, result, _ = module("dr_offering", env(), DR_SMALL)
    assert rc != 0 and result["failure"] == {"field": "offering"}
    assert "no zone is linked" in result["msg"] and "cloudstack.dr.zone_link first" in result["msg"]
    assert unchanged(sim)


def test_present_needs_tier_and_rto(sim, env, linked):
    rc, result, _ = module("dr_offering", env(), {"offering": "dr-small"})
    assert rc != 0 and "state is present but all of the following are missing: tier, rto" in result["msg"]


@pytest.mark.parametrize("region", ["acme", "customers-admin"])
def test_a_key_that_is_not_root_admin_gets_a_clear_error(sim, env, linked, region):
    rc, result, _ = module("dr_offering", env(CLOUDSTACK_REGION=region), DR_SMALL)
    assert rc != 0 and result["failure"] == {"field": "api_key"} and "root admin" in result["msg"]
    assert unchanged(sim)
