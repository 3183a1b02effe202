"""Bad input and access, for every module: each row is refused with a message that names the option and
says what to do, with no traceback and no secret in anything printed, and the cloud is the same
afterwards (a fingerprint of everything a root admin can list, and no write call answered).

The cloud (a simulator of this module's own): zone-a linked to zone-b (zone-b itself not linked),
dr-small DR-enabled, pool-a1 and pool-a2 mapped, globex-db-1 prepared (the other DR VMs are not), and a
root admin `ops` whose first key pair was replaced (an expired pair). Credentials come from sections of a
cloudstack.ini (CLOUDSTACK_REGION), from CLOUDSTACK_* variables or from module options.
"""

import configparser
import json
from dataclasses import dataclass
from pathlib import Path

import cs
import pytest
from simhost import ansible_env, running

from simulator.testing import free_port

from .conftest import ROOT, adhoc, api_writes, fingerprint, module, playbook

# zone-a -> zone-b only, so zone-b is an unlinked zone.
CONFIG = {
    "dr_zone_links": [{"active_zone": "zone-a", "recovery_zone": "zone-b",
                       "network_map": [{"active": "shared-a", "recovery": "shared-b"}]}],
    "dr_offerings": [{"offering": "dr-small", "tier": 1, "rto": "1h", "storage_tags": ["dr"]}],
    "dr_storage_maps": [
        {"pool": "pool-a1", "replica": {"url": "nfs://10.2.0.21/export/replica-a1", "cluster": "zone-b-cluster1",
                                        "tags": ["dr"]}},
        {"pool": "pool-a2", "replica": {"url": "nfs://10.2.0.22/export/replica-a2", "cluster": "zone-b-cluster1",
                                        "tags": []}},
    ],
}
WRONG_SECRET = "wrong-" + "x" * 80  # long: Ansible's no_log masking of a short value would garble the output


@dataclass
class Cloud:
    server: object
    ini: Path  # the simulator's cloudstack.ini plus the sections the rows use
    secrets: list

    def env(self, creds=None) -> dict:
        """The environment of a row: CLOUDSTACK_REGION for a section name, or these CLOUDSTACK_* variables."""
        env = dict(ansible_env(self.server), CLOUDSTACK_CONFIG=str(self.ini))
        if isinstance(creds, str):
            env["CLOUDSTACK_REGION"] = creds
        elif creds:
            env.update(creds)
        return env


@pytest.fixture(scope="module")
def cloud(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("bad_input")
    with running(tmp / "sim", seed="demo") as server:
        env = ansible_env(server)
        (tmp / "config.json").write_text(json.dumps(CONFIG))
        proc = playbook(ROOT / "playbooks" / "configure.yml", env, "-e", f"dr_config={tmp / 'config.json'}")
        assert proc.returncode == 0, proc.stdout + proc.stderr
        rc, result, _ = module("vm_prepare", env, {"vms": ["globex-db-1"]})
        assert rc == 0 and result["summary"]["prepared"] == 1, result

        ini = configparser.ConfigParser()
        ini.read(server.ini)
        root = ini["cloudstack"]
        api = cs.CloudStack(endpoint=root["endpoint"], key=root["key"], secret=root["secret"])
        ops = api.createAccount(username="ops", accounttype=1, email="ops@example.com", firstname="ops",
                                lastname="admin", password="not-used")["account"]["user"][0]
        # createAccount makes a user without keys (AccountManagerImpl.createUser); keys replaced later expire
        old = api.registerUserKeys(id=ops["id"])["userkeys"]
        new = api.registerUserKeys(id=ops["id"])["userkeys"]
        closed = f"http://127.0.0.1:{free_port()}/client/api"
        ini["wrong-secret"] = {"endpoint": root["endpoint"], "key": root["key"], "secret": WRONG_SECRET}
        ini["expired-key"] = {"endpoint": root["endpoint"], "key": old["apikey"], "secret": old["secretkey"]}
        ini["unreachable"] = {"endpoint": closed, "key": root["key"], "secret": root["secret"]}
        ini["malformed-endpoint"] = {"endpoint": "cloud.example.com", "key": root["key"], "secret": root["secret"]}
        ini["not-the-api"] = {"endpoint": root["endpoint"].replace("/client/api", "/"), "key": root["key"],
                              "secret": root["secret"]}
        path = tmp / "clouds.ini"
        with path.open("w") as fh:
            ini.write(fh)
        secrets = [ini[section]["secret"] for section in ini.sections()] + [new["secretkey"]]
        yield Cloud(server, path, sorted(set(secrets)))


def row(name, kind, options, field, fix, creds=None):
    return pytest.param(name, options, field, fix, creds, id=f"{name}-{kind}")


# What each module would do with good credentials: a change, for all but dr_info, so a credentials row
# also shows that nothing was written.
VALID = {
    "zone_link": {"active_zone": "zone-b", "recovery_zone": "zone-a"},
    "dr_offering": {"offering": "medium", "tier": 2, "rto": "4h"},
    "storage_map": {"pool": "pool-a2", "replica": {"url": "nfs://10.2.0.22/export/replica-a2",
                                                  "cluster": "zone-b-cluster1", "tags": ["dr"]}},
    "vm_prepare": {"vms": ["acme-web-1"]},
    "dr_info": {"drift": False},
    "storage_introduce": {"zone": "zone-a"},
    "vm_failover": {"vms": ["globex-db-1"]},
    "vm_failback": {"vms": ["globex-db-1"], "allow_any_state": True},
    "vm_uuid_swap": {"vm": "globex-db-1", "holder": "recovery"},
    "volume_import": {"vms": ["globex-db-1"]},
    "dr_cleanup": {"zone": "zone-a", "confirm": True},
    "zone_fence": {"zone": "zone-b"},
}
ROOT_KEY = "Use a root admin's key"
CHECK_KEYS = "Check api_key and api_secret"
CHECK_URL = "Check api_url"


# The three ways modules first call CloudStack: a configuration module's admin check, the engine's, and
# dr_info's reading. An expired key pair and an unreachable endpoint fail in the client (api.py) on that
# first call whatever the module, so they are tried once per way (an unreachable endpoint costs the
# client's retries, 7 s); a tenant's key and a wrong secret are tried on every module.
FIRST_CALLS = ("zone_link", "vm_failover", "dr_info")


def access_rows():
    """Every module that calls CloudStack, with a tenant's key (not for dr_info: it shows a tenant its own
    VMs) and a wrong secret; an expired (replaced) key pair and an endpoint nobody listens on."""
    for name, options in VALID.items():
        if name != "dr_info":
            yield row(name, "tenant-key", options, "api_key", ROOT_KEY, "acme")
        yield row(name, "wrong-secret", options, "api_key", CHECK_KEYS, "wrong-secret")
        if name in FIRST_CALLS:
            yield row(name, "expired-key", options, "api_key", "current key pair of an enabled user", "expired-key")
            yield row(name, "unreachable-endpoint", options, "api_url", "reachable from the controller",
                      "unreachable")


ROWS = [
    # zone_link
    row("zone_link", "linked-to-itself", {"active_zone": "zone-a", "recovery_zone": "zone-a"},
        "recovery_zone", "cannot protect itself. Name a different zone as recovery_zone"),
    row("zone_link", "unknown-zone", {"active_zone": "zone-z", "recovery_zone": "zone-b"},
        "active_zone", "no zone has the name or id 'zone-z'. Use one of: zone-a, zone-b"),
    row("zone_link", "unknown-network", {**VALID["zone_link"], "network_map": [{"active": "shared-b",
                                                                                "recovery": "no-net"}]},
        "network_map[0].recovery", "Use one of: shared-a"),
    row("zone_link", "network-map-not-a-list-of-dicts", {**VALID["zone_link"], "network_map": "shared-b"},
        "'network_map'", "unable to convert to dict"),
    row("zone_link", "no-recovery-zone", {"active_zone": "zone-b"}, "recovery_zone",
        "state is present but all of the following are missing: recovery_zone"),
    row("zone_link", "timeout-not-a-number", {**VALID["zone_link"], "api_timeout": "soon"}, "'api_timeout'",
        "unable to convert to int"),
    # dr_offering
    row("dr_offering", "unknown-offering", {**VALID["dr_offering"], "offering": "huge"}, "offering",
        "Use one of: dr-medium, dr-small, medium, small"),
    row("dr_offering", "unknown-recovery-offering", {**VALID["dr_offering"], "recovery_offering": "huge"},
        "recovery_offering", "Use one of: dr-medium, dr-small, medium, small"),
    row("dr_offering", "tier-not-a-number", {**VALID["dr_offering"], "tier": "first"}, "'tier'",
        "unable to convert to int"),
    row("dr_offering", "tier-zero", {**VALID["dr_offering"], "tier": 0}, "tier", "Give a whole number of at least 1"),
    row("dr_offering", "malformed-rto", {**VALID["dr_offering"], "rto": "soon"}, "rto",
        "Give a number with a unit s, m, h or d"),
    row("dr_offering", "tag-with-comma", {**VALID["dr_offering"], "storage_tags": ["dr,fast"]}, "storage_tags[0]",
        "Give each tag as its own non-empty item, without commas"),
    # storage_map
    row("storage_map", "unlinked-zone", {"pool": "pool-b1", "replica": {"url": "nfs://10.1.0.21/export/replica-b1"}},
        "pool", "zone zone-b, which is not linked to a recovery zone. Run cloudstack.dr.zone_link"),
    row("storage_map", "unknown-pool", {**VALID["storage_map"], "pool": "pool-z9"}, "pool",
        "Use one of: pool-a1, pool-a2, pool-b1, pool-b2"),
    row("storage_map", "cluster-outside-recovery-zone",
        {"pool": "pool-a2", "replica": {"url": "nfs://10.2.0.22/export/replica-a2", "cluster": "zone-a-cluster1"}},
        "replica.cluster",
        "no cluster of zone zone-b has the name or id 'zone-a-cluster1'. Use one of: zone-b-cluster1"),
    row("storage_map", "malformed-url", {"pool": "pool-a2", "replica": {"url": "replica-a2"}}, "replica.url",
        "Give scheme://host/path"),
    row("storage_map", "replica-not-a-dict", {"pool": "pool-a2", "replica": "nfs://10.2.0.22/export/replica-a2"},
        "'replica'", "unable to convert to dict"),
    # vm_prepare
    row("vm_prepare", "unknown-vm", {"vms": ["no-such-vm"]}, "vms[0]", "Check the name"),
    row("vm_prepare", "vm-not-dr-enabled", {"vms": ["acme-plain-1"]}, "vms[0]",
        "Mark the offering with cloudstack.dr.dr_offering"),
    row("vm_prepare", "unknown-zone", {"zone": "zone-z"}, "zone", "Use one of: zone-a, zone-b"),
    row("vm_prepare", "batch-size-zero", {"zone": "zone-a", "batch_size": 0}, "batch_size", "at least 1"),
    row("vm_prepare", "vms-not-a-list", {"vms": {"acme-web-1": True}}, "'vms'", "unable to convert to list"),
    row("vm_prepare", "wrong-secret-in-environment", VALID["vm_prepare"], "api_key", CHECK_KEYS,
        {"CLOUDSTACK_SECRET": WRONG_SECRET}),
    row("vm_prepare", "domain-admin-key", VALID["vm_prepare"], "api_key", ROOT_KEY, "customers-admin"),
    # dr_info
    row("dr_info", "unknown-zone", {"zone": "zone-z"}, "zone", "Use one of: zone-a, zone-b"),
    row("dr_info", "unknown-vm", {"vm": "no-such-vm"}, "vm", "Check the name"),
    row("dr_info", "drift-not-a-bool", {"drift": "maybe"}, "'drift'", "Valid booleans include"),
    row("dr_info", "wrong-secret-as-option", {**VALID["dr_info"], "api_secret": WRONG_SECRET}, "api_key", CHECK_KEYS),
    row("dr_info", "endpoint-not-the-api", VALID["dr_info"], "api_url", "/client/api", "not-the-api"),
    row("dr_info", "malformed-endpoint", VALID["dr_info"], "api_url", CHECK_URL, "malformed-endpoint"),
    row("dr_info", "no-credentials", VALID["dr_info"], "api_key", "Set them as module options", "no-such-section"),
    # storage_introduce
    row("storage_introduce", "unknown-zone", {"zone": "zone-z"}, "zone", "Use one of: zone-a, zone-b"),
    row("storage_introduce", "unmapped-zone", {"zone": "zone-b"}, "zone",
        "Map the zone's pools with cloudstack.dr.storage_map first"),
    row("storage_introduce", "no-failback-map", {"zone": "zone-a", "direction": "failback"}, "zone",
        "has a failback storage map. Map the zone's pools"),
    row("storage_introduce", "unknown-direction", {"zone": "zone-a", "direction": "sideways"}, "direction",
        "must be one of: failover, failback"),
    # vm_failover
    row("vm_failover", "unprepared-vm", {"vms": ["acme-web-1"]}, "vms[0]", "run cloudstack.dr.vm_prepare first"),
    row("vm_failover", "unprepared-vms-of-an-account", {"zone": "zone-a", "account": "acme"}, "vms",
        "run cloudstack.dr.vm_prepare first"),
    row("vm_failover", "unknown-vm", {"vms": ["no-such-vm"]}, "vms[0]", "Check the name"),
    row("vm_failover", "unknown-zone", {"zone": "zone-z"}, "zone", "Use one of the protected zones: zone-a"),
    row("vm_failover", "unknown-account", {"zone": "zone-a", "account": "acmee"}, "account",
        "Check the account's name"),
    row("vm_failover", "tier-zero", {**VALID["vm_failover"], "tiers": [1, 0]}, "tiers[1]", "Give tiers of 1 or more"),
    row("vm_failover", "tier-not-a-number", {**VALID["vm_failover"], "tiers": ["first"]}, "'tiers'",
        "unable to convert to int"),
    row("vm_failover", "unwritable-progress-log", {**VALID["vm_failover"], "progress_log": "/no-such-dir/progress.log"},
        "progress_log", "Choose a file in an existing, writable directory"),
    # vm_failback
    row("vm_failback", "unprepared-vm", {"vms": ["acme-web-1"]}, "vms[0]", "run cloudstack.dr.vm_prepare first"),
    row("vm_failback", "unknown-zone", {"zone": "zone-z"}, "zone", "Use one of the protected zones: zone-a"),
    row("vm_failback", "unwritable-progress-log", {**VALID["vm_failback"], "progress_log": "/no-such-dir/p.log"},
        "progress_log", "Choose a file in an existing, writable directory"),
    # vm_uuid_swap
    row("vm_uuid_swap", "unprepared-vm", {"vm": "acme-web-1"}, "vm", "Prepare it with cloudstack.dr.vm_prepare"),
    row("vm_uuid_swap", "unknown-vm", {"vm": "no-such-vm"}, "vm", "Check the name"),
    row("vm_uuid_swap", "unknown-holder", {"vm": "globex-db-1", "holder": "owner"}, "holder",
        "must be one of: original, recovery"),
    # volume_import
    row("volume_import", "unprepared-vm", {"vms": ["acme-web-1"]}, "vms[0]", "run cloudstack.dr.vm_prepare first"),
    row("volume_import", "unknown-zone", {"zone": "zone-z"}, "zone", "Use one of the protected zones: zone-a"),
    # dr_cleanup
    row("dr_cleanup", "unknown-zone", {"zone": "zone-z", "confirm": True}, "zone", "Use one of: zone-a, zone-b"),
    row("dr_cleanup", "unmapped-zone", {"zone": "zone-b", "confirm": True}, "zone",
        "whose pools cloudstack.dr.storage_map mapped"),
    row("dr_cleanup", "confirm-not-a-bool", {"zone": "zone-a", "confirm": "zone-a"}, "'confirm'",
        "Valid booleans include"),
    # zone_fence
    row("zone_fence", "unknown-zone", {"zone": "zone-z"}, "zone", "Use one of: zone-a, zone-b"),
    row("zone_fence", "unknown-state", {"zone": "zone-a", "state": "off"}, "state",
        "must be one of: present, absent"),
    row("zone_fence", "timeout-not-a-number", {"zone": "zone-a", "state": "absent", "unfence_timeout": "soon"},
        "unfence_timeout", "float"),
    # dr_report (no API call: no access rows)
    row("dr_report", "results-not-dicts", {"results": "acme-web-1"}, "'results'", "unable to convert to dict"),
    row("dr_report", "step-seconds-not-numbers", {"results": [{"name": "a", "step_seconds": {"stop": "slow"}}]},
        "results[0].step_seconds", "Pass the `vms` lists that vm_failover or vm_failback returned"),
    row("dr_report", "notes-not-a-list", {"results": [{"name": "a", "notes": 5}]}, "results[0].notes",
        "Pass the `vms` lists"),
    row("dr_report", "unwritable-html-path", {"results": [], "html_path": "/proc/no-such-dir/report.html"},
        "html_path", "Choose a path in a writable directory"),
    *access_rows(),
]


def test_every_module_has_rows():
    modules = {path.stem for path in (ROOT / "plugins" / "modules").glob("*.py") if path.stem != "__init__"}
    assert {param.values[0] for param in ROWS} == modules


@pytest.mark.parametrize(("name", "options", "field", "fix", "creds"), ROWS)
def test_bad_input_is_refused_before_any_change(cloud, name, options, field, fix, creds):
    server = cloud.server
    before, calls = fingerprint(server), server.ctl("status")["api_calls"]
    proc, result, _ = adhoc(name, cloud.env(creds), options)
    output = proc.stdout + proc.stderr
    msg = result.get("msg", "")
    # Ansible shows a result with failed=true as "FAILED!" (and leaves the key out of what it prints).
    assert proc.returncode != 0 and "localhost | FAILED! => {" in proc.stdout, output
    assert "Traceback" not in output and "exception" not in result and "MODULE FAILURE" not in output, output
    assert field in msg and fix in msg, msg
    assert result.get("failure", {}).get("field", field) == field, result["failure"]
    for secret in cloud.secrets:
        assert secret not in output, f"a secret was printed by {name}"
    assert "********" not in output, "Ansible had to mask a secret in the output"
    assert api_writes(calls, server.ctl("status")["api_calls"]) == {}
    assert fingerprint(server) == before
