"""The handler contract: the command registry and what a handler may return.

Handlers register with ``@api("commandName")`` and receive a ``Context``. A sync handler returns
a dict (one object), a list (a list command's items), or ``SUCCESS``; an async handler validates
what CloudStack validates before queueing and returns a ``Job`` whose ``run`` does the work.
This module imports nothing of the simulator, so every layer may use it.
"""

from dataclasses import dataclass

HANDLERS = {}  # command name -> handler(ctx)
# command name -> gate(sim, caller, name): raises the ApiError CloudStack answers while the command is not
# registered (e.g. the backup commands while backup.framework.enabled is false)
GATES = {}
SUCCESS = object()  # a handler's (or a job's) answer for CloudStack's {"success": true}


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
    ctx: object = None  # the Context of the call that queued it (set when it is queued)
    # ApiServer.queueCommand answers the object's id with the job id only for a BaseAsyncCreateCmd
    answer_id: bool = True

    def __post_init__(self):
        if self.queue_key is None and self.instance_type == "VirtualMachine":
            self.queue_key = f"vm:{self.instance_id}"
