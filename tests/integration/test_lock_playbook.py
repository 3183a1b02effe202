"""A failover killed in the middle (issue 14): its zone's lock stays, so the next run is refused naming the
holder and how to break it; broken, the run finishes the move the killed one began."""

import re
import subprocess
import time

from ..chaos.harness import kill_tree
from .conftest import BIN, ROOT, playbook
from .engine.conftest import protected_cloud

INVENTORY = str(ROOT / "inventory" / "demo.cloudstack.dr.vms.yml")


def test_a_killed_failover_leaves_its_lock_and_a_rerun_breaks_it_and_finishes(tmp_path):
    with protected_cloud(tmp_path) as (server, api, _):
        env = {"CLOUDSTACK_CONFIG": str(server.ini), "PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}
        args = ["-i", INVENTORY, "-e", "move_zone=zone-a", "-e", f"move_report_dir={tmp_path}"]
        server.ctl("fail-zone", zone="zone-a")
        server.ctl("faults", job_latency=1)
        proc = subprocess.Popen([str(BIN / "ansible-playbook"), str(ROOT / "playbooks" / "failover.yml"), *args],
                                env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                start_new_session=True)
        deadline = time.time() + 120
        while not any("step 3/" in p.read_text() for p in tmp_path.glob("dr-progress-*.log")):
            assert proc.poll() is None and time.time() < deadline, "the failover ended before it could be killed"
            time.sleep(0.2)
        kill_tree(proc.pid)  # the controller dies mid-move (Ansible's workers are in their own sessions)
        proc.wait()
        server.ctl("faults", job_latency=0)

        refused = playbook(ROOT / "playbooks" / "failover.yml", env, *args)
        assert refused.returncode != 0 and "zone zone-a is locked by another DR run: failover of zone zone-a by " \
            in refused.stdout, refused.stdout[-3000:]
        lock_id = re.search(r"-e move_break_lock=([0-9a-f-]{36})", refused.stdout).group(1)

        done = playbook(ROOT / "playbooks" / "failover.yml", env, *args, "-e", f"move_break_lock={lock_id}")
        assert done.returncode == 0 and "tier 1: 3 of 3 VMs done, 0 failed" in done.stdout, done.stdout[-3000:]
        assert not [g for g in api.list("listAffinityGroups", listall=True) if g["name"].startswith("cloudstack-dr")]
