# Copyright: cloudstack.dr contributors
# Apache License 2.0 (see LICENSE)
"""The CloudStack API client every module and the DR engine share (plain Python, no Ansible).

It wraps a `cs.CloudStack` and adds what the engine needs on top of signing: whole-list paging,
submitting async jobs and waiting on a batch of them in one bounded poll loop, bounded retries
for calls that are safe to repeat, and errors that say which command failed on which object.
"""

from __future__ import annotations

import builtins
import configparser
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .waiter import Clock, backoff, ticks

try:
    import requests
    from cs import CloudStackApiException, CloudStackException, read_config

    HAS_CS = True
except ImportError:  # reported by the module base class with missing_required_lib
    HAS_CS = False

# Calls that only read may be sent again after a dropped connection or an internal error.
SAFE_PREFIXES = ("list", "query", "get")
RETRY_ERRORCODES = frozenset({530})
JOB_PENDING, JOB_SUCCEEDED = 0, 1
# More pending jobs than this are polled with one paged listAsyncJobs per tick, not one query each.
BULK_POLL_MIN = 8
JOB_PAGE_SIZE = 500  # CloudStack's default.page.size, the largest page it answers

# Module option -> `cs` configuration key, for the credentials and connection settings.
OPTION_TO_CONFIG = {
    "api_url": "endpoint",
    "api_key": "key",
    "api_secret": "secret",
    "api_timeout": "timeout",
    "api_http_method": "method",
    "api_verify_ssl_cert": "verify",
}
DEFAULT_REGION = "cloudstack"
UNAUTHORIZED = 401  # CloudStack: "unable to verify user credentials and/or request signature"
WHERE = "CLOUDSTACK_{env}, or {key} in the api_region section of cloudstack.ini"
CREDENTIALS_FIX = (
    "Check api_key and api_secret (" + WHERE.format(env="KEY/CLOUDSTACK_SECRET", key="key/secret") + "): they "
    "must be the current key pair of an enabled user (registerUserKeys replaces the old pair), and the "
    "controller's clock must be right (signed requests expire)"
)
ENDPOINT_FIX = (
    "Check api_url (" + WHERE.format(env="ENDPOINT", key="endpoint") + "): it must be the management "
    "server's API URL, such as https://cloud.example.com/client/api, reachable from the controller"
)
# requests' errors for a URL that can never work: not worth another try.
MALFORMED_URL = ("InvalidURL", "MissingSchema", "InvalidSchema")


class ApiConfigError(Exception):
    """The credentials or endpoint cannot be resolved."""


class CloudStackError(Exception):
    """A failed API call or async job, with CloudStack's own error fields kept apart."""

    def __init__(self, command: str, errortext: str, target: str | None = None, errorcode: int | None = None,
                 cserrorcode: int | None = None, jobid: str | None = None, transient: bool = False,
                 field: str | None = None, fix: str | None = None) -> None:
        self.command = command
        self.target = target
        self.errortext = errortext
        self.errorcode = errorcode
        self.cserrorcode = cserrorcode
        self.jobid = jobid
        # A dropped connection or CloudStack's internal error 530: the same call may succeed later.
        self.transient = transient or errorcode in RETRY_ERRORCODES
        # The connection option to fix when the failure is the connection's (wrong key, unreachable URL).
        self.field = field
        where = f" on {target}" if target else ""
        code = f" (errorcode {errorcode})" if errorcode is not None else ""
        option = f"{field}: " if field else ""
        advice = f". {fix}" if fix else ""
        super().__init__(f"{option}{command}{where} failed: {errortext}{code}{advice}")

    def as_dict(self) -> dict:
        return {
            "command": self.command,
            "target": self.target,
            "errorcode": self.errorcode,
            "cserrorcode": self.cserrorcode,
            "errortext": self.errortext,
            "jobid": self.jobid,
        }


def resolve_config(options: dict, reader: Callable[[str], dict] | None = None) -> dict:
    """The `cs.CloudStack` keyword arguments for the module options.

    Same order as ngine_io.cloudstack and the `cs` client: an option given to the module (its
    CLOUDSTACK_* environment fallback already applied), then the `api_region` section of the
    cloudstack.ini files `cs.read_config` finds (CLOUDSTACK_CONFIG, ./cloudstack.ini,
    ~/.cloudstack.ini), then the `cs` defaults.
    """
    region = options.get("api_region") or DEFAULT_REGION
    config: dict = {}
    if not all(options.get(name) for name in ("api_url", "api_key", "api_secret")):
        config = _read_region(reader or read_config, region)
    resolved = {key: config.get(key) for key in OPTION_TO_CONFIG.values()}
    resolved.update({key: options[opt] for opt, key in OPTION_TO_CONFIG.items() if options.get(opt) is not None})
    resolved["timeout"] = int(resolved.get("timeout") or 10)
    resolved["method"] = (resolved.get("method") or "get").lower()
    if config.get("dangerous_no_tls_verify"):
        resolved["dangerous_no_tls_verify"] = True
    missing = [opt for opt in ("api_url", "api_key", "api_secret") if not resolved[OPTION_TO_CONFIG[opt]]]
    if missing:
        raise ApiConfigError(
            f"Missing CloudStack credentials: {', '.join(missing)}. Set them as module options, as "
            "CLOUDSTACK_ENDPOINT/CLOUDSTACK_KEY/CLOUDSTACK_SECRET, or in the [%s] section of a "
            "cloudstack.ini (CLOUDSTACK_CONFIG, ./cloudstack.ini or ~/.cloudstack.ini)." % region
        )
    return resolved


def _read_region(reader: Callable[[str], dict], region: str) -> dict:
    """The ini section `region`, or nothing when there is no file or no such section."""
    try:
        return reader(region)
    except (SystemExit, configparser.Error, ValueError, KeyError):
        # cs exits when no ini file exists and raises when the section is missing.
        return {}


@dataclass
class Job:
    """An async job submitted to CloudStack, and what became of it."""

    command: str
    jobid: str
    target: str | None = None
    result: dict | None = None
    error: CloudStackError | None = None
    done: bool = False
    submitted: float = field(default_factory=time.time)  # epoch seconds, to bound the job listing


@dataclass
class Client:
    """A `cs.CloudStack` (or anything with the same call interface) plus the engine's rules."""

    cs: object
    clock: Clock = field(default_factory=Clock)
    retries: int = 3
    retry_backoff: float = 1.0
    poll_interval: float = 0.25  # one query (or one listing) per tick costs CloudStack little
    first_poll: float = 0.05  # the first pause of a wait; pauses double up to poll_interval
    job_timeout: float = 600.0
    list_margin: float = 10.0  # seconds of clock skew allowed between us and CloudStack in job listings
    # Told (finished, total) on every tick of a wait: a long step's progress (engine/progress.py).
    watch: Callable[[int, int], None] | None = None

    def call(self, command: str, target: str | None = None, **params: Any) -> Any:
        """One synchronous API call; the answer under `<command>response`."""
        return self._send(command, target, params)

    # In the class body below this method, `list` names it: the annotations spell the type builtins.list.
    def list(self, command: str, target: str | None = None, **params: Any) -> builtins.list[dict]:
        """Every item of a list command, all pages fetched."""
        return self._send(command, target, dict(params, fetch_list=True)) or []

    def submit(self, command: str, target: str | None = None, **params: Any) -> Job:
        """Queue an async command; wait for it (and others) with `wait`."""
        answer = self._send(command, target, params)
        return Job(command=command, jobid=answer["jobid"], target=target)

    def wait(self, jobs: builtins.list[Job], timeout: float | None = None) -> builtins.list[Job]:
        """Poll every pending job in one loop until all finished or the timeout passed.

        A few pending jobs are queried one by one (queryAsyncJobResult). Many are watched with one paged
        listAsyncJobs per tick: CloudStack lists only the jobs still running (a finished job is marked
        removed), so a tick costs a page per 500 running jobs, and each job is queried once, when the
        listing stops showing it, for its result.
        Each job gets its `result` or `error`; a job still pending at the deadline gets a
        timeout error. Nothing is raised here, so one failed job never hides the others.
        """
        pending = [job for job in jobs if not job.done]
        for _elapsed in ticks(self.clock, self.job_timeout if timeout is None else timeout, self.poll_interval,
                              self.first_poll):
            if len(pending) >= BULK_POLL_MIN:
                pending = self._poll_listed(pending)
            else:
                pending = [job for job in pending if not self._poll(job)]
            if self.watch:
                self.watch(len(jobs) - len(pending), len(jobs))
            if not pending:
                return jobs
        for job in pending:
            job.error = CloudStackError(job.command, "timed out waiting for the async job", job.target,
                                        jobid=job.jobid)
        return jobs

    def _poll_listed(self, pending: builtins.list[Job]) -> builtins.list[Job]:
        """Read the caller's running jobs page by page; query those it no longer shows; the still pending.

        The listing starts at the oldest pending job's submission (less list_margin for clock skew). A job
        it shows still running stays pending; one it does not show has finished (or was missed) and is
        queried alone for its outcome, so a listing that fails or leaves jobs out costs calls, never a result.
        """
        wanted = {job.jobid for job in pending}
        since = time.gmtime(min(job.submitted for job in pending) - self.list_margin)
        seen: dict[str, dict] = {}
        page = 1
        while True:
            try:
                answer = self._send("listAsyncJobs", None, {"startdate": time.strftime("%Y-%m-%dT%H:%M:%S+0000", since),
                                                            "page": page, "pagesize": JOB_PAGE_SIZE})
            except CloudStackError:
                break
            items = (answer or {}).get("asyncjobs") or []
            seen.update((item["jobid"], item) for item in items if item.get("jobid") in wanted)
            if len(seen) == len(wanted) or len(items) < JOB_PAGE_SIZE:
                break
            page += 1
        still: builtins.list[Job] = []
        for job in pending:
            finished = self._record(job, seen[job.jobid]) if job.jobid in seen else self._poll(job)
            if not finished:
                still.append(job)
        return still

    def run(self, jobs: builtins.list[Job], timeout: float | None = None) -> builtins.list[Job]:
        """`wait`, then raise the first job error, if any."""
        for job in self.wait(jobs, timeout):
            if job.error:
                raise job.error
        return jobs

    def _poll(self, job: Job) -> bool:
        """Query one job; record its outcome; True when it is finished."""
        try:
            answer = self._send("queryAsyncJobResult", job.target, {"jobid": job.jobid})
        except CloudStackError as error:
            job.error, job.done = error, True
            return True
        return self._record(job, answer)

    def _record(self, job: Job, answer: dict) -> bool:
        """Keep a job's outcome from its queryAsyncJobResult or listAsyncJobs entry; True when finished."""
        if answer.get("jobstatus", JOB_PENDING) == JOB_PENDING:
            return False
        job.done = True
        result = answer.get("jobresult") or {}
        if answer["jobstatus"] == JOB_SUCCEEDED:
            job.result = result
        else:
            job.error = CloudStackError(
                job.command, result.get("errortext", "the job failed without an error text"), job.target,
                result.get("errorcode", answer.get("jobresultcode")), result.get("cserrorcode"), job.jobid,
            )
        return True

    def _send(self, command: str, target: str | None, params: dict) -> Any:
        """Call `cs`; repeat what is safe to repeat after a transient failure."""
        attempts = self.retries + 1 if command.startswith(SAFE_PREFIXES) else 1
        for attempt in range(1, attempts):
            try:
                return self._send_once(command, target, params)
            except CloudStackError as error:
                if not error.transient:
                    raise
            self.clock.sleep(backoff(self.retry_backoff, attempt))
        return self._send_once(command, target, params)

    def _send_once(self, command: str, target: str | None, params: dict) -> Any:
        """One call, with `cs`'s and requests' exceptions turned into CloudStackError."""
        try:
            return getattr(self.cs, command)(**params)
        except CloudStackApiException as exc:
            error = exc.error if isinstance(exc.error, dict) else {}
            code = error.get("errorcode")
            raise CloudStackError(command, error.get("errortext") or str(exc), target, code, error.get("cserrorcode"),
                                  **_connection_fault(code, exc)) from None
        except CloudStackException as exc:
            # Not CloudStack's JSON: a proxy's 5xx is worth another try, a wrong endpoint is not.
            server_side = getattr(exc.response, "status_code", 0) >= 500
            raise CloudStackError(command, " ".join(map(str, exc.args)), target, transient=server_side,
                                  **_connection_fault(None, exc)) from None
        except requests.exceptions.RequestException as exc:
            # Never str(exc): requests puts the signed URL, with the API key, in its messages.
            text = f"cannot reach the CloudStack API at {getattr(self.cs, 'endpoint', '?')}: {type(exc).__name__}"
            raise CloudStackError(command, text, target, transient=type(exc).__name__ not in MALFORMED_URL,
                                  field="api_url", fix=ENDPOINT_FIX) from None


def _connection_fault(errorcode: int | None, exc: CloudStackException) -> dict:
    """`field` and `fix` of a CloudStackError when the connection options are at fault: CloudStack refused
    the key pair (401), or the endpoint answered without a CloudStack error code (not the API: a 404...)."""
    if errorcode == UNAUTHORIZED:
        return {"field": "api_key", "fix": CREDENTIALS_FIX}
    if errorcode is None and getattr(exc.response, "status_code", 0) < 500:
        return {"field": "api_url", "fix": ENDPOINT_FIX}
    return {}
