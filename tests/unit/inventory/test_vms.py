"""The cloudstack.dr.vms inventory plugin on a fake cloud: hosts, variables, groups, constructed, cache."""

import json

import pytest
from ansible.errors import AnsibleParserError
from ansible.inventory.data import InventoryData
from ansible.parsing.dataloader import DataLoader
from ansible.template import trust_as_template
from ansible_collections.cloudstack.dr.plugins.inventory import vms
from ansible_collections.cloudstack.dr.plugins.module_utils.client.api import Client

from ..conftest import FakeClock
from ..dr_cloud import FakeCloud

DEFAULTS = {
    "plugin": "cloudstack.dr.vms", "api_url": "http://cloud.example/client/api", "api_key": "k", "api_secret": "s",
    "api_timeout": None, "api_http_method": None, "api_verify_ssl_cert": None, "api_region": None,
    "zones": [], "accounts": [], "only_prepared": False, "group": "cloudstack_dr", "connection": "local",
    "compose": {}, "groups": {}, "keyed_groups": [], "strict": False, "cache": False,
}


class Run:
    """The plugin with its options from a dict (as Ansible's config system gives them) and a fake cloud."""

    def __init__(self, monkeypatch, cloud=None):
        self.cloud = cloud or FakeCloud()
        self.cache = {}
        self.connects = []
        monkeypatch.setattr(vms, "Client", self._client)

    def _client(self, cs):
        return Client(cs, clock=FakeClock())

    def parse(self, flush=False, **options):
        """One inventory run; `flush` is --flush-cache."""
        plugin = vms.InventoryModule()
        settings = {**DEFAULTS, **options}
        plugin.get_option = settings.__getitem__
        plugin._read_config_data = lambda path: None
        plugin.get_cache_key = lambda path: f"key-{path}"
        plugin._cache = self.cache
        self.inventory = InventoryData()
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(vms, "CloudStack", self._connect, raising=False)
            plugin.parse(self.inventory, DataLoader(), "demo.cloudstack.dr.vms.yml", cache=not flush)
        return self

    def _connect(self, **config):
        self.connects.append(config)
        return self.cloud

    def hostvars(self, host):
        host = self.inventory.get_host(host).vars
        return {k: v for k, v in host.items() if k not in ("inventory_file", "inventory_dir")}

    def members(self, group):
        return sorted(h.name for h in self.inventory.groups[group].get_hosts())


@pytest.fixture
def run(monkeypatch):
    return Run(monkeypatch)


def test_hosts_are_the_original_dr_vms_with_shared_names_made_unique(run):
    run.parse()
    # acme-plain is not DR-protected; acme web's recovery VM is never a host.
    assert sorted(run.inventory.hosts) == ["app", "db", "web_web-acme", "web_web-glob"]
    assert [c["endpoint"] for c in run.connects] == ["http://cloud.example/client/api"]


def test_host_names_fall_back_to_the_whole_id_when_short_ids_collide():
    hosts = [{"name": "web", "dr_vm_id": "1111aaaa-x"}, {"name": "web", "dr_vm_id": "2222bbbb-y"},
             {"name": "db", "dr_vm_id": "3333cccc-z"}, {"name": "db", "dr_vm_id": "3333cccc-w"}]
    assert vms.host_names(hosts) == ["web_1111aaaa", "web_2222bbbb", "db_3333cccc-z", "db_3333cccc-w"]


def test_group_names_are_sanitised_and_skip_unknown_values():
    hostvars = {"dr_zone": "zone-a", "dr_account": "acme", "dr_domain": "ROOT/customers", "dr_tier": None,
                "dr_state": "PrepareFailed"}
    assert vms.group_names(hostvars) == ["zone_zone_a", "account_acme", "domain_ROOT_customers",
                                         "dr_state_PrepareFailed"]


def test_variables_groups_and_connection(run):
    run.parse()
    web = run.hostvars("web_web-acme")
    assert web == {
        "dr_vm_id": "web-acme-1", "dr_zone": "zone-a", "dr_zone_id": "z-a", "dr_account": "acme",
        "dr_domain": "ROOT/customers", "dr_tier": 1, "dr_rto": "1h", "dr_state": "Prepared",
        "dr_recovery_zone": "zone-b", "dr_recovery_public_ips": {"198.51.100.7": "203.0.113.7"}, "dr_alert": "",
        "dr_offering": "dr-gold", "ansible_connection": "local"}
    assert run.members("account_acme") == ["app", "web_web-acme"]
    assert run.members("tier_2") == ["app", "db", "web_web-glob"]
    assert run.members("dr_state_Unprepared") == ["app"]
    assert run.members("domain_ROOT_customers") == run.members("zone_zone_a") == sorted(run.inventory.hosts)
    assert {g.name for g in run.inventory.groups["cloudstack_dr"].child_groups} >= {
        "zone_zone_a", "account_acme", "account_globex", "tier_1", "tier_2", "dr_state_FailedOver"}
    json.dumps(web)  # host variables must serialise for ansible-inventory --list


def test_filters_and_only_prepared(run):
    run.parse(zones=["zone-a"], accounts=["globex"])
    assert sorted(run.inventory.hosts) == ["db", "web"]
    run.parse(only_prepared=True)
    assert "app" not in run.inventory.hosts and "db" in run.inventory.hosts


def test_an_unknown_zone_is_a_parser_error(run):
    with pytest.raises(AnsibleParserError, match="cloudstack.dr.vms: zones: no zone has the name or id 'zone-x'"):
        run.parse(zones=["zone-x"])


def test_missing_credentials_are_a_parser_error(run, monkeypatch):
    monkeypatch.setattr("ansible_collections.cloudstack.dr.plugins.module_utils.client.api.read_config",
                        lambda region: {})
    with pytest.raises(AnsibleParserError, match="Missing CloudStack credentials: api_url, api_key, api_secret"):
        run.parse(api_url=None, api_key=None, api_secret=None)


def test_constructed_compose_groups_keyed_groups_and_connection_override(run):
    # Expressions from an inventory file are trusted templates; these are written the way Ansible loads them.
    run.parse(strict=True, connection="",
              compose={"ansible_host": trust_as_template("dr_recovery_public_ips.values() | first | default('')")},
              groups={"failing": trust_as_template("dr_alert != ''")},
              keyed_groups=[{"key": trust_as_template("dr_rto"), "prefix": "rto"}])
    web = run.hostvars("web_web-acme")
    assert web["ansible_host"] == "203.0.113.7" and "ansible_connection" not in web
    assert run.members("failing") == ["db"]
    assert run.members("rto_1h") == ["web_web-acme"] and run.members("rto_4h") == ["app", "db", "web_web-glob"]


def test_cache_is_used_until_flushed(run):
    run.parse(cache=True)
    calls = len(run.cloud.calls)
    run.parse(cache=True)
    assert len(run.cloud.calls) == calls and len(run.inventory.hosts) == 4  # served from the cache
    run.parse(flush=True, cache=True)
    assert len(run.cloud.calls) > calls and len(run.inventory.hosts) == 4


def test_without_the_cache_option_nothing_is_cached(run):
    run.parse()
    assert run.cache == {}


def test_verify_file_accepts_only_its_names(tmp_path):
    plugin = vms.InventoryModule()
    for name, ok in (("demo.cloudstack.dr.vms.yml", True), ("x.cloudstack.dr.vms.yaml", True),
                     ("hosts.yml", False), ("demo.vms.yml", False)):
        (tmp_path / name).write_text("plugin: cloudstack.dr.vms\n")
        assert plugin.verify_file(str(tmp_path / name)) is ok, name
