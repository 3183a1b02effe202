"""What the storage conformance tests share: error helpers, the demo's zones and clusters, pools, offerings and
VMs made through the API."""

import itertools

import cs
import pytest

_names = itertools.count(1)


def unique(prefix):
    return f"{prefix}-{next(_names)}"


def api_error(call, *args, **params):
    """(HTTP status, error body) of a call CloudStack answers with an error."""
    with pytest.raises(cs.CloudStackApiException) as info:
        call(*args, **params)
    return info.value.response.status_code, info.value.error


def job_error(api, call, **params):
    """(errorcode, errortext) of an async call whose job fails (the call itself is accepted, and answers its job
    id only: ApiServer.getBaseAsyncResponse)."""
    submitted = call(**params)
    assert set(submitted) == {"jobid"}, f"a non-create async call answers its job id only: {submitted}"
    with pytest.raises(cs.CloudStackApiException) as info:
        api._jobresult(submitted["jobid"])
    return info.value.error["errorcode"], info.value.error.get("errortext")


def run(call, **params):
    """An async call's result, once its job is done."""
    return call(fetch_result=True, **params)


def zone(api, name):
    return api.listZones(name=name)["zone"][0]


def cluster_of(api, zone_name):
    return api.listClusters(zoneid=zone(api, zone_name)["id"])["cluster"][0]


def pool_named(api, name):
    return api.listStoragePools(name=name)["storagepool"][0]


def create_pool(api, zone_name, name, url, **extra):
    cluster = cluster_of(api, zone_name)
    return api.createStoragePool(zoneid=cluster["zoneid"], podid=cluster["podid"], clusterid=cluster["id"],
                                 scope="cluster", name=name, url=url, **extra)["storagepool"]


def service_offering(admin, provisioningtype="thin", tags="dr", **extra):
    return admin.createServiceOffering(name=unique("so"), displaytext="so", cpunumber=1, cpuspeed=500, memory=256,
                                       provisioningtype=provisioningtype, tags=tags, **extra)["serviceoffering"]


def disk_offering(admin, **params):
    params.setdefault("disksize", 1)
    return admin.createDiskOffering(name=unique("do"), displaytext="do", **params)["diskoffering"]


def deploy(api, offering, start=True, zone_name="zone-a", network="acme-web"):
    """A VM of the caller's network in zone-a (a started one has its volumes' files)."""
    zone_id = zone(api, zone_name)["id"]
    template = api.listTemplates(templatefilter="executable", zoneid=zone_id)["template"][0]
    net = api.listNetworks(name=network)["network"][0]
    return api.deployVirtualMachine(zoneid=zone_id, serviceofferingid=offering["id"], templateid=template["id"],
                                    networkids=net["id"], startvm=start, fetch_result=True)["virtualmachine"]


def root_of(api, vm):
    return api.listVolumes(virtualmachineid=vm["id"], type="ROOT", listall=True)["volume"][0]


def replica_pool(admin, name, source_pool="pool-a1", tags="dr"):
    """The replica of a demo pool of zone-a (its array replicates to replica-<letter><n> in zone-b), introduced as
    a pool of zone-b the way a failover does."""
    suffix = source_pool.split("-")[1]
    return create_pool(admin, "zone-b", name, f"nfs://10.2.0.2{suffix[1]}/export/replica-{suffix}", tags=tags)


def resync(server, source="array-a1"):
    """The read-only replica of `source` gets what the source holds now: a broken mirror (a promoted replica) is
    resynchronised (resume), then a transfer ships everything."""
    server.ctl("mirror-resume", array=source)
    return server.ctl("mirror-sync", array=source)


def promote_replica(server, replica="replica-a1", source="array-a1"):
    """Make the replica importable as a failover does, with what the source holds now: resynchronise, then promote
    with force, which leaves the source writable so a test module goes on writing in zone-a (a split brain, on
    purpose: these tests check CloudStack's import rules, not the storage's; test_replication.py checks that)."""
    resync(server, source)
    return server.ctl("mirror-promote", array=replica, force=True)


# ResourceType ordinals: user_vm, volume, cpu, memory, primary_storage
ROOMY_TYPES = (0, 2, 8, 9, 10)


def without_limits(admin, account):
    """Lift an account's VM and volume limits, and its domain's (updateResourceLimit max=-1), as an operator does
    for a busy tenant."""
    domain = admin.listAccounts(name=account, listall=True)["account"][0]["domainid"]
    for rtype in ROOMY_TYPES:
        admin.updateResourceLimit(domainid=domain, resourcetype=rtype, max=-1)
        admin.updateResourceLimit(account=account, domainid=domain, resourcetype=rtype, max=-1)
