from ansible_collections.cloudstack.dr.plugins.module_utils.vocabulary import details
from ansible_collections.cloudstack.dr.plugins.module_utils.vocabulary.details import Detail
from ansible_collections.cloudstack.dr.plugins.module_utils.vocabulary.keys import NETWORK_MAP, RECOVERY_ZONE


def test_key_families():
    assert NETWORK_MAP.key("n-1") == "dr.network.n-1" and NETWORK_MAP.owns("dr.network.n-1")
    assert NETWORK_MAP.suffix("dr.network.n-1") == "n-1"
    assert RECOVERY_ZONE.owns("dr.recovery_zone") and not RECOVERY_ZONE.owns("dr.recovery_zone_x")


def test_read_keeps_dr_keys_and_tells_hidden_from_visible(client, fake):
    fake.details = {("z-a", "dr.recovery_zone"): ("z-b", True), ("z-a", "dr.network.n-a"): ("n-b", False),
                    ("z-a", "somebody.else"): ("x", True)}
    assert details.read(client, "Zone", "z-a") == {"dr.recovery_zone": Detail("z-b", True),
                                                   "dr.network.n-a": Detail("n-b", False)}


def test_plan_touches_only_owned_keys_that_differ():
    current = {"dr.recovery_zone": Detail("z-b", True), "dr.network.n-a": Detail("n-b", False),
               "dr.network.n-old": Detail("n-x", False), "dr.protects.z-c": Detail("true", False)}
    desired = {"dr.recovery_zone": Detail("z-b", True), "dr.network.n-a": Detail("n-b", True)}

    def owned(key):
        return RECOVERY_ZONE.owns(key) or NETWORK_MAP.owns(key)

    changes = details.plan("Zone", "z-a", "zone zone-a", current, desired, owned)
    assert changes.set == {"dr.network.n-a": Detail("n-b", True)}  # visibility differs: written again
    assert changes.remove == ["dr.network.n-old"]  # dr.protects.z-c is not owned: kept
    assert details.plan("Zone", "z-a", "zone zone-a", desired, desired, owned).__bool__() is False


def test_submit_groups_writes_by_visibility_in_cloudstack_map_encoding(client, fake):
    changes = details.DetailChanges("Zone", "z-a", "zone zone-a",
                                    {"dr.b": Detail("2", False), "dr.a": Detail("1", True), "dr.c": Detail("3", False)},
                                    ["dr.old"])
    client.run(details.submit(client, changes))
    adds = [params for command, params in fake.calls if command == "addResourceDetail"]
    assert [(a["fordisplay"], a["details"]) for a in adds] == [
        (True, [{"key": "dr.a", "value": "1"}]),
        (False, [{"key": "dr.b", "value": "2"}, {"key": "dr.c", "value": "3"}]),
    ]
    assert fake.details == {("z-a", "dr.a"): ("1", True), ("z-a", "dr.b"): ("2", False),
                            ("z-a", "dr.c"): ("3", False)}
