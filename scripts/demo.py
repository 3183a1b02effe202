"""`make demo`: the whole DR cycle on a fresh simulator, then the report.

configure -> prepare -> status -> zone-a fails -> failover -> the owner writes data in zone-b ->
zone-a recovers -> failback -> status, with the data written in zone-b read back at home -> clean-up of what
the cycle left behind.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import cs
from simhost import ROOT, ansible_env, running

BIN = Path(sys.executable).parent
OUT = ROOT / "build" / "demo"
INVENTORY = "inventory/demo.cloudstack.dr.vms.yml"
WATCHED = "acme-web-1"  # the VM whose data the demo follows through the cycle
REPLICATION_LAG = 5  # seconds the demo's storage mirrors lag behind their sources (asynchronous replication)


def playbook(path, *extra):
    return [str(BIN / "ansible-playbook"), path, *extra]


def banner(text):
    print(f"\n==== {text} " + "=" * max(0, 90 - len(text)), flush=True)


def root_volume(sim):
    """The root volume of WATCHED as its owner sees it now (whichever zone it runs in)."""
    conf = sim.section("acme")
    acme = cs.CloudStack(endpoint=conf["endpoint"], key=conf["key"], secret=conf["secret"])
    vm = next(v for v in acme.listVirtualMachines(fetch_list=True) if v["name"] == WATCHED)
    root = next(v for v in acme.listVolumes(virtualmachineid=vm["id"], fetch_list=True) if v["type"] == "ROOT")
    return vm, root


def main() -> int:
    # The storage mirrors run REPLICATION_LAG seconds behind, as real asynchronous replication does.
    with running(OUT, extra=("--replication-lag", str(REPLICATION_LAG))) as sim:
        env = ansible_env(sim)
        print(f"simulator listening on 127.0.0.1:{sim.port} (credentials: {sim.ini})", flush=True)
        steps = [
            ("configure DR: zone links, DR offerings, storage maps",
             playbook("playbooks/configure.yml", "-e", "dr_config=playbooks/vars/demo.yml")),
            ("prepare every DR-protected VM", playbook("playbooks/prepare.yml", "-i", INVENTORY)),
            ("DR status", playbook("playbooks/status.yml")),
            ("zone-a is lost", lambda: sim.ctl("fail-zone", zone="zone-a")),
            ("failover of zone-a", playbook("playbooks/failover.yml", "-i", INVENTORY, "-e", "move_zone=zone-a",
                                            "-e", f"move_report={OUT / 'failover-report.html'}",
                                            "-e", f"move_progress_log={OUT / 'failover-progress.log'}")),
            (f"the owner of {WATCHED} writes data in zone-b", lambda: write_in_recovery_zone(sim)),
            ("zone-a is back", lambda: sim.ctl("recover-zone", zone="zone-a")),
            ("failback to zone-a", playbook("playbooks/failback.yml", "-i", INVENTORY, "-e", "move_zone=zone-a",
                                            "-e", f"move_report={OUT / 'failback-report.html'}",
                                            "-e", f"move_progress_log={OUT / 'failback-progress.log'}")),
            ("DR status", playbook("playbooks/status.yml")),
            (f"{WATCHED}'s data came home", lambda: show_data(sim)),
            ("clean up what the cycle left behind", playbook("playbooks/cleanup.yml", "-e", "cleanup_zone=zone-a",
                                                            "-e", "cleanup_confirm=zone-a")),
        ]
        for title, step in steps:
            banner(title)
            if callable(step):
                step()
            elif subprocess.call(step, env=env, cwd=ROOT):
                return 1
        banner("reports")
        for name in ("failover-report.html", "failback-report.html"):
            print(f"  {OUT / name}")
    return 0


def write_in_recovery_zone(sim):
    vm, root = root_volume(sim)
    text = f"{WATCHED}: written in {vm['zonename']} after the failover"
    sim.ctl("write-marker", volume=root["id"], text=text)
    print(f"  {WATCHED} ({vm['id']}) runs in {vm['zonename']}; wrote {text!r} on its root volume")


def show_data(sim):
    vm, root = root_volume(sim)
    marker = sim.ctl("read-marker", volume=root["id"])["marker"]
    print(f"  {WATCHED} ({vm['id']}) runs in {vm['zonename']}; its root volume holds {marker!r}")


if __name__ == "__main__":
    sys.exit(main())
