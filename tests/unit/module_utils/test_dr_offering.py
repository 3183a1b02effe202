import pytest
from ansible_collections.cloudstack.dr.plugins.module_utils.config.dr_offering import DrOfferings
from ansible_collections.cloudstack.dr.plugins.module_utils.errors import InputError

LINK_A_TO_B = {("z-a", "dr.recovery_zone"): ("z-b", True)}


@pytest.fixture
def linked(fake):
    fake.details.update(LINK_A_TO_B)
    return fake


def offer(client, offering="dr-small", tier=1, rto="1h", storage_tags=None, recovery_offering=None, state="present"):
    """Plan and apply like the module does; return the outcome."""
    offerings = DrOfferings(client)
    offerings.check_caller()
    outcome = offerings.plan(offering, tier, rto, storage_tags, recovery_offering, state)
    if outcome.changed:
        offerings.apply(outcome)
    return outcome


def offering_details(fake, rid="o-small"):
    return {k: v for (r, k), v in fake.details.items() if r == rid}


def test_marks_the_offering_then_is_idempotent(client, linked):
    first = offer(client)
    assert first.changed
    assert offering_details(linked) == {"dr.enabled": ("true", True), "dr.tier": ("1", True), "dr.rto": ("1h", True),
                                        "dr.storage_tags": ("dr", False)}  # the offering's own tags by default
    assert first.value == {"offering": {"id": "o-small", "name": "dr-small"}, "tier": 1, "rto": "1h", "rpo": None,
                           "storage_tags": ["dr"], "recovery_offering": {"id": "o-small", "name": "dr-small"},
                           "recovery_zones": [{"id": "z-b", "name": "zone-b"}], "state": "present"}
    assert first.before == {"dr-small": {}}
    assert first.after == {"dr-small": {"dr.enabled": "true", "dr.rto": "1h", "dr.storage_tags": "dr", "dr.tier": "1"}}
    writes = len(linked.writes())
    second = offer(client, offering="o-small", storage_tags=["dr"])  # an id and explicit tags: the same thing
    assert not second.changed and second.before == second.after and len(linked.writes()) == writes


def test_plan_alone_writes_nothing(client, linked):
    outcome = DrOfferings(client).plan("dr-small", 2, "24h")
    assert outcome.changed and linked.writes() == [] and offering_details(linked) == {}
    assert outcome.actions()[0]["resource"] == "service offering dr-small"


def test_changes_write_only_what_differs(client, linked):
    offer(client)
    outcome = offer(client, tier=2, rto="4h", storage_tags=[], recovery_offering="big")
    assert outcome.actions() == [{"resource": "service offering dr-small",
                                  "set": {"dr.recovery_offering": "o-big", "dr.rto": "4h", "dr.tier": "2"},
                                  "remove": ["dr.storage_tags"]}]
    assert offering_details(linked)["dr.recovery_offering"] == ("o-big", False)
    outcome = offer(client, tier=2, rto="4h", storage_tags=[])  # back to the same offering: the key goes
    assert outcome.actions()[0]["remove"] == ["dr.recovery_offering"] and outcome.actions()[0]["set"] == {}


def test_a_wrong_visibility_is_written_again(client, linked):
    offer(client)
    linked.details[("o-small", "dr.tier")] = ("1", False)
    assert offer(client).actions()[0]["set"] == {"dr.tier": "1"}
    assert linked.details[("o-small", "dr.tier")] == ("1", True)


def test_absent_removes_only_the_offering_keys(client, linked):
    offer(client, recovery_offering="big")
    linked.details[("o-small", "dr.someone_else")] = ("x", False)
    outcome = offer(client, tier=None, rto=None, state="absent")
    assert outcome.changed and outcome.value == {"offering": {"id": "o-small", "name": "dr-small"}, "state": "absent"}
    assert offering_details(linked) == {"dr.someone_else": ("x", False)}
    assert not offer(client, state="absent").changed


def test_absent_needs_no_zone_link(client, fake):
    assert not offer(client, state="absent").changed


def test_zone_limited_offerings(client, linked):
    """a-only is offered in zone-a, whose recovery zone is zone-b: b-only serves there, a-only does not."""
    assert offer(client, offering="a-only", recovery_offering="b-only").value["recovery_zones"][0]["name"] == "zone-b"
    with pytest.raises(InputError, match=r"recovery_offering: service offering a-only \(the default: the offering "
                                         r"itself\) is not available in recovery zone zone-b"):
        offer(client, offering="a-only")


@pytest.mark.parametrize("kwargs, field, words", [
    ({"offering": "nope"}, "offering",
     "no service offering has the name or id 'nope'. Use one of: a-only, b-only, big, c-only, dr-small, untagged"),
    ({"recovery_offering": "nope"}, "recovery_offering", "no service offering has the name or id 'nope'. Use one of"),
    ({"recovery_offering": "c-only"}, "recovery_offering",
     "service offering c-only is not available in recovery zone zone-b. Give a recovery_offering offered there"),
    ({"offering": "c-only"}, "offering", "offered only in zones with no recovery zone (zone-c)"),
    ({"recovery_offering": "untagged"}, "recovery_offering",
     ("service offering untagged has the storage tags none and dr-small has dr: CloudStack could not move a recovery "
     "VM between them. Give a recovery_offering with the storage tags dr")),
    ({"tier": None}, "tier", "is required with state=present"),
    ({"tier": 0}, "tier", "0 is not a tier. Give a whole number of at least 1"),
    ({"rto": None}, "rto", "is required"),
    ({"rto": "1 hour"}, "rto", "'1 hour' is not a duration. Give a number with a unit s, m, h or d"),
    ({"rto": "60"}, "rto", "not a duration"),
    ({"rto": "0h"}, "rto", "not a duration"),
    ({"rto": "h"}, "rto", "not a duration"),
    ({"storage_tags": ["dr", "a,b"]}, "storage_tags[1]", "'a,b' is not a storage tag"),
    ({"storage_tags": [" "]}, "storage_tags[0]", "without commas"),
])
def test_bad_input_fails_before_any_write(client, linked, kwargs, field, words):
    with pytest.raises(InputError) as info:
        offer(client, **kwargs)
    assert info.value.field == field and words in str(info.value) and str(info.value).startswith(field)
    assert linked.writes() == []


@pytest.mark.parametrize("rto", ["15m", "1h", "24h", "1h30m", "90s", "2d"])
def test_rto_forms(client, linked, rto):
    assert offer(client, rto=rto).value["rto"] == rto


def test_no_zone_link_yet_says_run_zone_link(client, fake):
    with pytest.raises(InputError, match="offering: no zone is linked to a recovery zone yet.*cloudstack.dr.zone_link"):
        offer(client)
    assert fake.writes() == []


def test_a_tenant_key_is_refused_before_anything_is_read(client, linked):
    linked.admin = False
    with pytest.raises(InputError) as info:
        offer(client)
    assert info.value.field == "api_key" and "service offering details" in str(info.value)
    assert [c for c, _ in linked.calls] == ["listApis"]


def test_an_rpo_is_kept_visible_beside_the_rto_and_a_malformed_one_is_refused(client, linked):
    offerings = DrOfferings(client)
    outcome = offerings.plan("dr-small", 1, "1h", None, None, "present", "15m")
    offerings.apply(outcome)
    assert outcome.value["rpo"] == "15m" and offering_details(linked)["dr.rpo"] == ("15m", True)
    with pytest.raises(InputError, match="rpo: '15 minutes' is not a duration. Give a number with a unit"):
        offerings.plan("dr-small", 1, "1h", None, None, "present", "15 minutes")
