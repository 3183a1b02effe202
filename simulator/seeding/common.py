"""Builders the seeds share: more hosts through addHost, content markers in volume files, ids by name."""

from ..model.arrays import write_file
from ..model.volumes import file_of, volumes_of


def id_of(sim, kind, **eq):
    """The id of the first object of a kind with these fields (the seeds name what they built)."""
    return sim.store.first(kind, **eq)["id"]


def add_hosts(sim, caller, cluster, count):
    """Add `count` more KVM hosts to a cluster (seed-tenants uses it to make room for big topologies), each with
    its BMC configured and enabled for out-of-band management, as a production cloud has them."""
    subnet = sim.store.get("pod", cluster["podid"])["gateway"].rsplit(".", 1)[0]
    first = len(sim.store.find("host", podid=cluster["podid"])) + 11
    hosts = [sim.run_now(caller, "addHost", {
        "zoneid": cluster["zoneid"], "podid": cluster["podid"], "clusterid": cluster["id"], "hypervisor": "KVM",
        "url": f"http://{subnet}.{n}", "username": "root", "password": "password"})[0]
        for n in range(first, first + count)]
    for n, host in enumerate(hosts, first):
        sim.run_now(caller, "configureOutOfBandManagement", {
            "hostid": host["id"], "driver": "ipmitool", "address": f"{subnet}.{n + 100}", "port": "623",
            "username": "ipmi", "password": "ipmi-password"})
        sim.run_now(caller, "enableOutOfBandManagementForHost", {"hostid": host["id"]})
    return hosts


def write_markers(sim, vm):
    """A distinct content marker in each of the VM's volume files, e.g. "acme-web-1:ROOT"."""
    for vol in volumes_of(sim, vm):
        array, found = file_of(sim, vol)
        label = "ROOT" if vol["type"] == "ROOT" else f"DATA{vol['deviceid']}"
        write_file(sim, array, vol["path"], found["size"], f"{vm['name']}:{label}")
