"""zone_link through Ansible against the simulator: the lifecycle, credentials and bad input."""

import pytest

from .conftest import ROOT, playbook, zone_details, zone_link

LINK_A = {"active_zone": "zone-a", "recovery_zone": "zone-b"}
NO_LINKS = {"zone-a": {}, "zone-b": {}}


@pytest.fixture(autouse=True)
def _unlinked(env):
    """Every test ends with no zone link."""
    yield
    for zone in ("zone-a", "zone-b"):
        zone_link(env(), {"active_zone": zone, "state": "absent"})


def test_target_playbook(sim, env):
    """The target: check mode -> apply -> idempotence -> diff -> absent, errors, cleanup in always."""
    proc = playbook(ROOT / "tests/integration/targets/zone_link/main.yml", env(), "--diff")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "failed=0" in proc.stdout and "ok=0" not in proc.stdout
    assert zone_details(sim) == NO_LINKS


def test_check_mode_changes_nothing_in_the_cloud(sim, env):
    rc, result, _ = zone_link(env(), LINK_A, check=True)
    assert rc == 0 and result["changed"]
    assert zone_details(sim) == NO_LINKS


def test_apply_is_idempotent_and_diffs(sim, env):
    rc, first, printed = zone_link(env(), LINK_A, diff=True)
    assert rc == 0 and first["changed"]
    zones = zone_details(sim)
    zone_b_id = first["zone_link"]["recovery_zone"]["id"]
    assert zones["zone-a"] == {"dr.recovery_zone": zone_b_id}
    assert zones["zone-b"] == {f"dr.protects.{first['zone_link']['active_zone']['id']}": "true"}
    assert '-    "zone-a": {},' in printed and f'+        "dr.recovery_zone": "{zone_b_id}"' in printed
    rc, second, _ = zone_link(env(), LINK_A)
    assert rc == 0 and not second["changed"] and second["actions"] == []


def test_the_secret_never_comes_back(sim, env):
    rc, result, _ = zone_link(env(), LINK_A, diff=True)
    assert rc == 0 and sim.section()["secret"] not in repr(result)


@pytest.mark.parametrize("how", ["module options", "environment"])
def test_credentials_without_cloudstack_ini(sim, env, how):
    conf = sim.section()
    bare = {k: v for k, v in env().items() if k != "CLOUDSTACK_CONFIG"}
    options = dict(LINK_A)
    if how == "environment":
        bare.update(CLOUDSTACK_ENDPOINT=conf["endpoint"], CLOUDSTACK_KEY=conf["key"], CLOUDSTACK_SECRET=conf["secret"])
    else:
        options.update(api_url=conf["endpoint"], api_key=conf["key"], api_secret=conf["secret"])
    rc, result, _ = zone_link(bare, options)
    assert rc == 0 and result["changed"], result.get("msg")


@pytest.mark.parametrize("region", ["acme", "customers-admin"])
def test_a_key_that_is_not_root_admin_gets_a_clear_error(sim, env, region):
    rc, result, _ = zone_link(env(CLOUDSTACK_REGION=region), LINK_A)
    assert rc != 0 and result["failure"] == {"field": "api_key"}
    assert "may not call addResourceDetail" in result["msg"] and "root admin" in result["msg"]
    assert zone_details(sim) == NO_LINKS


def test_missing_credentials_name_the_options(sim, env):
    bare = {k: v for k, v in env().items() if k != "CLOUDSTACK_CONFIG"}
    bare["HOME"] = str(sim.tmp)  # no ~/.cloudstack.ini either
    rc, result, _ = zone_link(bare, LINK_A)
    assert rc != 0 and "Missing CloudStack credentials: api_url, api_key, api_secret" in result["msg"]


@pytest.mark.parametrize("options, field, words", [
    ({"active_zone": "zone-x", "recovery_zone": "zone-b"}, "active_zone", "no zone has the name or id 'zone-x'"),
    ({"active_zone": "zone-a", "recovery_zone": "zone-a"}, "recovery_zone", "zone zone-a cannot protect itself"),
    ({**LINK_A, "network_map": [{"active": "nope", "recovery": "shared-b"}]}, "network_map[0].active",
     "no shared network of zone zone-a has the name or id 'nope'"),
    ({**LINK_A, "network_map": [{"active": "shared-a", "recovery": "shared-a"}]}, "network_map[0].recovery",
     "no shared network of zone zone-b has the name or id 'shared-a'"),
])
def test_bad_input_fails_before_any_change(sim, env, options, field, words):
    rc, result, _ = zone_link(env(), options)
    assert rc != 0 and result["failure"] == {"field": field} and words in result["msg"], result.get("msg")
    assert zone_details(sim) == NO_LINKS
