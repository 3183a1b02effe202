"""Conformance of the simulator's core through the real `cs` client and `cs` command line:
signing and 401, 431/432 errors, roles and visibility, async jobs, paging, restart persistence."""

import json
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta

import cs
import pytest

from .conftest import Server

EXPIRES_FORMAT = "%Y-%m-%dT%H:%M:%S%z"


@pytest.fixture(scope="module")
def core(tmp_path_factory):
    """A simulator with only the root admin; the tests create a domain, a tenant and a domain admin."""
    srv = Server(tmp_path_factory.mktemp("core"), seed="empty").start()
    root = srv.client()
    domain = root.createDomain(name="tenants")["domain"]
    for name, accounttype in (("tenant", 0), ("tenants-admin", 2)):
        root.createAccount(username=name, account=name, domainid=domain["id"], accounttype=accounttype,
                           email=f"{name}@example.com", firstname=name, lastname="x", password="pw")
    srv.start = srv.start  # keep restart() available
    yield srv
    srv.stop()
    assert not srv.violations, "answers that break the spec:\n" + "\n".join(srv.violations)


def client_for(srv, account):
    """A cs client with the keys of `account`, made by the root admin as an operator would: createAccount gives
    the user no keys, registerUserKeys makes them (an account is named with its domain)."""
    root = srv.client()
    domain = root.listDomains(name="tenants")["domain"][0]
    user = root.listUsers(account=account, domainid=domain["id"])["user"][0]
    keys = root.getUserKeys(id=user["id"])["userkeys"]
    if "apikey" not in keys:
        keys = root.registerUserKeys(id=user["id"])["userkeys"]
    conf = srv.section()
    session_client = srv.client()
    return cs.CloudStack(endpoint=conf["endpoint"], key=keys["apikey"], secret=keys["secretkey"],
                         session=session_client.session, poll_interval=0.05, job_timeout=30)


def api_error(call, **params):
    with pytest.raises(cs.CloudStackApiException) as info:
        call(**params)
    return info.value.response.status_code, info.value.error


def test_signed_get_and_post_are_accepted(core):
    for method in ("get", "post"):
        api = core.client(method=method)
        assert api.listAccounts(listall=True)["count"] == 3


def test_wrong_secret_gets_401(core):
    conf = core.section()
    bad = cs.CloudStack(endpoint=conf["endpoint"], key=conf["key"], secret="not-the-secret")
    status, error = api_error(bad.listAccounts)
    assert status == 401
    assert error == {"uuidList": [], "errorcode": 401,
                     "errortext": "unable to verify user credentials and/or request signature"}


def test_unknown_key_gets_401(core):
    conf = core.section()
    status, _ = api_error(cs.CloudStack(endpoint=conf["endpoint"], key="nobody", secret="x").listAccounts)
    assert status == 401


def test_expired_signature_version_3_gets_401(core):
    past = (datetime.now(UTC) - timedelta(minutes=1)).strftime(EXPIRES_FORMAT)
    status, _ = api_error(core.client().listAccounts, signatureVersion="3", expires=past)
    assert status == 401
    future = (datetime.now(UTC) + timedelta(minutes=5)).strftime(EXPIRES_FORMAT)
    assert core.client().listAccounts(signatureVersion="3", expires=future)["count"] >= 1


def test_values_needing_encoding_are_signed_as_cloudstack_does(core):
    api = core.client()
    name = "a b+c*d~e/é"
    domain = api.createDomain(name=name)["domain"]
    assert domain["name"] == name


def test_missing_required_parameter_gets_431(core):
    status, error = api_error(core.client().queryAsyncJobResult)
    assert status == 431
    assert error["errortext"] == "Unable to execute API command queryasyncjobresult due to missing parameter jobid"
    assert error["cserrorcode"] == 9999


def test_unknown_id_gets_431_invalid_value(core):
    status, error = api_error(core.client().queryAsyncJobResult, jobid="no-such-job")
    assert status == 431
    assert error["errortext"].startswith(
        "Unable to execute API command queryasyncjobresult due to invalid value. Invalid parameter jobid "
        "value=no-such-job")


def test_unknown_command_gets_432(core):
    status, error = api_error(core.client().frobnicateEverything)
    assert status == 432
    assert "frobnicateEverything" in error["errortext"]


def test_root_only_commands_get_432_for_tenants_and_domain_admins(core):
    zone_free_resource = core.client().listDomains(name="tenants")["domain"][0]
    for account in ("tenant", "tenants-admin"):
        api = client_for(core, account)
        status, error = api_error(api.addResourceDetail, resourcetype="Domain",
                                  resourceid=zone_free_resource["id"], details={"k": "v"})
        assert status == 432, account
        assert "addResourceDetail" in error["errortext"]


def test_list_apis_follows_the_callers_role(core):
    root_names = {a["name"] for a in core.client().listApis()["api"]}
    user_names = {a["name"] for a in client_for(core, "tenant").listApis()["api"]}
    assert {"addResourceDetail", "createStoragePool", "importVolume", "listVolumesForImport",
            "unmanageVolume", "generateAlert"} <= root_names - user_names
    assert {"listVirtualMachines", "deployVirtualMachine", "listResourceDetails"} <= user_names
    deploy = core.client().listApis(name="deployVirtualMachine")["api"][0]
    assert deploy["isasync"] is True
    assert {"serviceofferingid", "zoneid"} <= {p["name"] for p in deploy["params"] if p["required"]}


def zone_id(api):
    return api.createZone(name="details-zone", dns1="8.8.8.8", internaldns1="10.0.0.2", networktype="Advanced",
                          guestcidraddress="10.1.0.0/16")["zone"]["id"] if not api.listZones(name="details-zone") \
        else api.listZones(name="details-zone")["zone"][0]["id"]


def test_async_job_result_and_listing(core):
    """ApiAsyncJobDispatcher and AsyncJobManagerImpl.completeAsyncJob: a finished job is answered by
    queryAsyncJobResult, and no longer listed by listAsyncJobs (it is marked removed)."""
    api = core.client()
    submitted = api.addResourceDetail(resourcetype="Zone", resourceid=zone_id(api),
                                      details=[{"key": "dr.k", "value": "v"}])
    assert set(submitted) == {"jobid"}
    result = api._jobresult(submitted["jobid"])
    assert result == {"success": True}
    job = api.queryAsyncJobResult(jobid=submitted["jobid"])
    assert job["jobstatus"] == 1 and job["jobresultcode"] == 0 and job["cmd"] == "addResourceDetail"
    assert submitted["jobid"] not in {j["jobid"] for j in api.listAsyncJobs().get("asyncjobs", [])}
    status, _ = api_error(client_for(core, "tenant").queryAsyncJobResult, jobid=submitted["jobid"])
    assert status == 431  # another account's job is as good as unknown


def test_hidden_details_are_never_shown_to_tenants(core):
    """QueryManagerImpl.listResourceDetails: displayed details by default, hidden ones only with fordisplay=false,
    a root admin's parameter (ListResourceDetailsCmd: authorized = {RoleType.Admin})."""
    api = core.client()
    zone = zone_id(api)
    api.addResourceDetail(resourcetype="Zone", resourceid=zone, details=[{"key": "dr.visible", "value": "yes"}],
                          fordisplay=True, fetch_result=True)
    api.addResourceDetail(resourcetype="Zone", resourceid=zone, details=[{"key": "dr.hidden", "value": "no"}],
                          fordisplay=False, fetch_result=True)

    def keys(client, **params):
        return {d["key"] for d in client.listResourceDetails(resourcetype="Zone", resourceid=zone, **params)
                .get("resourcedetail", [])}

    assert "dr.visible" in keys(api) and "dr.hidden" not in keys(api)
    assert keys(api, fordisplay=False) == {"dr.hidden"}
    tenant = client_for(core, "tenants-admin")
    assert "dr.visible" in keys(tenant) and "dr.hidden" not in keys(tenant, fordisplay=False)


def test_paging_follows_cloudstack(core):
    api = core.client()
    everything = api.listAccounts(listall=True)
    page2 = api.listAccounts(listall=True, page=2, pagesize=1)
    assert page2["count"] == everything["count"]
    assert page2["account"] == [everything["account"][1]]
    assert api.listAccounts(listall=True, fetch_list=True) == everything["account"]
    status, error = api_error(api.listAccounts, pagesize=1)
    assert status == 431 and "page" in error["errortext"]


def test_tenant_sees_only_itself(core):
    accounts = client_for(core, "tenant").listAccounts(listall=True)["account"]
    assert [a["name"] for a in accounts] == ["tenant"]


def test_cs_command_line_talks_to_the_simulator(core, tmp_path):
    env = dict(os.environ, CLOUDSTACK_CONFIG=str(core.ini), CLOUDSTACK_REGION="cloudstack")
    out = subprocess.run([sys.executable, "-m", "cs", "listAccounts", "listall=true"], env=env,
                         capture_output=True, text=True, check=True, cwd=tmp_path)
    assert {a["name"] for a in json.loads(out.stdout)["account"]} >= {"admin", "tenant"}
    failed = subprocess.run([sys.executable, "-m", "cs", "addResourceDetail"], env=env,
                            capture_output=True, text=True, cwd=tmp_path, check=False)
    assert failed.returncode != 0 and "431" in failed.stdout + failed.stderr


def test_control_surface_needs_the_root_key(core, tmp_path):
    tenant_ini = tmp_path / "tenant.ini"
    conf = core.section()
    keys = client_for(core, "tenant")
    tenant_ini.write_text(f"[cloudstack]\nendpoint = {conf['endpoint']}\nkey = {keys.key}\nsecret = {keys.secret}\n")
    from simulator.cli import ctl_request
    with pytest.raises(SystemExit, match="root admin"):
        ctl_request(tenant_ini, "status", {})
    assert core.ctl("status")["objects"]["account"] == 3


def test_restart_keeps_state_and_fails_jobs_in_flight(core):
    api = core.client()
    domain = api.listDomains(name="tenants")["domain"][0]
    core.ctl("faults", job_latency=30)
    zone = zone_id(api)
    pending = api.addResourceDetail(resourcetype="Zone", resourceid=zone, details=[{"key": "dr.late", "value": "1"}])
    core.restart()
    api = core.client()
    assert api.listDomains(name="tenants")["domain"][0]["id"] == domain["id"]
    job = api.queryAsyncJobResult(jobid=pending["jobid"])
    assert job["jobstatus"] == 2 and job["jobresultcode"] == 530
    assert "restart" in job["jobresult"]["errortext"]
    keys = {d["key"] for d in api.listResourceDetails(resourcetype="Zone", resourceid=zone)["resourcedetail"]}
    assert "dr.visible" in keys and "dr.late" not in keys
