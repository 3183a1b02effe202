"""Async jobs: a bounded worker pool, CloudStack's per-VM work queue, and the job table.

A job waits its turn in its queue (jobs on the same VM run one at a time), then sleeps the
job latency outside the lock, then runs its work under the simulator lock.
"""

import threading
import time
from collections import deque
from concurrent.futures import ThreadPoolExecutor

from . import errors
from .contract import SUCCESS
from .errors import ApiError
from .store import now

PENDING, SUCCEEDED, FAILED = 0, 1, 2


class JobRunner:
    def __init__(self, sim, workers, latency):
        self.sim = sim
        self.latency = latency
        self.pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="job")
        self.workers = workers
        self._queues = {}  # queue key -> deque of waiting (record, job)
        self._qlock = threading.Lock()
        self._stopping = threading.Event()
        self.in_flight = 0

    def fail_orphans(self):
        """A restarted management server fails the jobs it had in flight."""
        for rec in self.sim.store.find("asyncjob", jobstatus=PENDING):
            self._finish(rec, ApiError(errors.INTERNAL_ERROR,
                                       "job cancelled because of management server restart or shutdown"))
        self.sim.store.flush()

    def submit(self, ctx, job):
        caller = ctx.caller
        rec = self.sim.store.add("asyncjob", {
            "accountid": caller.account["id"], "account": caller.account["name"],
            "domainid": caller.domain["id"], "domainpath": caller.domain["path"],
            "userid": caller.user["id"], "cmd": ctx.command.name, "jobstatus": PENDING,
            "jobprocstatus": 0, "jobresultcode": 0, "jobinstancetype": job.instance_type,
            "jobinstanceid": job.instance_id, "_objectkey": job.object_key or ctx.command.object_key,
            "_success_only": bool(ctx.command.response.get("success_only")),
        })
        job.ctx = ctx
        if job.begin:
            job.begin()
        self.in_flight += 1
        key = job.queue_key or rec["id"]
        with self._qlock:
            queue = self._queues.setdefault(key, deque())
            queue.append((rec, job))
            first = len(queue) == 1
        if first:
            self.pool.submit(self._work, key)
        body = {"jobid": rec["id"]}
        if job.instance_id and job.answer_id:
            body["id"] = job.instance_id
        return body

    def _work(self, key):
        with self._qlock:
            rec, job = self._queues[key][0]
        try:
            self._execute(rec, job)
        finally:
            with self._qlock:
                queue = self._queues[key]
                queue.popleft()
                more = bool(queue)
                if not more:
                    del self._queues[key]
            if more and not self._stopping.is_set():
                self.pool.submit(self._work, key)

    def _execute(self, rec, job):
        rec["_started"] = time.time()
        if self.latency:
            self._stopping.wait(self.latency)  # a stopping server must not wait out job latency
        if self._stopping.is_set():
            return  # left pending: the next start fails it, as CloudStack does
        with self.sim.lock:
            self.sim.current = job.ctx
            try:
                self._check_faults(job)
                result = job.run()
                self._finish(rec, result)
            except ApiError as exc:
                self._finish(rec, exc)
            except Exception as exc:  # noqa: BLE001  (a simulator bug must still end the job, as in CloudStack)
                self._finish(rec, ApiError(errors.INTERNAL_ERROR, f"Internal error executing command: {exc}"))
            finally:
                self.sim.current = None
                self.sim.store.flush()

    def _check_faults(self, job):
        faults = self.sim.faults
        if faults["job_fail_rate"] and self.sim.random.random() < faults["job_fail_rate"]:
            self.sim.count_fault("job_failed")
            raise errors.internal("Injected fault: job failed")
        if job.hypervisor_zone and self.sim.zone_down(job.hypervisor_zone):
            raise errors.unavailable("Unable to reach the hypervisor: its zone is down", errors.CS_RESOURCE_UNAVAILABLE)

    def _finish(self, rec, result):
        rec["completed"] = now()
        rec["_ended"] = time.time()
        if isinstance(result, ApiError):
            # ApiAsyncJobDispatcher.runJob: a PermissionDeniedException in a job is answered as 530 (only an
            # InvalidParameterValueException or a ServerApiException keeps its code); jobresultcode is that code;
            # an exception without a message (a NullPointerException) leaves errortext out.
            code = errors.INTERNAL_ERROR if result.errorcode == errors.ACCOUNT_ERROR else result.errorcode
            body = {"errorcode": code, **({"errortext": result.errortext} if result.errortext is not None else {})}
            rec.update(jobstatus=FAILED, jobresultcode=code, jobresulttype="object", jobresult=body)
        else:
            rec.update(jobstatus=SUCCEEDED, jobresultcode=0, jobresulttype="object",
                       jobresult=self._result_body(rec, result))
        self.in_flight = max(0, self.in_flight - 1)
        self.sim.store.touch("asyncjob", rec)

    def _result_body(self, rec, result):
        if result is SUCCESS or rec["_success_only"]:
            return {"success": True}
        command = self.sim.spec.get(rec["cmd"])
        return {rec["_objectkey"]: command.shape_fields(result)}

    def view(self, rec):
        out = {k: v for k, v in rec.items() if not k.startswith("_")}
        out["jobid"] = out.pop("id")
        if rec["jobstatus"] == PENDING:
            out.pop("jobresult", None)
            out.pop("jobresulttype", None)
        return out

    def shutdown(self):
        self._stopping.set()
        self.pool.shutdown(wait=False, cancel_futures=True)
