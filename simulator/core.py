"""The management server in miniature: authenticated callers, dispatch, responses, events.

Handlers register with ``@api("commandName")`` and receive a ``Context``. A sync handler returns
a dict (one object), a list (a list command's items), or ``SUCCESS``; an async handler validates
what CloudStack validates before queueing and returns a ``Job`` whose ``run`` does the work.
"""

import random
import threading
from dataclasses import dataclass, field

from . import errors
from .errors import ApiError
from .spec import Spec
from .store import Store, now

HANDLERS = {}
SUCCESS = object()
DEFAULT_PAGE_SIZE = 500  # CloudStack's default.page.size

ROLE_OF_TYPE = {1: "RootAdmin", 2: "DomainAdmin", 0: "User"}


def api(name):
    def register(fn):
        HANDLERS[name] = fn
        return fn

    return register


@dataclass
class Job:
    """Work that runs on the job pool after CloudStack's job latency."""

    run: object  # callable() -> dict | SUCCESS; raises ApiError to fail the job
    instance_type: str | None = None
    instance_id: str | None = None
    object_key: str | None = None  # overrides the command's object key in jobresult
    queue_key: str | None = None  # jobs with the same key run one at a time (CloudStack's VM work queue)
    begin: object = None  # callable() run when the job is queued, for transitional states
    hypervisor_zone: str | None = None  # a job that needs a hypervisor in this zone fails while it is down

    def __post_init__(self):
        if self.queue_key is None and self.instance_type == "VirtualMachine":
            self.queue_key = f"vm:{self.instance_id}"


@dataclass
class Caller:
    user: dict
    account: dict
    domain: dict
    role: str

    @property
    def is_root(self):
        return self.role == "RootAdmin"

    @property
    def is_admin(self):
        return self.role in ("RootAdmin", "DomainAdmin")


@dataclass
class Context:
    sim: "Simulator"
    caller: Caller
    command: object
    p: dict = field(default_factory=dict)

    @property
    def store(self):
        return self.sim.store

    # -- parameters -------------------------------------------------------------------------
    def get(self, name, default=None):
        value = self.p.get(name)
        return default if value in (None, "") else value

    def has(self, name):
        return self.p.get(name) not in (None, "", [])

    def details_map(self, name="details"):
        """CloudStack map parameters: details[0].key=k&details[0].value=v or details[0].k=v."""
        out = {}
        for entry in self.p.get(name) or []:
            if "key" in entry and set(entry) <= {"key", "value"}:
                out[entry["key"]] = entry.get("value", "")
            else:
                out.update(entry)
        return out

    def invalid_value(self, name, value):
        return ApiError(
            errors.PARAM_ERROR,
            f"Unable to execute API command {self.command.name.lower()} due to invalid value. Invalid "
            f"parameter {name} value={value} due to incorrect long value format, or entity does not "
            "exist or due to incorrect parameter annotation for the field in api cmd class.",
        )

    def lookup(self, kind, name, required=True, value=None):
        """The object a uuid parameter names; CloudStack's 431 when it names nothing."""
        value = self.p.get(name) if value is None else value
        if value in (None, ""):
            if required:
                raise ApiError(
                    errors.PARAM_ERROR,
                    f"Unable to execute API command {self.command.name.lower()} due to missing parameter {name}",
                )
            return None
        obj = self.store.get(kind, value)
        if obj is None or obj.get("removed"):
            raise self.invalid_value(name, value)
        self.check_access(obj)
        return obj

    # -- access -----------------------------------------------------------------------------
    def can_see(self, obj):
        owner = obj.get("accountid")
        if self.caller.is_root or owner is None or obj.get("ispublic"):
            return True  # public templates and offerings are everybody's
        if self.caller.role == "DomainAdmin":
            return self.sim.in_domain(obj.get("domainid"), self.caller.domain["id"])
        return owner == self.caller.account["id"]

    def check_access(self, obj):
        if not self.can_see(obj):
            raise errors.denied(
                f"Account {self.caller.account['name']} does not have permission to operate with resource {obj['id']}"
            )

    def owner(self):
        """The account a create acts for: the caller, or account+domainid given by an admin."""
        name = self.get("account")
        if name is None or not self.caller.is_admin:
            return self.caller.account
        domain = self.lookup("domain", "domainid") if self.has("domainid") else self.caller.domain
        acct = self.store.first("account", name=name, domainid=domain["id"], removed=None)
        if acct is None:
            raise errors.invalid(f"Unable to find account {name} in domain {domain['id']}")
        self.check_access(acct)
        return acct

    def owned(self, obj, account):
        """Stamp ownership fields on a new object."""
        domain = self.store.get("domain", account["domainid"])
        obj.update(accountid=account["id"], account=account["name"], domainid=domain["id"], domain=domain["name"],
                   domainpath=domain["path"])
        return obj

    def mine(self, items):
        """The items the caller may see, narrowed by the usual account/domainid/listall params."""
        out = [o for o in items if self.can_see(o)]
        if self.has("account") and self.caller.is_admin:
            out = [o for o in out if o.get("account") == self.p["account"]]
        if self.has("domainid") and self.caller.is_admin:
            want = self.p["domainid"]
            if self.p.get("isrecursive"):
                out = [o for o in out if self.sim.in_domain(o.get("domainid"), want)]
            else:
                out = [o for o in out if o.get("domainid") == want]
        elif self.caller.is_admin and not self.p.get("listall") and not self.has("account"):
            # CloudStack lists only the caller's own resources unless listall=true
            out = [o for o in out if o.get("accountid") in (None, self.caller.account["id"])]
        return out

    # -- events and alerts ------------------------------------------------------------------
    def event(self, etype, description, account=None):
        self.sim.event(etype, description, account or self.caller.account, self.caller.user)


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
    return {k.lower(): v for k, v in out.items()}


class Simulator:
    """Holds the state and answers parsed, authenticated calls (the HTTP layer sits on top)."""

    def __init__(self, db=None, job_latency=0.0, api_latency=0.0, job_workers=125, fault_rate=0.0,
                 random_seed=None):
        from . import handlers  # noqa: F401  (registers every command)
        from .jobs import JobRunner

        self.spec = Spec()
        self.store = Store(db)
        self.lock = threading.RLock()
        self.api_latency = api_latency
        self.random = random.Random(random_seed)
        self.faults = {"rate": fault_rate, "commands": {}, "drop_rate": 0.0, "slow_rate": 0.0,
                       "slow_seconds": 0.0, "job_fail_rate": 0.0}
        self.fault_counts = {}  # kind of injected fault -> how many, for `ctl fault-counts`
        self.call_counts = {}  # command -> authenticated API calls answered, for `ctl status` (benchmarks)
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
        params = {k.lower(): v for k, v in raw_params.items()}
        for hidden in ("command", "response", "apikey", "signature", "signatureversion", "expires", "sessionkey"):
            params.pop(hidden, None)
        if not caller.is_root:
            for name_ in command.admin_only_params:
                params.pop(name_, None)  # CloudStack ignores, not refuses, unauthorized parameters
        parsed = command.parse(params)
        handler = HANDLERS.get(command.name)
        if handler is None:
            raise errors.internal(f"The simulator does not implement {command.name}")
        self.inject_fault(command.name)
        with self.lock:
            try:
                ctx = Context(self, caller, command, parsed)
                result = handler(ctx)
                if isinstance(result, Job):
                    body = self.jobs.submit(ctx, result)
                else:
                    body = self.shape(command, result, parsed)
            finally:
                self.store.flush()
        return command.response_name, body

    def run_now(self, caller, name, params, flush=True):
        """Run a command in-process and synchronously (seeding, control ops): async work runs at once.

        Params are given as a client would send them (strings, or lists/dicts the cs client
        would flatten); returns the handler's view, not the wire answer. Bulk seeding passes
        flush=False and flushes once at the end.
        """
        command = self.check_available(caller, name)
        parsed = command.parse(_flatten(params))
        with self.lock:
            try:
                result = HANDLERS[command.name](Context(self, caller, command, parsed))
                if isinstance(result, Job):
                    if result.begin:
                        result.begin()
                    result = result.run()
                return result
            finally:
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
        domain = self.store.get("domain", account["domainid"])
        self.store.add("event", {
            "type": etype, "level": level, "description": description, "state": "Completed",
            "account": account["name"], "accountid": account["id"], "domainid": domain["id"],
            "domain": domain["name"], "username": (user or {}).get("username", "system"),
            "created": now(),
        })

    def close(self):
        self.jobs.shutdown()
        with self.lock:
            self.store.close()
