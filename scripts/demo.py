"""`make demo`: start the simulator with the demo seed, configure DR, show the result, stop it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from simhost import ROOT, ansible_env, running

BIN = Path(sys.executable).parent


def main() -> int:
    with running(ROOT / "build" / "demo", seed="demo") as sim:
        print(f"simulator listening on 127.0.0.1:{sim.port} (credentials: {sim.ini})", flush=True)
        steps = [[str(BIN / "ansible-playbook"), "playbooks/configure.yml", "--diff"],
                 [sys.executable, "scripts/show_links.py"]]
        for step in steps:
            code = subprocess.call(step, env=ansible_env(sim), cwd=ROOT)
            if code:
                return code
    return 0


if __name__ == "__main__":
    sys.exit(main())
