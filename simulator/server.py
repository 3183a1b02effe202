"""The HTTP front: CloudStack's /client/api endpoint and the simulator's control endpoint.

A small asyncio HTTP/1.1 server (keep-alive, GET and form POST) so one process answers
thousands of calls a second; API work itself is synchronous and in memory.
"""

import asyncio
import json
import signal
from urllib.parse import parse_qsl, urlsplit

from . import auth, control, errors
from .errors import ApiError

BAD_CREDENTIALS = "unable to verify user credentials and/or request signature"
JSON_TYPE = "application/json;charset=UTF-8"
REASONS = {200: "OK", 401: "Unauthorized", 404: "Not Found", 405: "Method Not Allowed"}


def first_values(query):
    """Servlet getParameter semantics: the first value of each name wins."""
    params = {}
    for name, value in parse_qsl(query, keep_blank_values=True):
        params.setdefault(name, value)
    return params


class ApiServer:
    def __init__(self, sim, host="127.0.0.1", port=8080):
        self.sim = sim
        self.host = host
        self.port = port
        self.server = None
        self.connections = set()  # open client writers, closed on shutdown so keep-alive cannot hold it

    # -- CloudStack API ---------------------------------------------------------------------
    def answer_api(self, params):
        """(status, body) for one /client/api request."""
        command_name = params.get("command")
        command = self.sim.spec.get(command_name) if command_name else None
        response_name = command.response_name if command else "errorresponse"
        try:
            caller = self.authenticate(command_name, params)
            name, body = self.sim.call(caller, command_name, params)
            return 200, {name: body}
        except ApiError as exc:
            name = "errorresponse" if exc.errorcode == errors.UNSUPPORTED_ACTION else response_name
            return exc.errorcode, {name: exc.body()}

    def authenticate(self, command_name, params):
        apikey = next((v for k, v in params.items() if k.lower() == "apikey"), None)
        caller = self.sim.caller_for_key(apikey) if apikey and command_name else None
        if caller is None:
            raise ApiError(errors.UNAUTHORIZED, BAD_CREDENTIALS, cserrorcode=None)
        self.sim.check_available(caller, command_name)
        if not auth.verify(params, caller.user["secretkey"]):
            raise ApiError(errors.UNAUTHORIZED, BAD_CREDENTIALS, cserrorcode=None)
        return caller

    # -- HTTP -------------------------------------------------------------------------------
    async def handle(self, reader, writer):
        self.connections.add(writer)
        try:
            while True:
                request = await self._read_request(reader)
                if request is None:
                    break
                method, target, headers, body = request
                keep = await self._respond(writer, method, target, headers, body)
                await writer.drain()
                if not keep:
                    break
        except (ConnectionError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, asyncio.CancelledError):
            pass  # the client went away, or the server is stopping
        finally:
            self.connections.discard(writer)
            writer.close()

    async def _read_request(self, reader):
        try:
            head = await reader.readuntil(b"\r\n\r\n")
        except asyncio.IncompleteReadError:
            return None
        lines = head.decode("latin-1").split("\r\n")
        method, target, _ = lines[0].split(" ", 2)
        headers = {}
        for line in lines[1:]:
            if ":" in line:
                k, v = line.split(":", 1)
                headers[k.strip().lower()] = v.strip()
        length = int(headers.get("content-length") or 0)
        body = await reader.readexactly(length) if length else b""
        return method, target, headers, body

    async def _respond(self, writer, method, target, headers, body):
        url = urlsplit(target)
        faults = self.sim.faults
        if url.path == "/client/api":
            if faults["drop_rate"] and self.sim.random.random() < faults["drop_rate"]:
                self.sim.count_fault("dropped")
                return False  # a dropped connection: no answer at all
            delay = self.sim.api_latency
            if faults["slow_rate"] and self.sim.random.random() < faults["slow_rate"]:
                delay += faults["slow_seconds"]
                self.sim.count_fault("slow")
            if delay:
                await asyncio.sleep(delay)
            params = first_values(url.query)
            if method == "POST":
                params.update(first_values(body.decode("utf-8")))
            elif method != "GET":
                return self._write(writer, 405, {"error": "method not allowed"}, headers)
            status, payload = self.answer_api(params)
        elif url.path == control.PATH and method == "POST":
            status, payload = control.answer(self.sim, headers, body)
        else:
            status, payload = 404, {"error": f"no such path {url.path}"}
        return self._write(writer, status, payload, headers)

    def _write(self, writer, status, payload, headers):
        data = json.dumps(payload, separators=(",", ":")).encode()
        keep = headers.get("connection", "").lower() != "close"
        head = (
            f"HTTP/1.1 {status} {REASONS.get(status, 'Error')}\r\nContent-Type: {JSON_TYPE}\r\n"
            f"Content-Length: {len(data)}\r\nConnection: {'keep-alive' if keep else 'close'}\r\n\r\n"
        )
        writer.write(head.encode() + data)
        return keep

    async def serve(self, ready=None):
        self.server = await asyncio.start_server(self.handle, self.host, self.port, limit=1 << 22, backlog=1024)
        self.port = self.server.sockets[0].getsockname()[1]
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
        if ready:
            ready(self.port)
        await stop.wait()
        self.server.close()
        for writer in list(self.connections):
            writer.close()
        await self.server.wait_closed()
        self.sim.close()
