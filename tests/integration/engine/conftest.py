"""Engine tests: the DR engine (module_utils, no Ansible) against a simulator of its own."""

from contextlib import contextmanager

import cs
import pytest
from ansible_collections.cloudstack.dr.plugins.module_utils.client.api import Client
from ansible_collections.cloudstack.dr.plugins.module_utils.engine.prepare import prepare_vms

from simulator.testing import Server

from ...drapi import kv


def client_for(server, section="cloudstack"):
    conf = server.section(section)
    return Client(cs.CloudStack(endpoint=conf["endpoint"], key=conf["key"], secret=conf["secret"], method="post"),
                  poll_interval=0.02, retry_backoff=0.01)


def configure_demo(api):
    """Link zone-a -> zone-b (shared-a -> shared-b) and make dr-small a tier-1, 1h DR offering."""
    zones = {z["name"]: z for z in api.list("listZones")}
    nets = {n["name"]: n for n in api.list("listNetworks", listall=True, type="Shared")}
    offering = next(o for o in api.list("listServiceOfferings") if o["name"] == "dr-small")
    jobs = [
        api.submit("addResourceDetail", resourcetype="Zone", resourceid=zones["zone-a"]["id"], fordisplay=False,
                   details=kv({"dr.recovery_zone": zones["zone-b"]["id"],
                               f"dr.network.{nets['shared-a']['id']}": nets["shared-b"]["id"]})),
        api.submit("addResourceDetail", resourcetype="ServiceOffering", resourceid=offering["id"],
                   details=kv({"dr.enabled": "true", "dr.tier": "1", "dr.rto": "1h"})),
    ]
    api.run(jobs)
    return zones


@pytest.fixture(scope="module")
def sim(tmp_path_factory):
    server = Server(tmp_path_factory.mktemp("engine")).start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def api(sim):
    return client_for(sim)


# The engine tests of validation and drift fail zone-a over while it is up: the operator confirms the loss.
LIVE = ["zone-a"]


STORAGE_MAP = {  # pool -> (replica URL in zone-b, failback URL in zone-a)
    "pool-a1": ("nfs://10.2.0.21/export/replica-a1", "nfs://10.1.0.31/export/failback-a1"),
    "pool-a2": ("nfs://10.2.0.22/export/replica-a2", "nfs://10.1.0.32/export/failback-a2"),
}


def map_storage(api, zones):
    """Storage maps of zone-a's pools, as cloudstack.dr.storage_map writes them."""
    clusters = {c["zoneid"]: c for c in api.list("listClusters")}
    jobs = []
    for pool in api.list("listStoragePools", zoneid=zones["zone-a"]["id"]):
        replica, failback = STORAGE_MAP[pool["name"]]
        suffix = pool["name"].split("-", 1)[1]  # a1: the arrays array-a1 -> replica-a1, failback-a1
        details = {"dr.replication_adapter": "simulator", "dr.replication_options": "{}",
                   "dr.replication_device": f"array-{suffix}"}
        for side, zone, url in (("replica", "zone-b", replica), ("failback", "zone-a", failback)):
            cluster = clusters[zones[zone]["id"]]
            details.update({f"dr.{side}_zone": zones[zone]["id"], f"dr.{side}_url": url,
                            f"dr.{side}_scope": "cluster", f"dr.{side}_pod": cluster["podid"],
                            f"dr.{side}_cluster": cluster["id"], f"dr.{side}_device": f"{side}-{suffix}"})
            if pool.get("tags"):
                details[f"dr.{side}_tags"] = pool["tags"]
        jobs.append(api.submit("addResourceDetail", resourcetype="Storage", resourceid=pool["id"], details=kv(details),
                               fordisplay=False))
    api.run(jobs)


@contextmanager
def protected_cloud(tmp):
    """A started demo simulator, configured (link, DR offering, storage maps) with its DR VMs prepared;
    yields (server, api, zones) and stops the simulator after, set-up failures included."""
    server = Server(tmp).start()
    try:
        api = client_for(server)
        zones = configure_demo(api)
        map_storage(api, zones)
        results = prepare_vms(api, zone="zone-a")
        assert results["summary"]["failed"] == 0, results
        yield server, api, zones
    finally:
        server.stop()


@pytest.fixture(scope="module")
def cloud(tmp_path_factory):
    """A protected cloud shared by the tests of one module, which build on each other in order."""
    with protected_cloud(tmp_path_factory.mktemp("cloud")) as protected:
        yield protected


@pytest.fixture
def fresh_cloud(tmp_path):
    """A protected cloud of the test's own."""
    with protected_cloud(tmp_path) as protected:
        yield protected
