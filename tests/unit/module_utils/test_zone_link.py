import pytest
from ansible_collections.cloudstack.dr.plugins.module_utils.config.zone_link import ZoneLinks
from ansible_collections.cloudstack.dr.plugins.module_utils.errors import InputError

A_TO_B = {("z-a", "dr.recovery_zone"): ("z-b", True), ("z-a", "dr.network.n-a"): ("n-b", False),
          ("z-b", "dr.protects.z-a"): ("true", False)}


def link(client, active="zone-a", recovery="zone-b", network_map=(("shared-a", "shared-b"),), state="present"):
    """Plan and apply like the module does; return the outcome."""
    links = ZoneLinks(client)
    links.check_caller()
    mapping = None if network_map is None else [{"active": a, "recovery": r} for a, r in network_map]
    outcome = links.plan(active, recovery, mapping, state)
    if outcome.changed:
        links.apply(outcome)
    return outcome


def test_link_writes_both_zones_then_is_idempotent(client, fake):
    first = link(client)
    assert first.changed and fake.details == A_TO_B
    assert first.value["recovery_zone"] == {"id": "z-b", "name": "zone-b"}
    assert first.value["network_map"] == [{"active": {"id": "n-a", "name": "shared-a"},
                                           "recovery": {"id": "n-b", "name": "shared-b"}}]
    assert first.before == {"zone-a": {}, "zone-b": {}}
    assert first.after == {"zone-a": {"dr.network.n-a": "n-b", "dr.recovery_zone": "z-b"},
                           "zone-b": {"dr.protects.z-a": "true"}}
    writes = len(fake.writes())
    second = link(client, active="z-a", recovery="z-b", network_map=(("n-a", "n-b"),))  # ids work too
    assert not second.changed and second.before == second.after and len(fake.writes()) == writes


def test_plan_alone_writes_nothing(client, fake):
    outcome = ZoneLinks(client).plan("zone-a", "zone-b", None, "present")
    assert outcome.changed and fake.writes() == [] and fake.details == {}


def test_both_directions_and_several_protected_zones(client, fake):
    link(client)
    link(client, "zone-b", "zone-a", (("shared-b", "shared-a"),))
    link(client, "zone-c", "zone-b", network_map=None)
    assert fake.details[("z-b", "dr.recovery_zone")] == ("z-a", True)
    assert {k for (rid, k) in fake.details if rid == "z-b"} == {
        "dr.recovery_zone", "dr.network.n-b", "dr.protects.z-a", "dr.protects.z-c"}
    assert not link(client).changed  # the other links did not disturb the first


def test_a_new_network_map_replaces_the_old_one(client, fake):
    link(client)
    outcome = link(client, network_map=(("shared-a2", "shared-b"),))
    assert outcome.actions() == [{"resource": "zone zone-a", "set": {"dr.network.n-a2": "n-b"},
                                  "remove": ["dr.network.n-a"]}]


def test_omitted_network_map_keeps_the_stored_one(client, fake):
    link(client)
    assert not link(client, network_map=None).changed
    assert fake.details[("z-a", "dr.network.n-a")] == ("n-b", False)


def test_absent_removes_only_this_links_keys(client, fake):
    link(client)
    link(client, "zone-c", "zone-b", network_map=None)
    outcome = link(client, recovery=None, state="absent")
    assert outcome.changed and outcome.value["recovery_zone"]["name"] == "zone-b"
    assert set(fake.details) == {("z-c", "dr.recovery_zone"), ("z-b", "dr.protects.z-c")}
    assert not link(client, recovery=None, state="absent").changed


def test_absent_repairs_a_half_written_link(client, fake):
    fake.details = {("z-b", "dr.protects.z-a"): ("true", False)}  # a run stopped half way
    assert link(client, state="absent").changed and fake.details == {}


@pytest.mark.parametrize("kwargs, field, words", [
    ({"active": "nowhere"}, "active_zone", "no zone has the name or id 'nowhere'. Use one of: zone-a, zone-b"),
    ({"recovery": "zone-x"}, "recovery_zone", "no zone has the name or id 'zone-x'"),
    ({"recovery": "zone-a"}, "recovery_zone", "zone zone-a cannot protect itself"),
    ({"recovery": "z-a"}, "recovery_zone", "cannot protect itself"),
    ({"network_map": (("shared-b", "shared-b"),)}, "network_map[0].active",
     "no shared network of zone zone-a has the name or id 'shared-b'. Use one of: shared-a, shared-a2"),
    ({"network_map": (("shared-a", "shared-a2"),)}, "network_map[0].recovery", "shared network of zone zone-b"),
    ({"network_map": (("shared-a", "shared-b"), ("n-a", "shared-b"))}, "network_map[1].active", "mapped twice"),
])
def test_bad_input_fails_before_any_write(client, fake, kwargs, field, words):
    with pytest.raises(InputError) as info:
        link(client, **kwargs)
    assert info.value.field == field and words in str(info.value) and str(info.value).startswith(field)
    assert fake.writes() == []


def test_a_linked_zone_cannot_silently_change_its_recovery_zone(client, fake):
    link(client)
    with pytest.raises(InputError, match="already protected by zone zone-b. Remove that link first"):
        link(client, recovery="zone-c", network_map=None)


def test_a_tenant_key_is_refused_before_anything_is_read(client, fake):
    fake.admin = False
    with pytest.raises(InputError) as info:
        link(client)
    assert info.value.field == "api_key" and "root admin" in str(info.value)
    assert [c for c, _ in fake.calls] == ["listApis"]
