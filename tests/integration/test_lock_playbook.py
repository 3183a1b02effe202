"""A failover interrupted in the middle (issue 14), through the playbook that runs the move in the background.

- Ctrl-C (the play is killed, the move in the background is not): the move notices that nobody follows it any
  more and stops at its next step boundary, giving its zone's lock back; the same command finishes it.
- The controller dies with the move (both killed): its zone's lock stays, so the next run is refused naming the
  holder and how to break it; broken, the run finishes the move the dead one began."""

import re
import subprocess
import time
from pathlib import Path

from ..chaos.harness import kill_tree
from .conftest import BIN, ROOT, playbook
from .engine.conftest import protected_cloud

INVENTORY = str(ROOT / "inventory" / "demo.cloudstack.dr.vms.yml")


def start_failover(server, tmp_path, *extra):
    """The failover playbook, started and killed once its move has recorded the volumes (slow jobs)."""
    env = {"CLOUDSTACK_CONFIG": str(server.ini), "PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}
    args = ["-i", INVENTORY, "-e", "move_zone=zone-a", "-e", f"move_report_dir={tmp_path}", *extra]
    server.ctl("fail-zone", zone="zone-a")
    server.ctl("faults", job_latency=2)  # the move lasts about 40 s: longer than the heartbeat timeout below
    proc = subprocess.Popen([str(BIN / "ansible-playbook"), str(ROOT / "playbooks" / "failover.yml"), *args],
                            env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait_for(tmp_path, "step 3/", proc)
    kill_tree(proc.pid)  # the play dies (Ansible's workers are in their own sessions: the whole tree)
    proc.wait()
    return env, args


def wait_for(tmp_path, text, proc=None, seconds=120):
    deadline = time.time() + seconds
    while not any(text in p.read_text() for p in tmp_path.glob("dr-progress-*.log")):
        assert (proc is None or proc.poll() is None) and time.time() < deadline, f"no {text!r} in the progress file"
        time.sleep(0.2)


def background_jobs(home):
    """The pids of the move running in the background: its async wrappers (their command line names the job id of
    a file in ~/.ansible_async) and the module they run (from ~/.ansible/tmp, which a wrapper killed first may have
    left to init)."""
    marks = [f.name for f in (Path(home) / ".ansible_async").glob("j*")] + [f"{home}/.ansible/tmp/"]
    pids = []
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            if any(mark in cmdline.read_text() for mark in marks):
                pids.append(int(cmdline.parent.name))
        except OSError:
            continue
    return pids


def locks(api):
    return [g for g in api.list("listAffinityGroups", listall=True) if g["name"].startswith("cloudstack-dr-lock-")]


def test_ctrl_c_stops_the_move_at_its_next_step_and_the_same_command_finishes_it(tmp_path):
    with protected_cloud(tmp_path) as (server, api, _):
        env, args = start_failover(server, tmp_path, "-e", "move_heartbeat_seconds=15")
        wait_for(tmp_path, "finished: 0 done, 3 failed")  # nobody follows: it stops, within seconds
        log = next(tmp_path.glob("dr-progress-*.log")).read_text()
        assert "step 10/10 finish: 0 done (0 earlier), 3 failed, 0 pending of 3 VMs" in log, log
        deadline = time.time() + 30
        while locks(api):  # given back when it stopped (its delete is an async job of the slow cloud)
            assert time.time() < deadline, locks(api)
            time.sleep(0.5)
        moving = api.list("listResourceDetails", resourcetype="UserVm", key="dr.status", value="FailingOver",
                          fordisplay=False)
        assert len(moving) == 3, moving  # left moving for the re-run, journal and all
        server.ctl("faults", job_latency=0)
        done = playbook(ROOT / "playbooks" / "failover.yml", env, *args)
        assert done.returncode == 0 and "tier 1: 3 of 3 VMs done, 0 failed" in done.stdout, done.stdout[-3000:]


def test_a_dead_controllers_lock_refuses_the_next_run_until_broken(tmp_path):
    with protected_cloud(tmp_path) as (server, api, _):
        env, args = start_failover(server, tmp_path)
        for _ in range(5):  # the machine died: the move in the background with it
            for pid in background_jobs(tmp_path):
                kill_tree(pid)
            time.sleep(0.5)
        assert background_jobs(tmp_path) == []
        server.ctl("faults", job_latency=0)
        assert locks(api)

        refused = playbook(ROOT / "playbooks" / "failover.yml", env, *args)
        assert refused.returncode != 0 and "zone zone-a is locked by another DR run: failover of zone zone-a by " \
            in refused.stdout, refused.stdout[-3000:]
        lock_id = re.search(r"-e move_break_lock=([0-9a-f-]{36})", refused.stdout).group(1)

        done = playbook(ROOT / "playbooks" / "failover.yml", env, *args, "-e", f"move_break_lock={lock_id}")
        assert done.returncode == 0 and "tier 1: 3 of 3 VMs done, 0 failed" in done.stdout, done.stdout[-3000:]
        assert not locks(api)
