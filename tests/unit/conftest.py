"""A fake `cs.CloudStack` that keeps zones, shared networks, details and async jobs in memory.

It answers like CloudStack does (list payloads, job ids, error dicts) so the engine is tested
through the same interface it uses against a real cloud, without a network or sleeping.
"""

import itertools

import pytest
from cs import CloudStackApiException


class FakeClock:
    """A clock whose sleep only advances time."""

    def __init__(self):
        self.now = 0.0
        self.sleeps = []

    def monotonic(self):
        return self.now

    def sleep(self, seconds):
        self.sleeps.append(seconds)
        self.now += seconds


def api_error(errorcode, errortext, cserrorcode=9999):
    return CloudStackApiException(f"HTTP {errorcode} response from CloudStack",
                                  error={"errorcode": errorcode, "cserrorcode": cserrorcode, "errortext": errortext})


class FakeCloudStack:
    endpoint = "http://cloud.example/client/api"

    def __init__(self, admin=True, job_polls=1):
        self.admin = admin
        self.job_polls = job_polls  # queryAsyncJobResult calls before a job is done
        self.zones = [{"id": "z-a", "name": "zone-a"}, {"id": "z-b", "name": "zone-b"},
                      {"id": "z-c", "name": "zone-c"}]
        self.networks = [
            {"id": "n-a", "name": "shared-a", "zoneid": "z-a", "type": "Shared"},
            {"id": "n-a2", "name": "shared-a2", "zoneid": "z-a", "type": "Shared"},
            {"id": "n-b", "name": "shared-b", "zoneid": "z-b", "type": "Shared"},
            {"id": "n-c", "name": "shared-c", "zoneid": "z-c", "type": "Shared"},
        ]
        self.offerings = [
            {"id": "o-small", "name": "dr-small", "storagetags": "dr"},
            {"id": "o-big", "name": "big", "storagetags": "dr"},
            {"id": "o-untagged", "name": "untagged"},
            {"id": "o-b-only", "name": "b-only", "zoneid": "z-b", "zone": "zone-b"},
            {"id": "o-a-only", "name": "a-only", "zoneid": "z-a", "zone": "zone-a"},
            {"id": "o-c-only", "name": "c-only", "zoneid": "z-c", "zone": "zone-c"},
        ]
        self.pods = [{"id": "p-a", "name": "pod-a", "zoneid": "z-a"}, {"id": "p-b", "name": "pod-b", "zoneid": "z-b"},
                     {"id": "p-c1", "name": "pod-c1", "zoneid": "z-c"},
                     {"id": "p-c2", "name": "pod-c2", "zoneid": "z-c"}]
        self.clusters = [{"id": "c-a", "name": "cluster-a", "podid": "p-a", "zoneid": "z-a"},
                         {"id": "c-b", "name": "cluster-b", "podid": "p-b", "zoneid": "z-b"},
                         {"id": "c-c1", "name": "cluster-c1", "podid": "p-c1", "zoneid": "z-c"},
                         {"id": "c-c2", "name": "cluster-c2", "podid": "p-c2", "zoneid": "z-c"}]
        self.pools = [
            {"id": "s-a1", "name": "pool-a1", "zoneid": "z-a", "ipaddress": "10.1.0.11", "path": "/export/pool-a1",
             "tags": "dr", "scope": "CLUSTER", "podid": "p-a", "clusterid": "c-a"},
            {"id": "s-b1", "name": "pool-b1", "zoneid": "z-b", "ipaddress": "10.2.0.11", "path": "/export/pool-b1",
             "scope": "CLUSTER", "podid": "p-b", "clusterid": "c-b"},
            {"id": "s-c1", "name": "pool-c1", "zoneid": "z-c", "ipaddress": "10.3.0.11", "path": "/export/pool-c1",
             "scope": "ZONE"},
        ]
        self.details = {}  # (resourceid, key) -> (value, fordisplay)
        self.jobs = {}
        self.calls = []
        self._ids = itertools.count(1)

    def __getattr__(self, command):
        def handler(fetch_list=False, **params):
            self.calls.append((command, params))
            return getattr(self, "_" + command)(**params)
        return handler

    def writes(self):
        return [c for c, _ in self.calls if c in ("addResourceDetail", "removeResourceDetail")]

    def _inline(self, resourceid):
        """The details a listing answers inline: every one to an admin, the displayed ones to others."""
        return {k: v for (rid, k), (v, shown) in sorted(self.details.items())
                if rid == resourceid and (self.admin or shown)} or None

    def _listZones(self):
        return [dict(zone, resourcedetails=self._inline(zone["id"])) for zone in self.zones]

    def _listNetworks(self, zoneid, type, listall):
        return [n for n in self.networks if n["zoneid"] == zoneid and n["type"] == type]

    def _listApis(self, name):
        if not self.admin:
            raise api_error(431, f"Api Name {name} is not available for the caller")
        return {"count": 1, "api": [{"name": name}]}

    def _listServiceOfferings(self, listall=None):
        return [dict(o, serviceofferingdetails=self._inline(o["id"])) for o in self.offerings]

    def _listStoragePools(self, zoneid=None):
        return [p for p in self.pools if zoneid in (None, p["zoneid"])]

    def _listPods(self, zoneid):
        return [p for p in self.pods if p["zoneid"] == zoneid]

    def _listClusters(self, zoneid):
        return [c for c in self.clusters if c["zoneid"] == zoneid]

    def _listResourceDetails(self, resourcetype, resourceid=None, key=None, value=None, fordisplay=True):
        """As QueryManagerImpl.listResourceDetails: by resource id, or by key and value; displayed details
        unless fordisplay=false. Details are keyed by resource id only: the fake's ids are unique."""
        if resourceid is None and value is None:
            raise api_error(431, "Insufficient parameters passed for listing by resourceId OR key,value pair. "
                                 "Please check your params and try again.")
        return [{"key": k, "value": v, "resourceid": rid, "resourcetype": resourcetype}
                for (rid, k), (v, shown) in sorted(self.details.items())
                if resourceid in (None, rid) and key in (None, k) and value in (None, v) and shown == fordisplay]

    def _job(self, work):
        jobid = f"job-{next(self._ids)}"
        self.jobs[jobid] = {"work": work, "polls": 0}
        return {"jobid": jobid}

    def _addResourceDetail(self, resourcetype, resourceid, details, fordisplay):
        if not self.admin:
            raise api_error(432, "The given command does not exist or it is not available for the user")

        def work():
            for item in details:
                self.details[(resourceid, item["key"])] = (item["value"], fordisplay)
        return self._job(work)

    def _removeResourceDetail(self, resourcetype, resourceid, key):
        return self._job(lambda: self.details.pop((resourceid, key), None))

    def _advance(self, jobid):
        """One look at a job: it finishes at its job_polls-th look."""
        job = self.jobs[jobid]
        job["polls"] += 1
        if job["polls"] >= self.job_polls and "done" not in job:
            job["done"] = job["work"]() or True
        return "done" in job

    def _queryAsyncJobResult(self, jobid):
        if not self._advance(jobid):
            return {"jobid": jobid, "jobstatus": 0}
        return {"jobid": jobid, "jobstatus": 1, "jobresultcode": 0, "jobresult": {"success": True}}

    def _listAsyncJobs(self, startdate=None, page=1, pagesize=500):
        """The caller's jobs still running, a page at a time: CloudStack marks a finished job removed, and
        listings leave removed rows out (one look at each job)."""
        running = [jobid for jobid, job in self.jobs.items() if "done" not in job and not self._advance(jobid)]
        shown = running[(page - 1) * pagesize:page * pagesize]
        return {"count": len(running), "asyncjobs": [{"jobid": jobid, "jobstatus": 0} for jobid in shown]}


@pytest.fixture
def clock():
    return FakeClock()


@pytest.fixture
def fake():
    return FakeCloudStack()


@pytest.fixture
def client(fake, clock):
    from ansible_collections.cloudstack.dr.plugins.module_utils.client.api import Client

    return Client(fake, clock=clock, poll_interval=1.0, job_timeout=30.0)
