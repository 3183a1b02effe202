import pytest
import requests
from ansible_collections.cloudstack.dr.plugins.module_utils.client.api import (
    ApiConfigError,
    Client,
    CloudStackError,
    Job,
    resolve_config,
)

from ..conftest import api_error

INI = {"endpoint": "http://ini/client/api", "key": "ini-key", "secret": "ini-secret", "method": "post",
       "timeout": "30", "verify": None, "name": "cloudstack"}


def options(**given):
    names = ("api_url", "api_key", "api_secret", "api_timeout", "api_http_method", "api_verify_ssl_cert",
             "api_region")
    return {name: given.get(name) for name in names}


def test_module_options_win_over_the_ini_section():
    regions = []
    config = resolve_config(options(api_url="http://opt/client/api", api_key="k"),
                            reader=lambda region: regions.append(region) or INI)
    assert regions == ["cloudstack"]
    assert (config["endpoint"], config["key"], config["secret"]) == ("http://opt/client/api", "k", "ini-secret")
    assert (config["method"], config["timeout"]) == ("post", 30)


def test_the_ini_is_not_read_when_options_are_complete():
    def reader(region):
        raise AssertionError("read")

    config = resolve_config(options(api_url="u", api_key="k", api_secret="s"), reader=reader)
    assert (config["method"], config["timeout"]) == ("get", 10)


def test_api_region_selects_the_section():
    regions = []
    resolve_config(options(api_region="acme"), reader=lambda region: regions.append(region) or INI)
    assert regions == ["acme"]


@pytest.mark.parametrize("failure", [SystemExit("Config file not found"), KeyError("acme")])
def test_missing_credentials_name_the_options_and_the_places(failure):
    def reader(region):
        raise failure

    with pytest.raises(ApiConfigError) as info:
        resolve_config(options(api_key="k", api_secret="topsecret"), reader=reader)
    assert "api_url" in str(info.value) and "CLOUDSTACK_ENDPOINT" in str(info.value)
    assert "topsecret" not in str(info.value)


def test_list_fetches_every_page(client, fake):
    assert [z["name"] for z in client.list("listZones")] == ["zone-a", "zone-b", "zone-c"]


class Flaky:
    """Fails the first `failures` calls of any command with `error`, then answers."""

    endpoint = "http://cloud.example/client/api?apiKey=PLAINKEY"

    def __init__(self, failures, error):
        self.failures, self.error, self.calls = failures, error, 0

    def __getattr__(self, command):
        def handler(**params):
            self.calls += 1
            if self.calls <= self.failures:
                raise self.error
            return {"count": 0}
        return handler


@pytest.mark.parametrize("error", [requests.exceptions.ConnectionError("refused"), api_error(530, "db down")])
def test_reads_are_retried_with_backoff(clock, error):
    flaky = Flaky(2, error)
    assert Client(flaky, clock=clock, retries=3, retry_backoff=1.0).call("listZones") == {"count": 0}
    assert flaky.calls == 3 and clock.sleeps == [1.0, 2.0]


def test_retries_are_bounded(clock):
    flaky = Flaky(10, requests.exceptions.ConnectionError("refused"))
    with pytest.raises(CloudStackError) as info:
        Client(flaky, clock=clock, retries=2).call("listZones", "zone zone-a")
    assert flaky.calls == 3
    assert "cannot reach the CloudStack API" in str(info.value) and "listZones on zone zone-a" in str(info.value)


def test_writes_are_never_repeated(clock):
    flaky = Flaky(1, requests.exceptions.ConnectionError("refused"))
    with pytest.raises(CloudStackError):
        Client(flaky, clock=clock).call("addResourceDetail")
    assert flaky.calls == 1 and clock.sleeps == []


def test_a_client_error_is_not_retried_and_keeps_cloudstacks_fields(clock):
    flaky = Flaky(1, api_error(431, "Unable to find zone", cserrorcode=4350))
    with pytest.raises(CloudStackError) as info:
        Client(flaky, clock=clock).call("listZones", "zone x")
    assert flaky.calls == 1
    assert str(info.value) == "listZones on zone x failed: Unable to find zone (errorcode 431)"
    assert info.value.as_dict() == {"command": "listZones", "target": "zone x", "errorcode": 431,
                                    "cserrorcode": 4350, "errortext": "Unable to find zone", "jobid": None}


def test_wait_polls_all_jobs_in_one_loop(client, fake, clock):
    fake.job_polls = 3
    jobs = [client.submit("removeResourceDetail", f"zone {n}", resourcetype="Zone", resourceid=n, key="k")
            for n in ("a", "b")]
    client.wait(jobs)
    assert all(job.done and job.result == {"success": True} and job.error is None for job in jobs)
    polls = [params["jobid"] for command, params in fake.calls if command == "queryAsyncJobResult"]
    assert polls == ["job-1", "job-2"] * 3  # each round polls every pending job
    assert clock.sleeps == [0.05, 0.1]  # quick first polls, doubling up to poll_interval


def test_a_failed_job_is_reported_with_its_jobid(client, fake):
    fake.jobs["job-9"] = {"work": None, "polls": 0}
    fake._queryAsyncJobResult = lambda jobid: {"jobid": jobid, "jobstatus": 2, "jobresultcode": 530,
                                               "jobresult": {"errorcode": 530, "errortext": "disk full"}}
    job = Job("addResourceDetail", "job-9", "zone zone-a")
    with pytest.raises(CloudStackError) as info:
        client.run([job])
    assert info.value.jobid == "job-9" and info.value.errortext == "disk full"
    assert "addResourceDetail on zone zone-a failed: disk full" in str(info.value)


def test_wait_gives_up_at_the_timeout(client, fake, clock):
    fake.job_polls = 1000
    job = client.submit("removeResourceDetail", "zone a", resourcetype="Zone", resourceid="a", key="k")
    client.wait([job], timeout=5)
    assert clock.now == 5 and job.error.jobid == job.jobid
    assert "timed out" in job.error.errortext


def test_many_pending_jobs_are_read_with_one_listing_per_tick(client, fake, clock):
    fake.job_polls = 2
    jobs = [client.submit("removeResourceDetail", f"zone {n}", resourcetype="Zone", resourceid=str(n), key="k")
            for n in range(20)]
    client.wait(jobs)
    assert all(job.done and job.result == {"success": True} and job.error is None for job in jobs)
    polls = [command for command, _ in fake.calls if command in ("listAsyncJobs", "queryAsyncJobResult")]
    # One listing per tick while they run; each job queried once, for its result, when the listing drops it.
    assert polls == ["listAsyncJobs", "listAsyncJobs"] + ["queryAsyncJobResult"] * 20


def test_rejected_credentials_name_the_key_and_the_fix(clock):
    flaky = Flaky(1, api_error(401, "unable to verify user credentials and/or request signature"))
    with pytest.raises(CloudStackError) as info:
        Client(flaky, clock=clock).call("listZones")
    assert info.value.field == "api_key" and str(info.value).startswith("api_key: listZones failed")
    assert "Check api_key and api_secret" in str(info.value) and flaky.calls == 1


@pytest.mark.parametrize(("error", "calls"), [(requests.exceptions.ConnectionError("refused"), 4),
                                              (requests.exceptions.MissingSchema("no scheme"), 1)])
def test_an_unreachable_or_malformed_endpoint_names_api_url(clock, error, calls):
    flaky = Flaky(10, error)
    with pytest.raises(CloudStackError) as info:
        Client(flaky, clock=clock).call("listZones")
    assert info.value.field == "api_url" and "Check api_url" in str(info.value)
    assert flaky.calls == calls  # a URL without a scheme never works: not retried
    assert "PLAINKEY" not in str(info.value).replace(Flaky.endpoint, "")
