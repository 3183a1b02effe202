"""`make chaos`: failover and failback of a protected zone while the world breaks, then the invariants.

    python -m tests.chaos.harness --runs 20 --seed 1234 [--vms 50] [--parallel 2] [--driver module|playbook]

Each run starts a simulator on a copy of a golden protected cloud (the demo plus VMS tenant VMs,
configured and prepared through the playbooks), fails zone-a, fails over, recovers zone-a and
fails back. Each phase draws from the run's seed: a SIGKILL of the controller's process group
(at a random time, or just after a step's progress line: inside the next step; after `attach`
it lands inside the UUID swaps), API faults (530s, dropped connections, slow answers, failing
jobs), a restart of the simulator mid-run, a recovery zone without room for most VMs, replicas
that lag (seconds or hours: the writes after the last transfer are lost, and an hour is past the
RPO, so the loss is accepted), a mirror that breaks mid-failback (the operator resumes it before
the re-run) and a storage sync slower than the move waits for. The phase is re-run until it
converges (faults are turned off only for the last re-runs, and the table counts it), then every
invariant of tests/chaos/cloud.py is checked, and that no VM was reported with data as of a moment
after a write it lost.
"""

from __future__ import annotations

import argparse
import calendar
import contextlib
import html
import json
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from .cloud import (
    AWAY,
    BIN,
    HOME,
    INVENTORY,
    ROOT,
    Cloud,
    Server,
    ansible_env,
    build_golden,
    check,
    fill_zone,
    fingerprint,
    free_zone,
    protected,
)

STEPS = ("begin", "stop", "record", "swap", "detach", "promote", "import", "attach", "start",
         "finish")  # the engine's
# op, the zone the VMs serve from before it, the DR state and zone after it
PHASES = (("failover", HOME, "FailedOver", AWAY), ("failback", AWAY, "Prepared", HOME))
FAULTS = {"rate": 0.04, "drop_rate": 0.02, "slow_rate": 0.02, "slow_seconds": 0.3, "job_fail_rate": 0.02}
NO_FAULTS = {"rate": 0.0, "drop_rate": 0.0, "slow_rate": 0.0, "job_fail_rate": 0.0}
MAX_ATTEMPTS, CALM_AFTER = 8, 5  # faults stay on for the first CALM_AFTER re-runs
SOURCES, REPLICAS = ("array-a1", "array-a2"), ("replica-a1", "replica-a2")  # the demo's replicated arrays
RPO = 15 * 60  # the demo's DR offering's (playbooks/vars/demo.yml)
LAGS = (60.0, 3 * 3600.0)
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
# The progress file's line when a step ends (engine/progress.py): "tier 1 step 3/11 record: ..." or, for the first
# pass of a planned move, "all tiers, stop: ...".
STEP_ENDED = re.compile(r"(?:step \d+/\d+|all tiers,) (\w+): ")
# A run refused because a killed run still holds the zone's lock: the id its refusal says to break.
LOCKED = re.compile(r"is locked by another DR run.*?break_lock: ([0-9a-f-]{36})", re.DOTALL)


@dataclass
class Plan:
    """What one phase of one run breaks, drawn from the run's seed."""

    kill: str | None = None  # "t=<seconds>" or "after=<step>"
    delay: float = 0.0
    faults: bool = False
    restart: float | None = None  # seconds into the first attempt
    slots: int | None = None  # room left per recovery host
    lag: float | None = None  # failover: seconds the replicas run behind; the writes since the last transfer are lost
    broken: float | None = None  # failback: seconds into the first attempt when the mirrors home break
    slow_sync: bool = False  # failback: the storage's sync takes longer than the move waits

    @classmethod
    def draw(cls, rng, op, duration):
        plan = cls(faults=rng.random() < 0.5)
        if rng.random() < 0.8:
            plan.kill = rng.choice([f"t={rng.uniform(0.3, duration):.2f}", *[f"after={s}" for s in STEPS[:-1]],
                                    "after=attach", "after=attach"])
            plan.delay = rng.uniform(0.0, 0.4)
        if rng.random() < 0.3:
            plan.restart = rng.uniform(0.5, duration)
        if op == "failover" and rng.random() < 0.3:
            plan.slots = rng.randint(0, 3)
        if op == "failover" and rng.random() < 0.4:
            plan.lag = rng.choice(LAGS)
        if op == "failback" and rng.random() < 0.4:
            plan.broken = rng.uniform(0.2, duration / 2)
        if op == "failback" and rng.random() < 0.4:
            plan.slow_sync = True
        return plan


@dataclass
class Tally:
    kills: int = 0
    kills_mid_swap: int = 0
    landed: dict = field(default_factory=dict)  # step a kill landed in -> count
    faults: dict = field(default_factory=dict)
    restarts: int = 0
    capacity: int = 0
    lagged: int = 0  # failovers over lagging replicas
    mirrors_broken: int = 0
    slow_syncs: int = 0
    locks_broken: int = 0  # re-runs that took over a killed run's zone lock, as the refusal said
    attempts: int = 0
    calmed: int = 0  # phases that converged only once faults were off
    unconverged: int = 0
    violations: list = field(default_factory=list)

    def add(self, other):
        for name in ("kills", "kills_mid_swap", "restarts", "capacity", "attempts", "calmed", "unconverged", "lagged",
                     "mirrors_broken", "slow_syncs", "locks_broken"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        for mine, theirs in ((self.landed, other.landed), (self.faults, other.faults)):
            for k, v in theirs.items():
                mine[k] = mine.get(k, 0) + v
        self.violations += other.violations


class Controller:
    """Runs one attempt of a phase through Ansible, in its own process group, killable at any moment."""

    def __init__(self, server, workdir, driver, options=()):
        self.server, self.workdir, self.driver = server, workdir, driver
        self.options = dict(options)  # the move's extra options: accept_data_loss, sync_timeout
        self.proc = None
        self.killed = False
        self.killed_at = None  # the step a kill landed in
        self.lock = threading.Lock()

    def commands(self, op, attempt):
        log = str(self.workdir / f"{op}.progress")
        if self.driver == "playbook":
            extra = [a for k, v in self.options.items() for a in ("-e", f"move_{k}={v}")]
            return [[str(BIN / "ansible-playbook"), f"playbooks/{op}.yml", "-i", INVENTORY, "-e", f"move_zone={HOME}",
                     "-e", f"move_progress_log={log}", "-e", f"move_report={self.workdir / f'{op}-{attempt}.html'}",
                     *extra]]
        adhoc = [str(BIN / "ansible"), "localhost", "-m"]
        extra = "".join(f" {k}={v}" for k, v in self.options.items())
        return [adhoc + ["cloudstack.dr.storage_introduce", "-a", f"zone={HOME} direction={op}"],
                adhoc + [f"cloudstack.dr.vm_{op}", "-a", f"zone={HOME} progress_log={log}{extra}"]]

    def attempt(self, op, attempt):
        """(converged, everything printed); stops at the first failing command."""
        out = []
        env = ansible_env(self.server, ANSIBLE_NOCOLOR="1", ANSIBLE_CONFIG=str(ROOT / "ansible.cfg"))
        for cmd in self.commands(op, attempt):
            with self.lock:
                if self.killed:
                    return False, "\n".join(out)
                self.proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                             text=True, start_new_session=True)
            text, _ = self.proc.communicate()
            out.append(text)
            if self.proc.returncode != 0 or not finished(text, self.driver):
                return False, "\n".join(out)
        return True, "\n".join(out)

    def kill(self):
        """SIGKILL the running command and every process under it: ansible, its workers, the module.

        Ansible's workers call setsid(), so the command's process group is not enough: the tree is
        frozen (SIGSTOP, so no process exits and orphans a child) and collected again until it stops
        growing, then killed.
        """
        with self.lock:
            self.killed = True
            if not self.proc or self.proc.poll() is not None:
                return
            kill_tree(self.proc.pid)


def kill_tree(root):
    """SIGKILL `root` and every process under it, frozen first (SIGSTOP) and collected until the tree stops growing."""
    tree = set()
    while True:
        found = descendants(root) | {root}
        for pid in found - tree:
            signal_quietly(pid, signal.SIGSTOP)
        if found <= tree:
            break
        tree |= found
    for pid in tree:
        signal_quietly(pid, signal.SIGKILL)


def descendants(root):
    """Every process under `root`, from /proc."""
    children = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            pid, rest = stat.read_text().split(" ", 1)
            children.setdefault(int(rest.rsplit(")", 1)[1].split()[1]), []).append(int(pid))
        except (OSError, IndexError, ValueError):
            continue  # the process ended while we looked
    out, todo = set(), [root]
    while todo:
        for child in children.get(todo.pop(), []):
            if child not in out:
                out.add(child)
                todo.append(child)
    return out


def signal_quietly(pid, sig):
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, sig)


def finished(text, driver):
    """Whether a command's output says every selected VM is done."""
    if driver == "playbook":
        return "failed=0" in text and "unreachable=0" in text
    match = re.search(r"=> (\{.*\})\s*$", text, re.DOTALL)
    if not match:
        return False
    result = json.loads(match.group(1))
    summary = result.get("summary")
    return summary is None or (summary["failed"] == 0 and summary["refused"] == 0)


def reported_points(texts, pages):
    """{VM name: the epoch second its data was reported as of}, from the module results in `texts` (driver
    module) and the HTML reports `pages` (driver playbook); a VM found already moved reports none."""
    found = []
    for text in texts:  # each module's answer: `host | STATUS => {` ... a `}` at the start of a line
        for match in re.finditer(r"=> (\{\n.*?\n\})", text, re.DOTALL):
            found += [(vm["name"], vm.get("data_as_of")) for vm in json.loads(match.group(1)).get("vms", [])
                      if not vm.get("failed")]
    for page in pages:  # the VM table: its name first, its data's point in time in the ninth column
        for row in re.findall(r"<tr>(<td>.*?)</tr>", page):
            cells = [html.unescape(c) for c in re.findall(r"<td[^>]*>(.*?)</td>", row)]
            found += [(cells[0], cells[8])] if len(cells) > 8 else []
    return {name: calendar.timegm(time.strptime(point, "%Y-%m-%dT%H:%M:%SZ")) for name, point in found
            if point and point != "-"}


def errors(text):
    """The distinct errors of the failed VMs in a module's output, or its last lines."""
    found = sorted(set(re.findall(r'"error": "([^"]+)"', text)) | set(re.findall(r'"msg": "([^"]+)"', text)))
    return "; ".join(found)[:800] or text[-400:]


class Run:
    def __init__(self, golden, workdir, seed, index, args):
        self.rng = random.Random(f"{seed}:{index}")
        self.workdir, self.args, self.index = workdir, args, index
        shutil.rmtree(workdir, ignore_errors=True)
        workdir.mkdir(parents=True)
        shutil.copy(golden, workdir / "sim.db")
        self.server = Server(workdir, seed="demo", job_latency=args.job_latency,
                             extra=["--random-seed", str(self.rng.randrange(1 << 30))])
        self.tally = Tally()

    def __call__(self):
        self.server.start()
        try:
            cloud = Cloud(self.server)
            for op, source, state, zone in PHASES:
                plan = Plan.draw(self.rng, op, self.args.duration)
                if op == "failback":
                    self.write_away(cloud)
                before = fingerprint(cloud, source)
                lost = self.lag_replicas(cloud, plan.lag) if plan.lag else {}
                self.server.ctl("fail-zone" if op == "failover" else "recover-zone", zone=HOME)
                if plan.broken is not None:
                    self.replicate_home()
                self.phase(cloud, op, before, state, zone, plan, lost)
        except (Exception, SystemExit) as exc:  # noqa: BLE001  (a harness error is a finding, reported with its run)
            self.tally.violations.append(f"run {self.index}: harness error {type(exc).__name__}: {exc}")
        finally:
            self.server.stop()
        if not self.tally.violations and not self.args.keep:
            shutil.rmtree(self.workdir, ignore_errors=True)
        return self.tally

    def write_away(self, cloud):
        """Owners write in the recovery zone: failback must bring that data home."""
        vms = sorted(protected(cloud, AWAY, markers=False).items())
        for _vm_id, vm in self.rng.sample(vms, min(3, len(vms))):
            self.server.ctl("write-marker", volume=vm["volumes"][0], text=f"{vm['name']}: written in {AWAY}")

    def lag_replicas(self, cloud, lag):
        """The replicas get everything up to now, then run `lag` seconds behind; a few owners write once more,
        and those writes are lost with the zone. {VM name: the storage's time of its lost write}."""
        self.tally.lagged += 1
        for array in SOURCES:
            self.server.ctl("mirror-sync", array=array)
            self.server.ctl("set-replication", array=array, lag_seconds=lag)
        time.sleep(1.1)  # the reports name whole seconds: a write a second after the transfer tells them apart
        vms = sorted(protected(cloud, HOME, markers=False).values(), key=lambda vm: vm["name"])
        lost = {}
        for vm in self.rng.sample(vms, min(3, len(vms))):
            self.server.ctl("write-marker", volume=vm["volumes"][0], text=f"{vm['name']}: written after the transfer")
            lost[vm["name"]] = self.server.ctl("mirror-status", array=SOURCES[0])["asked_at"]
        return lost

    def replicate_home(self):
        """The operator runs the failover again once zone-a is back: the replicas now replicate home, and the mirror
        the failback's final sync needs is there for the breaker to break."""
        accept = {"accept_data_loss": "true"}  # the replicas may lag past the RPO: that loss was accepted before
        done, text = Controller(self.server, self.workdir, self.args.driver, accept).attempt("failover", 0)
        if not done:
            self.tally.violations.append(f"run {self.index}: the failover run again did not finish: {errors(text)}")

    def breaker(self, after):
        """The mirrors home break mid-failback (only those still replicating: a promoted one is not touched)."""
        time.sleep(after)
        for array in REPLICAS:
            with contextlib.suppress(SystemExit, OSError):
                status = self.server.ctl("mirror-status", array=array)
                if status["role"] == "source" and status["state"] == "mirrored":
                    self.server.ctl("mirror-break", array=array)
                    self.tally.mirrors_broken += 1

    def mend(self):
        """The storage admin resumes a broken mirror whose target was never promoted (it is still read-only)."""
        for array in REPLICAS:
            status = self.server.ctl("mirror-status", array=array)
            if status["role"] == "source" and status["state"] == "broken":
                target = self.server.ctl("mirror-status", array=status["peer"])
                if not target["writable"]:
                    self.server.ctl("mirror-resume", array=array)

    def phase(self, cloud, op, before, state, zone, plan, lost):
        fillers = fill_zone(cloud, AWAY, plan.slots) if plan.slots is not None else []
        self.tally.capacity += bool(fillers)
        printed = []
        stale_lock = None  # a killed run's zone lock, which the next attempt breaks as the refusal says
        for attempt in range(1, MAX_ATTEMPTS + 1):
            faults = plan.faults and attempt <= CALM_AFTER
            self.set_faults(faults)
            chaos = plan if attempt == 1 else Plan()
            options = {"accept_data_loss": "true"} if plan.lag and plan.lag > RPO else {}
            if stale_lock:
                options["break_lock"] = stale_lock
                self.tally.locks_broken += 1
            if chaos.slow_sync:  # the storage takes 5 s to sync, the move 1 s (+2 s): its VMs stop before any import
                self.server.ctl("faults", sync_seconds=5)
                options["sync_timeout"] = 1
                self.tally.slow_syncs += 1
            done, text = self.attempt(op, attempt, chaos, faults, options)
            self.server.ctl("faults", sync_seconds=0)
            if plan.broken and not done:
                self.mend()
            (self.workdir / f"{op}-{attempt}.out").write_text(text)
            printed.append(text)
            refused = LOCKED.search(text)
            stale_lock = refused.group(1) if refused and not done else None
            if fillers and not done:  # the capacity comes back (the admin frees hosts), then a re-run finishes
                self.expect_reason(text, attempt, chaos)
                self.set_faults(False)
                free_zone(cloud, fillers)
                fillers = []
            if done:
                self.tally.calmed += plan.faults and attempt > CALM_AFTER
                break
        else:
            self.tally.unconverged += 1
            self.tally.violations.append(f"run {self.index} {op}: did not converge in {MAX_ATTEMPTS} attempts "
                                         f"({plan}): {errors(printed[-1])}")
            return
        self.set_faults(False)
        named = "\n".join(printed) + "".join(p.read_text() for p in self.workdir.glob(f"{op}-*.html"))
        for broken in check(cloud, before, zone, state, set(UUID.findall(named))):
            self.tally.violations.append(f"run {self.index} {op} ({plan}): {broken}")
        points = reported_points(printed, [p.read_text() for p in sorted(self.workdir.glob(f"{op}-*.html"))])
        for name, lost_at in lost.items():  # what a VM is reported to hold must not postdate a write it lost
            if points.get(name) is not None and points[name] > lost_at:
                self.tally.violations.append(f"run {self.index} {op} ({plan}): {name} is reported with data as of "
                                             f"{points[name]}, after its write at {lost_at:.0f} that was lost")

    def expect_reason(self, text, attempt, chaos):
        """A VM the full zone could not start is reported failed with the reason."""
        if chaos.kill is None and chaos.restart is None and "Unable to create a deployment" not in text:
            self.tally.violations.append(f"run {self.index} attempt {attempt}: no capacity reason in {text[-600:]}")

    def attempt(self, op, attempt, plan, faults, options):
        controller = Controller(self.server, self.workdir, self.args.driver, options)
        timers = []
        if plan.broken is not None:
            timers.append(threading.Thread(target=self.breaker, args=(plan.broken,), daemon=True))
        if plan.kill:
            timers.append(threading.Thread(target=self.killer, args=(controller, op, plan), daemon=True))
        if plan.restart is not None:
            timers.append(threading.Thread(target=self.restarter, args=(plan.restart, faults), daemon=True))
        progress = self.workdir / f"{op}.progress"
        progress.unlink(missing_ok=True)
        for t in timers:
            t.start()
        done, text = controller.attempt(op, attempt)
        controller.killed = True  # a late killer finds nothing to kill
        for t in timers:
            t.join()
        self.tally.attempts += 1
        self.count_faults()
        return done and not controller.killed_at, text

    def killer(self, controller, op, plan):
        progress = self.workdir / f"{op}.progress"
        kind, _, value = plan.kill.partition("=")
        deadline = time.monotonic() + (float(value) if kind == "t" else self.args.duration * 3)
        while time.monotonic() < deadline and not controller.killed:
            if kind == "after" and progress.exists() and f" {value}: " in progress.read_text():
                time.sleep(plan.delay)
                break
            time.sleep(0.02)
        if controller.proc is None or controller.killed:
            return
        controller.kill()
        controller.killed_at = self.landing(progress)
        self.tally.kills += 1
        self.tally.landed[controller.killed_at] = self.tally.landed.get(controller.killed_at, 0) + 1
        self.tally.kills_mid_swap += self.mid_swap()

    def landing(self, progress):
        """The step the kill landed in: the one after the last the progress log finished."""
        ended = STEP_ENDED.findall(progress.read_text()) if progress.exists() else []
        if not ended:
            return "before-steps"
        return STEPS[STEPS.index(ended[-1]) + 1] if ended[-1] != STEPS[-1] else "after-steps"

    def mid_swap(self):
        """1 when a VM was left with a swap journal: the kill fell between the calls of a UUID swap."""
        try:
            return int(any(d.get("dr.swap", "none") != "none" for d in Cloud(self.server).vm_details().values()))
        except Exception:  # noqa: BLE001  (the simulator may be restarting)
            return 0

    def restarter(self, after, faults):
        time.sleep(after)
        self.count_faults()
        self.server.restart()
        self.tally.restarts += 1
        self.set_faults(faults)

    def set_faults(self, on):
        self.server.ctl("faults", **(FAULTS if on else NO_FAULTS))

    def count_faults(self):
        try:
            counts = self.server.ctl("fault-counts", reset=True)
        except (SystemExit, OSError):  # the simulator is restarting: counted at its next stop
            return
        for k, v in counts.items():
            self.tally.faults[k] = self.tally.faults.get(k, 0) + v


def table(tally, runs, seconds, args):
    faults = sum(tally.faults.values())
    rows = [
        ("runs", runs), ("VMs per run", args.vms + 3), ("driver", args.driver), ("wall seconds", round(seconds)),
        ("controller kills", tally.kills), ("  of which inside a UUID swap", tally.kills_mid_swap),
        ("  steps killed in", ", ".join(f"{k} {v}" for k, v in sorted(tally.landed.items()))),
        ("faults injected", f"{faults} ({', '.join(f'{k} {v}' for k, v in sorted(tally.faults.items()))})"),
        ("simulator restarts", tally.restarts), ("recovery zone full", tally.capacity),
        ("lagging replicas (failovers)", tally.lagged), ("mirrors broken mid-failback", tally.mirrors_broken),
        ("slow storage syncs", tally.slow_syncs), ("locks of killed runs broken", tally.locks_broken),
        ("attempts (runs + re-runs)", tally.attempts), ("converged only with faults off", tally.calmed),
        ("did not converge", tally.unconverged), ("invariant violations", len(tally.violations)),
    ]
    width = max(len(k) for k, _ in rows)
    return "\n".join(f"| {k:<{width}} | {v} |" for k, v in rows)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--seed", type=int, default=None, help="default: a random one, printed")
    parser.add_argument("--vms", type=int, default=50, help="tenant VMs besides the demo's 3 DR VMs")
    parser.add_argument("--job-latency", type=float, default=0.05)
    parser.add_argument("--parallel", type=int, default=2)
    parser.add_argument("--driver", choices=["module", "playbook"], default="module")
    parser.add_argument("--duration", type=float, default=8.0, help="a phase's usual length: kills fall in it")
    parser.add_argument("--dir", default=str(ROOT / "build" / "chaos"))
    parser.add_argument("--keep", action="store_true", help="keep every run's directory")
    args = parser.parse_args(argv)
    seed = args.seed if args.seed is not None else random.randrange(1 << 31)
    print(f"chaos: seed {seed}, {args.runs} runs, {args.vms} tenant VMs, job latency {args.job_latency}s, "
          f"{args.parallel} in parallel, driver {args.driver} (re-run: --seed {seed})", flush=True)
    began = time.monotonic()
    workdir = Path(args.dir)
    golden = build_golden(workdir / "golden", args.vms, args.job_latency)
    total = Tally()
    with ThreadPoolExecutor(args.parallel) as pool:
        runs = [Run(golden, workdir / f"run-{k:04d}", seed, k, args) for k in range(args.runs)]
        for k, tally in enumerate(pool.map(lambda r: r(), runs)):
            total.add(tally)
            print(f"run {k}: kills {tally.kills} (landed {tally.landed}), restarts {tally.restarts}, "
                  f"attempts {tally.attempts}, violations {len(tally.violations)}", flush=True)
    for line in total.violations:
        print("VIOLATION", line)
    print(table(total, args.runs, time.monotonic() - began, args))
    return 1 if total.violations else 0


if __name__ == "__main__":
    sys.exit(main())
