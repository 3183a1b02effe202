"""Fault injection through the control surface and the command line, seen by the real cs client."""

import time

import cs
import pytest
import requests

from .conftest import Server


@pytest.fixture
def quiet(server):
    """Every test starts and ends with no fault set."""
    off = {"rate": 0.0, "commands": {}, "drop_rate": 0.0, "slow_rate": 0.0, "job_fail_rate": 0.0, "sync_seconds": 0}
    server.ctl("faults", **off)
    yield server
    server.ctl("faults", **off)


def error_of(call, **params):
    with pytest.raises(cs.CloudStackApiException) as info:
        call(**params)
    return info.value.response.status_code, info.value.error


def test_a_fault_rate_answers_530(quiet, admin):
    quiet.ctl("faults", rate=1.0)
    status, error = error_of(admin.listZones)
    assert status == 530 and error["errorcode"] == 530 and "Injected fault" in error["errortext"]


def test_faults_by_command_hit_only_that_command(quiet, admin):
    quiet.ctl("faults", commands={"listZones": 1.0})
    assert error_of(admin.listZones)[0] == 530
    assert admin.listDomains()["count"] >= 1


def test_dropped_connections(quiet, admin):
    quiet.ctl("faults", drop_rate=1.0)
    with pytest.raises(requests.exceptions.ConnectionError):
        admin.listZones()


def test_slow_answers(quiet, admin):
    quiet.ctl("faults", slow_rate=1.0, slow_seconds=0.3)
    start = time.monotonic()
    admin.listZones()
    assert time.monotonic() - start >= 0.3


def test_a_slow_storage_sync_takes_its_time_without_holding_the_cloud(quiet, admin):
    """A storage transfer that takes long (what a replication adapter's timeout is for) sleeps outside the
    simulator's lock: the API answers meanwhile."""
    quiet.ctl("faults", sync_seconds=1.0)
    started = time.monotonic()
    status = quiet.ctl("mirror-sync", array="array-a1")
    assert time.monotonic() - started >= 1.0 and status["array"] == "array-a1"
    assert quiet.ctl("fault-counts")["slow_sync"] >= 1


def test_failing_jobs(quiet, admin):
    quiet.ctl("faults", job_fail_rate=1.0)
    zone = admin.listZones()["zone"][0]
    submitted = admin.addResourceDetail(resourcetype="Zone", resourceid=zone["id"],
                                        details=[{"key": "k", "value": "v"}])
    with pytest.raises(cs.CloudStackApiException) as info:
        admin._jobresult(submitted["jobid"])
    assert info.value.error["errorcode"] == 530
    job = admin.queryAsyncJobResult(jobid=submitted["jobid"])
    assert job["jobstatus"] == 2 and job["jobresultcode"] == 530


def test_the_fault_rate_option_of_serve(tmp_path):
    srv = Server(tmp_path, seed="empty", extra=["--fault-rate", "1"]).start()
    try:
        status, _ = error_of(srv.client().listDomains)
        assert status == 530
    finally:
        srv.stop()
