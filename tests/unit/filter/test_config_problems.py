"""The filter cloudstack.dr.config_problems: a DR configuration file's top-level keys, checked."""

from ansible_collections.cloudstack.dr.plugins.filter.config_problems import FilterModule, config_problems

LINKS = [{"active_zone": "zone-a", "recovery_zone": "zone-b"}]


def test_a_right_file_has_no_problem():
    assert config_problems({"dr_zone_links": LINKS, "dr_offerings": [], "dr_storage_maps": []}) == []
    assert config_problems({"dr_zone_links": LINKS}) == []


def test_a_misspelled_key_gets_the_closest_name_and_a_stranger_the_list():
    assert config_problems({"dr_zone_links": LINKS, "dr_offering": []}) == [
        "unknown key dr_offering: did you mean dr_offerings?"]
    assert config_problems({"dr_zone_links": LINKS, "zones": []}) == [
        "unknown key zones: the keys are dr_zone_links, dr_offerings, dr_storage_maps"]


def test_missing_required_keys_and_values_that_are_not_lists_are_named():
    assert config_problems({"dr_offerings": {"offering": "dr-small"}}) == [
        "dr_offerings must be a list of items (- ...), not dict",
        "missing key dr_zone_links: the file must have it (see playbooks/vars/demo.yml)"]
    assert config_problems(["dr_zone_links"]) == [
        "the file must be a mapping of dr_zone_links, dr_offerings, dr_storage_maps, not list"]


def test_the_filter_is_exported_under_its_name():
    assert FilterModule().filters() == {"config_problems": config_problems}
