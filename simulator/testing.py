"""Run a simulator in a subprocess for tests and scripts: start, restart, stop, ctl, ini sections."""

import configparser
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

from .cli import ctl_request

ROOT = Path(__file__).resolve().parents[1]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """A simulator subprocess on a free 127.0.0.1 port; restart() keeps its database."""

    def __init__(self, tmp, seed="demo", job_latency=0.0, extra=()):
        self.tmp = Path(tmp)
        self.ini = self.tmp / "cloudstack.ini"
        self.db = self.tmp / "sim.db"
        self.seed, self.job_latency, self.extra = seed, job_latency, list(extra)
        self.port = free_port()
        self.proc = None

    def start(self, timeout=60):
        if self.ini.exists():
            self.ini.unlink()
        cmd = [sys.executable, "-m", "simulator", "serve", "--port", str(self.port), "--db", str(self.db),
               "--seed", self.seed, "--job-latency", str(self.job_latency), "--credentials-out", str(self.ini),
               "--random-seed", "7", *self.extra]
        self.proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL)
        deadline = time.monotonic() + timeout
        while not self.ini.exists():
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"simulator did not start: {' '.join(cmd)}")
            time.sleep(0.05)
        return self

    def stop(self, sig=signal.SIGTERM):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def restart(self):
        self.stop()
        return self.start()

    def section(self, name="cloudstack"):
        ini = configparser.ConfigParser()
        ini.read(self.ini)
        return ini[name]

    def ctl(self, op, **args):
        return ctl_request(self.ini, op, args)
