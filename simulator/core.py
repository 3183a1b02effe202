"""The management server in miniature: authenticated callers, dispatch, responses, events.

Importing it registers every API command (``handlers``) and control op (``ops``); the handler
contract itself (``api``, ``Job``, ``SUCCESS``) is in contract.py, the per-call ``Context`` in
context.py.
"""

import random
import threading

from . import errors, handlers, ops  # noqa: F401  (registers every command and control op)
from .context import Caller, Context
from .contract import GATES, HANDLERS, SUCCESS, Job
from .errors import ApiError
from .jobs import JobRunner
from .spec import Spec
from .store import Store, now

DEFAULT_PAGE_SIZE = 500  # CloudStack's default.page.size
ROLE_OF_TYPE = {1: "RootAdmin", 2: "DomainAdmin", 0: "User"}
SIGNING_PARAMS = ("command", "response", "apikey", "signature", "signatureversion", "expires", "sessionkey")


def _run_at_once(job):
    if job.begin:
        job.begin()
    return job.run()


def _flatten(params):
    """The wire form of params, as the cs client sends them: lists joined, dicts as map entries."""
    out = {}
    for key, value in params.items():
        if value is None:
            continue
        if isinstance(value, bool):
            out[key] = str(value).lower()
        elif isinstance(value, (list, tuple)) and value and isinstance(value[0], dict):
            for i, item in enumerate(value):
                for k, v in item.items():
                    out[f"{key}[{i}].{k}"] = str(v)
        elif isinstance(value, dict):
            for i, (k, v) in enumerate(value.items()):
                out[f"{key}[{i}].key"], out[f"{key}[{i}].value"] = k, str(v)
        elif isinstance(value, (list, tuple)):
            out[key] = ",".join(map(str, value))
        else:
            out[key] = str(value)
    return {_param_key(k): v for k, v in out.items()}


def _param_key(key):
    """ParamUnpackWorker.handle: parameter names are case-insensitive, the field names of a map parameter
    (details[0].rootDiskController) keep their case."""
    name, bracket, rest = key.partition("[")
    return name.lower() + bracket + rest


class Simulator:
    """Holds the state and answers parsed, authenticated calls (the HTTP layer sits on top)."""

    def __init__(self, db=None, job_latency=0.0, api_latency=0.0, job_workers=125, fault_rate=0.0,
                 random_seed=None):
        self.spec = Spec()
        self.store = Store(db)
        self.lock = threading.RLock()
        self.api_latency = api_latency
        self.random = random.Random(random_seed)
        self.faults = {"rate": fault_rate, "commands": {}, "drop_rate": 0.0, "slow_rate": 0.0,
                       "slow_seconds": 0.0, "job_fail_rate": 0.0, "sync_seconds": 0.0}
        self.fault_counts = {}  # kind of injected fault -> how many, for `ctl fault-counts`
        self.call_counts = {}  # command -> authenticated API calls answered, for `ctl status` (benchmarks)
        self.current = None  # the Context of the call or job running now (under the lock)
        self.jobs = JobRunner(self, workers=job_workers, latency=job_latency)
        self.jobs.fail_orphans()

    # -- domains ----------------------------------------------------------------------------
    def in_domain(self, domain_id, ancestor_id):
        """True when domain_id is ancestor_id or below it."""
        seen = 0
        while domain_id and seen < 64:
            if domain_id == ancestor_id:
                return True
            domain_id = (self.store.get("domain", domain_id) or {}).get("parentdomainid")
            seen += 1
        return False

    def zone_down(self, zone_id):
        zone = self.store.get("zone", zone_id)
        return bool(zone and zone.get("_down"))

    # -- authentication ---------------------------------------------------------------------
    def caller_for_key(self, apikey):
        if not apikey:  # a user without keys (createAccount makes none) signs nothing
            return None
        user = self.store.first("user", apikey=apikey)
        if user is None or user.get("state") != "enabled":
            return None
        account = self.store.get("account", user["accountid"])
        if account is None or account.get("state") != "enabled":
            return None
        domain = self.store.get("domain", account["domainid"])
        return Caller(user, account, domain, ROLE_OF_TYPE[account["accounttype"]])

    def root_caller(self):
        acct = self.store.first("account", name="admin", accounttype=1)
        return self.caller_for_key(self.store.first("user", accountid=acct["id"])["apikey"])

    # -- dispatch ---------------------------------------------------------------------------
    def check_available(self, caller, name):
        command = self.spec.get(name)
        if command is not None and command.name in GATES:
            GATES[command.name](self, caller, command.name)
        if command is None or not command.allowed(caller.role):
            raise ApiError(
                errors.UNSUPPORTED_ACTION,
                f"The API [{name}] does not exist or is not available for the account {caller.account['name']}.",
            )
        return command

    def call(self, caller, name, raw_params):
        """Answer one API call: (response name, body). Raises ApiError for error answers."""
        command = self.check_available(caller, name)
        self.call_counts[command.name] = self.call_counts.get(command.name, 0) + 1
        return command.response_name, self._dispatch(caller, command, self._wire_params(caller, command, raw_params),
                                                      wire=True, queue_jobs=True)

    def run_now(self, caller, name, params, flush=True):
        """Run a command in-process and synchronously (seeding, control ops): async work runs at once.

        Params are given as a client would send them (strings, or lists/dicts the cs client
        would flatten); returns the handler's view, not the wire answer. Bulk seeding passes
        flush=False and flushes once at the end.
        """
        command = self.check_available(caller, name)
        return self._dispatch(caller, command, _flatten(params), wire=False, queue_jobs=False, flush=flush)

    def _wire_params(self, caller, command, raw_params):
        """An HTTP call's params without the signing ones, and without admin-only ones for others."""
        params = {_param_key(k): v for k, v in raw_params.items()}
        for hidden in SIGNING_PARAMS:
            params.pop(hidden, None)
        if not caller.is_root:
            for name in command.admin_only_params:
                params.pop(name, None)  # CloudStack ignores, not refuses, unauthorized parameters
        return params

    def _dispatch(self, caller, command, params, wire, queue_jobs, flush=True):
        """The one path of every command: parse, find the handler, run it, queue or run its job.

        wire: the params came over HTTP; the call may draw an injected fault and is answered in
        the wire shape. Otherwise (in process) the handler's view is returned as it is.
        queue_jobs: an async command's job is queued (the answer is its job id) rather than run
        at once (the answer is what the job returns).
        """
        parsed = command.parse(params)
        handler = HANDLERS.get(command.name)
        if handler is None:
            raise errors.internal(f"The simulator does not implement {command.name}")
        if wire:
            self.inject_fault(command.name)
        with self.lock:
            outer = self.current
            try:
                ctx = self.current = Context(self, caller, command, parsed)
                result = handler(ctx)
                if isinstance(result, Job):
                    return self.jobs.submit(ctx, result) if queue_jobs else _run_at_once(result)
                return self.shape(command, result, parsed) if wire else result
            finally:
                self.current = outer
                if flush:
                    self.store.flush()

    def shape(self, command, result, params):
        if result is SUCCESS:
            return {"success": "true"}
        if command.is_list:
            return self._page(command, result, params)
        if command.response.get("flat") or command.response.get("fields_include_wrapper"):
            return command.shape_fields(result)
        return {command.object_key: command.shape_fields(result)}

    def _page(self, command, items, params):
        if not items:
            return {}
        if "pagesize" not in command.params:  # e.g. listApis: not a BaseListCmd, never paged
            return {"count": len(items), command.response["listkey"]: [command.shape_fields(i) for i in items]}
        page, size = params.get("page"), params.get("pagesize")
        if not command.paged:  # takes page/pagesize (validateSpecificParameters checks them) but answers everything
            if size is not None and size != -1 and page is None:
                raise errors.invalid('"page" parameter is required when "pagesize" is specified')
            return {"count": len(items), command.response["listkey"]: [command.shape_fields(i) for i in items]}
        if size is not None and size != -1 and size > DEFAULT_PAGE_SIZE:
            raise errors.invalid(f"Page size can't exceed max allowed page size value: {DEFAULT_PAGE_SIZE}")
        if size is not None and page is None:
            raise errors.invalid('"page" parameter is required when "pagesize" is specified')
        size = DEFAULT_PAGE_SIZE if size is None else size
        if size != -1:
            start = ((page or 1) - 1) * size
            shown = items[start:start + size]
        else:
            shown = items
        return {"count": len(items), command.response["listkey"]: [command.shape_fields(i) for i in shown]}

    def inject_fault(self, name):
        rate = self.faults["commands"].get(name, self.faults["rate"])
        if rate and self.random.random() < rate:
            self.count_fault("error_530")
            raise errors.internal(f"Injected fault: {name} failed", errors.CS_CLOUD_RUNTIME)

    def count_fault(self, kind):
        self.fault_counts[kind] = self.fault_counts.get(kind, 0) + 1

    # -- events -----------------------------------------------------------------------------
    def event(self, etype, description, account, user=None, level="INFO"):
        """An event of the call (or job) running now, hidden from end users when the call is about a hidden
        object (CallContext.isEventDisplayEnabled)."""
        domain = self.store.get("domain", account["domainid"])
        self.store.add("event", {
            "type": etype, "level": level, "description": description, "state": "Completed",
            "account": account["name"], "accountid": account["id"], "domainid": domain["id"],
            "domain": domain["name"], "username": (user or {}).get("username", "system"),
            "created": now(), "_display": self.current.event_display if self.current else True,
        })

    def close(self):
        self.jobs.shutdown()
        with self.lock:
            self.store.close()
