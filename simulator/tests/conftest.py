"""Fixtures: a simulator process per test module, and real `cs` clients whose every answer is
checked against the spec (the conformance check rides on a requests response hook)."""

import configparser
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import cs
import pytest
import requests

from simulator.cli import ctl_request

from .conformance import check_answer

ROOT = Path(__file__).resolve().parents[2]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """A simulator subprocess; restart() keeps its database."""

    def __init__(self, tmp, seed="demo", job_latency=0.0, extra=()):
        self.tmp = Path(tmp)
        self.ini = self.tmp / "cloudstack.ini"
        self.db = self.tmp / "sim.db"
        self.seed, self.job_latency, self.extra = seed, job_latency, list(extra)
        self.port = free_port()
        self.proc = None
        self.violations = []

    def start(self):
        if self.ini.exists():
            self.ini.unlink()
        cmd = [sys.executable, "-m", "simulator", "serve", "--port", str(self.port), "--db", str(self.db),
               "--seed", self.seed, "--job-latency", str(self.job_latency), "--credentials-out", str(self.ini),
               "--random-seed", "7", *self.extra]
        self.proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL)
        deadline = time.monotonic() + 30
        while not self.ini.exists():
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"simulator did not start: {cmd}")
            time.sleep(0.05)
        return self

    def stop(self, sig=signal.SIGTERM):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(sig)
            self.proc.wait(timeout=20)

    def restart(self):
        self.stop()
        return self.start()

    def section(self, name="cloudstack"):
        ini = configparser.ConfigParser()
        ini.read(self.ini)
        return ini[name]

    def client(self, name="cloudstack", **kwargs):
        conf = self.section(name)
        session = requests.Session()
        session.hooks["response"].append(self._conform)
        opts = {"endpoint": conf["endpoint"], "key": conf["key"], "secret": conf["secret"], "method": "post",
                "session": session, "poll_interval": 0.05, "job_timeout": 60}
        opts.update(kwargs)
        return cs.CloudStack(**opts)

    def ctl(self, op, **args):
        return ctl_request(self.ini, op, args)

    def _conform(self, response, *args, **kwargs):
        req = response.request
        params = dict(parse_qsl(urlsplit(req.url).query))
        if req.body:
            body = req.body.decode() if isinstance(req.body, bytes) else req.body
            params.update(parse_qsl(body))
        try:
            payload = response.json()
        except ValueError:
            self.violations.append(f"{params.get('command')}: answer is not JSON")
            return
        self.violations.extend(check_answer(params.get("command"), payload, response.status_code))


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    srv = Server(tmp_path_factory.mktemp("sim")).start()
    yield srv
    srv.stop()
    assert not srv.violations, "answers that break the spec:\n" + "\n".join(srv.violations)


@pytest.fixture(scope="module")
def admin(server):
    return server.client()


@pytest.fixture(scope="module")
def acme(server):
    return server.client("acme")


@pytest.fixture(scope="module")
def globex(server):
    return server.client("globex")


@pytest.fixture(autouse=True)
def _no_proxy(monkeypatch):
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    os.environ.pop("CLOUDSTACK_CONFIG", None)
