# Copyright: cloudstack.dr contributors
# Apache License 2.0 (see LICENSE)
"""The `simulator` adapter: the storage arrays of the CloudStack simulator (simulator/), through its
control surface (POST /simulator/control, signed with the root admin's key).

A device is an array's name. It is an adapter like any storage vendor's: DR does not know it talks
to a simulator, and the simulator's arrays replicate as real ones do (lag, one direction at a time,
read-only replicas until promoted).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from .adapter import AdapterError, OpAdapter

try:
    import requests

    HAS_REQUESTS = True
except ImportError:  # cs needs requests: the module base class reports the missing cs first
    HAS_REQUESTS = False

CONTROL_PATH = "/simulator/control"
# The protocol's operations, as the simulator's control ops name them.
OPS = {"discover": "mirror-list", "status": "mirror-status", "sync": "mirror-sync", "promote": "mirror-promote",
       "demote": "mirror-demote", "reverse": "mirror-reverse", "snapshot_clone": "mirror-clone",
       "delete_clone": "mirror-clone-delete"}
HTTP_TIMEOUT = 30.0
ANSWER_MARGIN = 2.0


def control_url(api_url: str) -> str:
    """The control surface beside a simulator's API URL (http://host:port/client/api)."""
    parts = urlsplit(api_url)
    return urlunsplit((parts.scheme, parts.netloc, CONTROL_PATH, "", ""))


def _as_status(item: Any) -> Any:
    """A simulator mirror status in the protocol's field names: the array is the device (asked_at is the
    simulator's clock, which tests may move)."""
    if not isinstance(item, dict):
        return item
    return {**item, "device": item.get("array")}


class SimulatorAdapter(OpAdapter):
    name = "simulator"

    def __init__(self, url: str, key: str, secret: str) -> None:
        self.url, self.key, self.secret = url, key, secret

    def request(self, op: str, device: str | None, args: dict) -> Any:
        if not HAS_REQUESTS:
            raise AdapterError(self.name, op, device, "the Python library requests is not installed")
        body = json.dumps({"op": OPS[op], "args": {**({"array": device} if device else {}), **args}}).encode()
        signature = base64.b64encode(hmac.new(self.secret.encode(), body, hashlib.sha1).digest()).decode()
        # A sync is bounded by its own timeout (and a moment for the answer to travel).
        timeout = float(args["timeout"]) + ANSWER_MARGIN if args.get("timeout") else HTTP_TIMEOUT
        try:
            answer = requests.post(self.url, data=body, timeout=timeout, headers={
                "Content-Type": "application/json", "X-Simulator-Key": self.key,
                "X-Simulator-Signature": signature})
            payload = answer.json()
        except (requests.RequestException, ValueError) as exc:
            raise AdapterError(self.name, op, device, f"the simulator at {self.url} did not answer: {exc}") from exc
        if answer.status_code != 200:
            raise AdapterError(self.name, op, device, str(payload.get("error") or f"HTTP {answer.status_code}"))
        result = payload.get("result")
        return [_as_status(i) for i in result] if isinstance(result, list) else _as_status(result)
