"""A read-only fake `cs.CloudStack` holding a small DR cloud, seen by a root admin or by one tenant.

It answers by CloudStack's rules: VMs with displayvm=true unless displayvm=false is asked (root
admins only), each with its visible details inline; zones and offerings with their details inline
(all for an admin, the visible ones for others); listResourceDetails by resource id or by key and
value, visible details unless fordisplay=false; storage pools for admins only. Every call is
recorded, so tests can assert that a reader never writes.
"""

from __future__ import annotations

from ansible_collections.cloudstack.dr.plugins.module_utils.vocabulary.ids import paired_id

from .conftest import api_error

ZONES = [{"id": "z-a", "name": "zone-a"}, {"id": "z-b", "name": "zone-b"}]
OFFERINGS = [{"id": "o-dr", "name": "dr-small"}, {"id": "o-dr-rec", "name": "dr-small-b"},
             {"id": "o-gold", "name": "dr-gold"}, {"id": "o-plain", "name": "small"}]
OFFERING_NAMES = {o["id"]: o["name"] for o in OFFERINGS}
NETWORKS = [{"id": "n-a", "name": "shared-a", "type": "Shared"}, {"id": "n-b", "name": "shared-b", "type": "Shared"}]
POOLS = [{"id": "p-a", "name": "pool-a1", "zonename": "zone-a"}, {"id": "p-b", "name": "pool-b1", "zonename": "zone-b"}]
RECOVERY_OF_ACME_WEB = paired_id("vm", "web-acme-1")


def vm(vm_id, name, account, offering="o-dr", zone="z-a", displayvm=True):
    return {"id": vm_id, "name": name, "account": account, "domain": "customers", "domainpath": "ROOT/customers",
            "zoneid": zone, "zonename": {"z-a": "zone-a", "z-b": "zone-b"}[zone], "serviceofferingid": offering,
            "serviceofferingname": OFFERING_NAMES[offering], "displayvm": displayvm}


VMS = [
    vm("web-acme-1", "web", "acme", offering="o-gold"),  # prepared
    vm("app-acme-2", "app", "acme"),  # of a DR offering, never prepared
    vm("db-globex-3", "db", "globex"),  # prepare failed
    vm("web-globex-4", "web", "globex"),  # same name as acme's web, failed over
    vm("plain-acme-5", "plain", "acme", offering="o-plain"),  # not DR-protected
    vm(RECOVERY_OF_ACME_WEB, "web", "acme", offering="o-gold", zone="z-b", displayvm=False),  # acme web's recovery VM
]


def detail(resourcetype, resourceid, key, value, visible=True):
    return {"resourcetype": resourcetype, "resourceid": resourceid, "key": key, "value": value, "visible": visible}


def vm_details(vm_id, state, visible=()):
    """The hidden state of an original and the owner's visible copy of it."""
    rows = [detail("UserVm", vm_id, "dr.status", state, visible=False), detail("UserVm", vm_id, "dr.state", state)]
    return rows + [detail("UserVm", vm_id, k, v) for k, v in dict(visible).items()]


DETAILS = [
    detail("Zone", "z-a", "dr.recovery_zone", "z-b", visible=False),
    detail("Zone", "z-a", "dr.network.n-a", "n-b", visible=False),
    detail("Zone", "z-b", "dr.protects.z-a", "true", visible=False),
    detail("ServiceOffering", "o-dr", "dr.enabled", "true"),
    detail("ServiceOffering", "o-dr", "dr.tier", "2"),
    detail("ServiceOffering", "o-dr", "dr.rto", "4h"),
    detail("ServiceOffering", "o-dr", "dr.storage_tags", "dr", visible=False),
    detail("ServiceOffering", "o-dr", "dr.recovery_offering", "o-dr-rec", visible=False),
    detail("ServiceOffering", "o-gold", "dr.enabled", "true"),
    detail("ServiceOffering", "o-gold", "dr.tier", "1"),
    detail("ServiceOffering", "o-gold", "dr.rto", "1h"),
    *vm_details("web-acme-1", "Prepared",
                {"dr.recovery_zone": "zone-b", "dr.tier": "1", "dr.rto": "1h", "dr.alert": "",
                 "dr.recovery_public_ips": '{"198.51.100.7": "203.0.113.7"}'}),
    detail("UserVm", RECOVERY_OF_ACME_WEB, "dr.role", "recovery", visible=False),
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

    def _inline(self, resourcetype, resourceid, admin_sees_all=True):
        """Details a listing answers inline: all for an admin (where CloudStack says so), else the visible."""
        found = {row["key"]: row["value"] for row in DETAILS
                 if (row["resourcetype"], row["resourceid"]) == (resourcetype, resourceid)
                 and (row["visible"] or (admin_sees_all and self.account is None))}
        return found or None

    def _listZones(self):
        return [dict(z, resourcedetails=self._inline("Zone", z["id"])) for z in ZONES]

    def _listServiceOfferings(self, listall=None):
        return [dict(o, serviceofferingdetails=self._inline("ServiceOffering", o["id"])) for o in OFFERINGS]

    def _listNetworks(self, listall=False, type=None, displaynetwork=True):
        return [n for n in NETWORKS if type in (None, n["type"]) and displaynetwork]

    def _nothing(self, **params):
        return []

    # The network listings drift needs; this cloud's DR VMs have no public IPs or rules.
    _listVPCs = _listPublicIpAddresses = _listFirewallRules = _listPortForwardingRules = _nothing
    _listEgressFirewallRules = _nothing

    def _listVirtualMachines(self, listall=False, userdata=False, displayvm=True):
        if self.account is not None:  # displayvm is a root admin's parameter: ignored
            return [dict(v, details=self._inline("UserVm", v["id"], False)) for v in VMS
                    if v["account"] == self.account and v["displayvm"]]
        return [dict(v, details=self._inline("UserVm", v["id"], False)) for v in VMS if v["displayvm"] == displayvm]

    # What the status reads of each zone: its hosts (one Up each), who holds its DR lock (nobody).
    def _listHosts(self, zoneid=None, type=None):
        return [{"id": f"h-{zoneid}", "name": f"host-{zoneid}", "state": "Up", "zoneid": zoneid}]

    def _listDomains(self, listall=None):
        return [{"id": "d-root", "name": "ROOT", "parentdomainid": None}]

    def _listAccounts(self, listall=None, domainid=None):
        return [{"id": "a-admin", "name": "admin", "accounttype": 1}]

    _listAffinityGroups = _nothing

    def _listApis(self, name):
        if self.account is not None:
            raise api_error(431, f"Api Name {name} is not available for the caller")
        return {"count": 1, "api": [{"name": name}]}

    def _listStoragePools(self):
        if self.account is not None:
            raise api_error(432, "The API [listStoragePools] does not exist or is not available for the account "
                                 f"{self.account}.")
        return list(POOLS)

    def _listResourceDetails(self, resourcetype, resourceid=None, key=None, value=None, fordisplay=True):
        if self.account is not None:  # value and fordisplay are a root admin's parameters: ignored
            value, fordisplay = None, True
        if resourceid is None and value is None:
            raise api_error(431, "Insufficient parameters passed for listing by resourceId OR key,value pair. "
                                 "Please check your params and try again.")
        return [{k: v for k, v in row.items() if k != "visible"} for row in DETAILS
                if row["resourcetype"] == resourcetype and resourceid in (None, row["resourceid"])
                and key in (None, row["key"]) and value in (None, row["value"]) and row["visible"] == fordisplay]

    def commands(self) -> set:
        return {command for command, _ in self.calls}
