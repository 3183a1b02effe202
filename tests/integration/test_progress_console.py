"""A move's console (issue 14): the move runs in the background and the play prints a line from its progress file
every few seconds until it ends, then its report; counts in the file add up at the end."""

import re

from .conftest import ROOT, playbook
from .engine.conftest import protected_cloud

INVENTORY = str(ROOT / "inventory" / "demo.cloudstack.dr.vms.yml")


def test_the_console_follows_a_slow_failover_step_by_step(tmp_path):
    with protected_cloud(tmp_path) as (server, _, _):
        server.ctl("fail-zone", zone="zone-a")
        server.ctl("faults", job_latency=0.5)  # each async job takes half a second: the move lasts a while
        env = {"CLOUDSTACK_CONFIG": str(server.ini), "PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}
        proc = playbook(ROOT / "playbooks" / "failover.yml", env, "-i", INVENTORY, "-e", "move_zone=zone-a",
                        "-e", f"move_report_dir={tmp_path}")
        assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr
        shown = re.findall(r'"msg": "[0-9-]+ [0-9:]+ failover (tier 1 step \d+/10 \w+[^"]*)"', proc.stdout)
        assert len(shown) >= 2 and all("left" in line for line in shown), proc.stdout[-3000:]
        assert "tier 1: 3 of 3 VMs done, 0 failed" in proc.stdout
        [log] = tmp_path.glob("dr-progress-failover-zone-a-*.log")
        assert "step 10/10 finish: 3 done (0 earlier), 0 failed, 0 pending of 3 VMs" in log.read_text()
