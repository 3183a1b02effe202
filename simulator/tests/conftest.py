"""Fixtures: a simulator process per test module, and real `cs` clients whose every answer is
checked against the spec (the conformance check rides on the clients' requests session)."""

import os
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import cs
import pytest
import requests

from simulator import testing

from .conformance import check_answer

ROOT = Path(__file__).resolve().parents[2]


class _CheckedSession(requests.Session):
    """A session that hands every answer to `check`. `cs` sends prepared requests (Session.send), which run only
    the hooks of the request itself, never the session's: a session response hook would never be called."""

    def __init__(self, check):
        super().__init__()
        self._check = check

    def send(self, request, **kwargs):
        response = super().send(request, **kwargs)
        self._check(response)
        return response


class Server(testing.Server):
    """The test harness's simulator, whose cs clients check every answer against the spec."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.violations = []

    def client(self, name="cloudstack", **kwargs):
        conf = self.section(name)
        session = _CheckedSession(self._conform)
        opts = {"endpoint": conf["endpoint"], "key": conf["key"], "secret": conf["secret"], "method": "post",
                "session": session, "poll_interval": 0.05, "job_timeout": 60}
        opts.update(kwargs)
        return cs.CloudStack(**opts)

    def _conform(self, response):
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
