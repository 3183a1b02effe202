"""A read-only fake `cs.CloudStack` holding a small DR cloud, seen by a root admin or by one tenant.

Like CloudStack, a tenant sees only its own VMs with displayvm=true, only details with
fordisplay=true, and may not list storage pools. Every call is recorded, so tests can assert that
a reader never writes.
"""

from __future__ import annotations

from .conftest import api_error

ZONES = [{"id": "z-a", "name": "zone-a"}, {"id": "z-b", "name": "zone-b"}]
OFFERINGS = [{"id": "o-dr", "name": "dr-small"}, {"id": "o-dr-rec", "name": "dr-small-b"},
             {"id": "o-plain", "name": "small"}]
NETWORKS = [{"id": "n-a", "name": "shared-a", "type": "Shared"}, {"id": "n-b", "name": "shared-b", "type": "Shared"}]
POOLS = [{"id": "p-a", "name": "pool-a1", "zonename": "zone-a"}, {"id": "p-b", "name": "pool-b1", "zonename": "zone-b"}]


def vm(vm_id, name, account, offering="o-dr", zone="z-a", displayvm=True):
    return {"id": vm_id, "name": name, "account": account, "domain": "customers", "domainpath": "ROOT/customers",
            "zoneid": zone, "zonename": {"z-a": "zone-a", "z-b": "zone-b"}[zone], "serviceofferingid": offering,
            "serviceofferingname": {"o-dr": "dr-small", "o-plain": "small"}[offering], "displayvm": displayvm}


VMS = [
    vm("web-acme-1", "web", "acme"),  # prepared
    vm("app-acme-2", "app", "acme"),  # of a DR offering, never prepared
    vm("db-globex-3", "db", "globex"),  # prepare failed
    vm("web-globex-4", "web", "globex"),  # same name as acme's web, failed over
    vm("plain-acme-5", "plain", "acme", offering="o-plain"),  # not DR-protected
    vm("web-acme-rec-6", "web", "acme", zone="z-b", displayvm=False),  # acme web's recovery VM
]


def detail(resourcetype, resourceid, key, value, visible=True):
    return {"resourcetype": resourcetype, "resourceid": resourceid, "key": key, "value": value, "visible": visible}


def vm_details(vm_id, state, visible=(), hidden=()):
    rows = [detail("UserVm", vm_id, "dr.state", state)]
    rows += [detail("UserVm", vm_id, k, v) for k, v in dict(visible).items()]
    return rows + [detail("UserVm", vm_id, k, v, visible=False) for k, v in dict(hidden).items()]


DETAILS = [
    detail("Zone", "z-a", "dr.recovery_zone", "z-b", visible=False),
    detail("Zone", "z-a", "dr.network.n-a", "n-b", visible=False),
    detail("Zone", "z-b", "dr.protects.z-a", "true", visible=False),
    detail("ServiceOffering", "o-dr", "dr.enabled", "true"),
    detail("ServiceOffering", "o-dr", "dr.tier", "2"),
    detail("ServiceOffering", "o-dr", "dr.rto", "4h"),
    detail("ServiceOffering", "o-dr", "dr.storage_tags", "dr", visible=False),
    detail("ServiceOffering", "o-dr", "dr.recovery_offering", "o-dr-rec", visible=False),
    *vm_details("web-acme-1", "Prepared",
                {"dr.recovery_zone": "zone-b", "dr.tier": "1", "dr.rto": "1h", "dr.alert": "",
                 "dr.recovery_public_ips": '{"198.51.100.7": "203.0.113.7"}'},
                {"dr.pair": "pair-1", "dr.role": "original", "dr.recovery_vm": "web-acme-rec-6"}),
    *vm_details("web-acme-rec-6", "Prepared", hidden={"dr.pair": "pair-1", "dr.role": "recovery"}),
    *vm_details("db-globex-3", "PrepareFailed", {"dr.alert": "template missing in zone-b", "dr.tier": "2"}),
    *vm_details("web-globex-4", "FailedOver", {"dr.recovery_zone": "zone-b", "dr.tier": "2"}),
    detail("Storage", "p-a", "dr.replica_url", "nfs://10.2.0.11/export/replica-a1", visible=False),
    detail("Storage", "p-a", "dr.replica_zone", "z-b", visible=False),
    detail("Storage", "p-a", "dr.replica_pool", "p-b", visible=False),
    detail("Storage", "p-a", "dr.failback_url", "nfs://10.1.0.21/export/failback-a1", visible=False),
    detail("Storage", "p-b", "other.key", "x", visible=False),
]


class FakeCloud:
    endpoint = "http://cloud.example/client/api"

    def __init__(self, account=None):
        self.account = account  # None: root admin
        self.calls = []

    def __getattr__(self, command):
        if command.startswith("_"):
            raise AttributeError(command)

        def handler(fetch_list=False, **params):
            self.calls.append((command, params))
            return getattr(self, "_" + command)(**params)
        return handler

    def _listZones(self):
        return list(ZONES)

    def _listServiceOfferings(self):
        return list(OFFERINGS)

    def _listNetworks(self, listall=False, type=None):
        return [n for n in NETWORKS if type in (None, n["type"])]

    def _nothing(self, **params):
        return []

    # The network listings drift needs; this cloud's DR VMs have no public IPs or rules.
    _listVPCs = _listPublicIpAddresses = _listFirewallRules = _listPortForwardingRules = _nothing
    _listEgressFirewallRules = _nothing

    def _listVirtualMachines(self, listall=False, userdata=False):
        if self.account is None:
            return list(VMS)
        return [v for v in VMS if v["account"] == self.account and v["displayvm"]]

    def _listStoragePools(self):
        if self.account is not None:
            raise api_error(432, f"The API [listStoragePools] does not exist or is not available for the account {self.account}.")
        return list(POOLS)

    def _listResourceDetails(self, resourcetype, listall=False):
        visible_vms = {v["id"] for v in self._listVirtualMachines()}
        return [{k: v for k, v in row.items() if k != "visible"} for row in DETAILS
                if row["resourcetype"] == resourcetype
                and (self.account is None or (row["visible"] and (resourcetype != "UserVm" or row["resourceid"] in visible_vms)))]

    def commands(self) -> set:
        return {command for command, _ in self.calls}

