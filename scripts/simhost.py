"""Run the CloudStack simulator for as long as a command, the demo or a test session needs it.

    python scripts/simhost.py [--dir DIR] [--seed demo|empty] -- COMMAND...

starts the simulator (simulator.testing.Server: a free 127.0.0.1 port, bounded wait for its
credentials file) with a fresh database in DIR, runs COMMAND with CLOUDSTACK_CONFIG pointing at
that file, and stops the simulator whatever happens.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # the simulator package, as `python -m simulator` finds it

from simulator.testing import Server  # noqa: E402 (importable once the path is set)


@contextmanager
def running(workdir, seed: str = "demo", extra=()):
    """A started simulator with a fresh database under `workdir` (`extra`: more `serve` options); stopped on exit."""
    server = Server(Path(workdir).resolve(), seed=seed, extra=extra)
    server.tmp.mkdir(parents=True, exist_ok=True)
    server.db.unlink(missing_ok=True)
    server.start()
    try:
        yield server
    finally:
        server.stop()


def ansible_env(server, **extra) -> dict:
    """The environment for Ansible: the simulator's cloudstack.ini, no stray CLOUDSTACK_* variable."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("CLOUDSTACK_")}
    env.update(CLOUDSTACK_CONFIG=str(server.ini), **extra)
    return env


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dir", default=str(ROOT / "build" / "simulator"), help="database and credentials file")
    parser.add_argument("--seed", default="demo", choices=["demo", "empty"])
    parser.add_argument("command", nargs=argparse.REMAINDER, help="-- COMMAND ARGS...")
    args = parser.parse_args(argv)
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    if not command:
        parser.error("give the command to run after --")
    with running(args.dir, args.seed) as server:
        print(f"simulator on port {server.port}; CLOUDSTACK_CONFIG={server.ini}", flush=True)
        return subprocess.call(command, env=ansible_env(server))


if __name__ == "__main__":
    sys.exit(main())
