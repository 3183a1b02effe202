"""The control surface for tests, demos and benchmarks: POST /simulator/control.

The body is JSON ``{"op": NAME, "args": {...}}``; the header ``X-Simulator-Signature`` is the
base64 HMAC-SHA1 of the body under the root admin's secret, and ``X-Simulator-Key`` its api key,
so only the holder of the root admin's credentials can fail zones or inject faults.
The ops themselves register with ``@op(name)`` in the ``ops`` package.
"""

import base64
import hashlib
import hmac
import json
import time

from .errors import ApiError

PATH = "/simulator/control"
OPS = {}


def op(name):
    def register(fn):
        OPS[name] = fn
        return fn

    return register


def body_signature(body, secret):
    return base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha1).digest()).decode()


def answer(sim, headers, body):
    caller = sim.caller_for_key(headers.get("x-simulator-key", ""))
    if caller is None or not caller.is_root or not hmac.compare_digest(
        headers.get("x-simulator-signature", ""), body_signature(body, caller.user["secretkey"])
    ):
        return 401, {"error": "the control surface needs the root admin's key and a valid signature"}
    try:
        request = json.loads(body)
        fn = OPS[request["op"]]
    except (ValueError, KeyError):
        return 400, {"error": f"unknown control request; known ops: {sorted(OPS)}"}
    if request["op"] == "mirror-sync" and float(sim.faults["sync_seconds"]):
        time.sleep(float(sim.faults["sync_seconds"]))  # a slow storage transfer, outside the lock as real ones are
        sim.fault_counts["slow_sync"] = sim.fault_counts.get("slow_sync", 0) + 1
    with sim.lock:
        try:
            return 200, {"result": fn(sim, **request.get("args", {}))}
        except ApiError as exc:
            return 400, {"error": exc.errortext}
        except (TypeError, ValueError, KeyError) as exc:
            return 400, {"error": f"{request['op']}: {exc}"}
        finally:
            sim.store.flush()
