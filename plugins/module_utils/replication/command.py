# Copyright: cloudstack.dr contributors
# Apache License 2.0 (see LICENSE)
"""The `command` adapter: an operator's executable, in any language, spoken to in JSON over stdio.

For each operation the executable is run once with the request on its standard input:

    {"protocol": 1, "op": "status", "device": "pool-a1", "args": {...}, "options": {...}}

and prints one JSON answer on its standard output, then exits 0:

    {"ok": true, "result": {...}}          or          {"ok": false, "error": "why, in the storage's words"}

`options` are the storage map's adapter options (never secrets: the executable reads its own
credentials). A non-zero exit, a timeout or an answer that is not this JSON is an AdapterError
naming the executable and the tail of what it wrote on stderr. docs/adapters.md has the fields of
each operation's `result`.
"""

from __future__ import annotations

import json
import os
import subprocess
from typing import Any

from .adapter import AdapterError, OpAdapter

PROTOCOL = 1
DEFAULT_TIMEOUT = 60.0
STDERR_TAIL = 500


def check_executable(path: str) -> str | None:
    """Why `path` cannot be run as an adapter, or None."""
    if not path or not os.path.isabs(path):
        return f"{path!r} is not an absolute path"
    if not os.path.isfile(path):
        return f"{path} does not exist on the controller"
    if not os.access(path, os.X_OK):
        return f"{path} is not executable (chmod +x it)"
    return None


class CommandAdapter(OpAdapter):
    name = "command"

    def __init__(self, executable: str, options: dict | None = None, timeout: float = DEFAULT_TIMEOUT) -> None:
        self.executable = executable
        self.options = dict(options or {})
        self.timeout = timeout

    def request(self, op: str, device: str | None, args: dict) -> Any:
        # A sync is bounded by its own timeout; the process gets that long and a little more to answer.
        limit = float(args.get("timeout") or 0) + self.timeout
        body = json.dumps({"protocol": PROTOCOL, "op": op, "device": device, "args": args,
                           "options": self.options})
        try:
            proc = subprocess.run([self.executable, op], input=body, capture_output=True, text=True,
                                  timeout=limit, check=False)
        except subprocess.TimeoutExpired as exc:
            raise AdapterError(self.name, op, device, f"{self.executable} did not answer within {limit:.0f} s") \
                from exc
        except OSError as exc:
            raise AdapterError(self.name, op, device, f"{self.executable} could not be run: {exc}") from exc
        stderr = proc.stderr.strip()[-STDERR_TAIL:]
        if proc.returncode != 0:
            raise AdapterError(self.name, op, device,
                               f"{self.executable} exited with {proc.returncode}: {stderr or 'no message'}")
        try:
            answer = json.loads(proc.stdout)
        except ValueError as exc:
            raise AdapterError(self.name, op, device, f"{self.executable} printed no JSON answer "
                               f"({proc.stdout.strip()[:200]!r}); stderr: {stderr or 'empty'}") from exc
        if not isinstance(answer, dict) or "ok" not in answer:
            raise AdapterError(self.name, op, device, f"{self.executable} answered {answer!r}, without ok")
        if not answer["ok"]:
            raise AdapterError(self.name, op, device, str(answer.get("error") or "refused, without a reason"))
        return answer.get("result")
