"""The engine's pure pieces: drift descriptions, rule identities, RTO parsing."""

import pytest
from ansible_collections.cloudstack.dr.plugins.module_utils.model.mirror import describe as _describe
from ansible_collections.cloudstack.dr.plugins.module_utils.model.mirror import rule_key_firewall, rule_key_forward
from ansible_collections.cloudstack.dr.plugins.module_utils.vocabulary.tiers import rto_seconds

SUMMARY = {"zone": "z", "serviceofferingid": "o", "templateid": "t", "userdata": "",
           "nics": [{"network": "n1", "ip": "10.1.1.5"}],
           "public_ips": {"198.51.100.4": {"staticnat": True, "firewall": [("tcp", "80", "80", "0.0.0.0/0")],
                                           "portforward": []}}}


def test_a_missing_recovery_vm_is_a_deploy():
    assert _describe({}, SUMMARY) == ["deploy the recovery VM (stopped, hidden, no volumes)"]


def test_identical_summaries_describe_nothing():
    assert _describe(SUMMARY, SUMMARY) == []


def test_each_difference_is_named():
    after = {**SUMMARY, "serviceofferingid": "o2", "userdata": "Y2xvdWQ=",
             "nics": SUMMARY["nics"] + [{"network": "n2", "ip": None}],
             "public_ips": {"198.51.100.4": {"staticnat": False, "firewall": [], "portforward": [
                 ("tcp", "2222", "2222", "22", "22")]}, "198.51.100.9": {"staticnat": True, "firewall": [],
                                                                       "portforward": []}}}
    assert _describe(SUMMARY, after) == [
        "serviceofferingid: o -> o2",
        "user data changed",
        "NIC in network n2 (any IP) to add",
        "public IP 198.51.100.4: static NAT off",
        "public IP 198.51.100.4: firewall rule tcp/80/80/0.0.0.0/0 to remove",
        "public IP 198.51.100.4: portforward rule tcp/2222/2222/22/22 to add",
        "public IP 198.51.100.9: reserve a recovery IP with its rules",
    ]


def test_rule_identities_ignore_ids_order_and_defaults():
    assert rule_key_firewall({"protocol": "tcp", "startport": 80, "endport": 80, "cidrlist": "b/8,a/8"}) == \
        rule_key_firewall({"id": "x", "protocol": "tcp", "startport": "80", "endport": "80", "cidrlist": "a/8,b/8"})
    assert rule_key_firewall({"protocol": "icmp"})[3] == "0.0.0.0/0"
    assert rule_key_forward({"protocol": "tcp", "publicport": "22", "privateport": "22"}) == \
        ("tcp", "22", "22", "22", "22")


@pytest.mark.parametrize(("text", "seconds"), [
    ("90s", 90), ("15m", 900), ("1h", 3600), (" 2d ", 172800), ("1h30m", 5400), ("45", 45), (120, 120),
    (None, None), ("", None), ("1x", None), ("1w", None), ("soon", None),
])
def test_rto_seconds(text, seconds):
    assert rto_seconds(text) == seconds
