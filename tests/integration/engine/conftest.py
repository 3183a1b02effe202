"""Engine tests: the DR engine (module_utils, no Ansible) against a simulator of its own."""

import cs
import pytest
from ansible_collections.cloudstack.dr.plugins.module_utils.api import Client

from simulator.testing import Server


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
                   details={"dr.recovery_zone": zones["zone-b"]["id"],
                            f"dr.network.{nets['shared-a']['id']}": nets["shared-b"]["id"]}),
        api.submit("addResourceDetail", resourcetype="ServiceOffering", resourceid=offering["id"],
                   details={"dr.enabled": "true", "dr.tier": "1", "dr.rto": "1h"}),
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
