"""The harness of the Python SDK's tests.

- ``base_url``: the real ``send0-server`` binary of this repository on a free loopback port, started
  once per session (``--port 0 --ready-file …``) with a short delivery retry schedule.
- ``client``: a :class:`send0.Send0` for it.
- ``receiver``: a threaded webhook receiver that records raw bodies and headers and answers scripted
  statuses.
- ``scripted``: a tiny HTTP server whose replies each test scripts (status, headers, body, delay,
  closing the connection without an answer, or forwarding to the real server) for fault injection.

Helpers live here too; the test modules import them with ``from conftest import …``.
"""

from __future__ import annotations

import http.client
import http.server
import json
import os
import select
import socket
import subprocess
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional, Tuple, Union, cast
from urllib.parse import urlsplit

import httpx
import pytest

import send0

TESTS_DIR = Path(__file__).resolve().parent
REPO_ROOT = TESTS_DIR.parent.parent
SERVER_BIN = REPO_ROOT / "target" / "debug" / "send0-server"
FIXTURES_DIR = REPO_ROOT / "tests" / "fixtures" / "webhooks"

API_KEY = "sk_test_send0_local"
"""The key the local server accepts when it is started without ``--keys``/``--api-key``."""

DEFAULT_TIMEOUT = 60.0
"""pytest-timeout seconds for tests that carry no ``timeout`` mark of their own."""


def pytest_collection_modifyitems(items: List[pytest.Item]) -> None:
    # Nothing in this suite may hang forever: tests without a mark of their own get a default one.
    for item in items:
        if item.get_closest_marker("timeout") is None:
            item.add_marker(pytest.mark.timeout(DEFAULT_TIMEOUT))


# --------------------------------------------------------------------------------------------------
# The local server


class LocalServer:
    """A running ``send0-server`` process."""

    def __init__(self, process: "subprocess.Popen[bytes]", url: str, log: Path) -> None:
        self.process = process
        self.url = url
        self.log = log

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait(timeout=10)

    def emit(self, event_type: str, data: Optional[Dict[str, Any]] = None, *, key: str = API_KEY) -> Dict[str, Any]:
        """``POST /v1/events`` (the local server's extension): emits an event to every matching endpoint."""
        body: Dict[str, Any] = {"type": event_type}
        if data is not None:
            body["data"] = data
        response = httpx.post(
            f"{self.url}/v1/events", json=body, headers={"authorization": f"Bearer {key}"}, timeout=10
        )
        assert response.status_code == 202, response.text
        result: Dict[str, Any] = response.json()
        return result


def start_server(workdir: Path, *args: str, startup_timeout: float = 30.0) -> LocalServer:
    """Starts the repository's ``send0-server`` binary with ``args`` plus ``--port 0 --ready-file …``
    and returns once it accepts connections.

    The ready file is a FIFO: the server's write of its URL wakes us, and a pidfd wakes us should the
    process die first, so nothing here sleeps and polls."""
    if not SERVER_BIN.is_file():
        pytest.fail(
            f"the local server binary is missing: {SERVER_BIN}\n"
            "build it first with `cargo build -p send0-server` (from the repository root)",
            pytrace=False,
        )
    workdir.mkdir(parents=True, exist_ok=True)
    ready = workdir / f"ready-{uuid.uuid4().hex}"
    os.mkfifo(ready)
    log = workdir / f"server-{uuid.uuid4().hex}.log"
    # O_RDWR: we hold a writer ourselves, so the FIFO never reads as EOF before the server writes,
    # and the server's open never blocks.
    fifo = os.open(ready, os.O_RDWR | os.O_NONBLOCK)
    with open(log, "wb") as log_file:
        process = subprocess.Popen(
            [str(SERVER_BIN), *args, "--port", "0", "--ready-file", str(ready)],
            stdin=subprocess.DEVNULL,
            stdout=log_file,
            stderr=subprocess.STDOUT,
        )
    pidfd = os.pidfd_open(process.pid) if hasattr(os, "pidfd_open") else None
    try:
        watched = [fifo] if pidfd is None else [fifo, pidfd]
        deadline = time.monotonic() + startup_timeout
        url = b""
        while not url:
            left = deadline - time.monotonic()
            if left <= 0:
                process.kill()
                process.wait()
                pytest.fail(f"send0-server did not become ready within {startup_timeout} s:\n{log.read_text()}")
            # Without a pidfd, wake now and then to notice a dead process.
            readable, _, _ = select.select(watched, [], [], left if pidfd is not None else min(left, 0.25))
            if fifo in readable:
                url = os.read(fifo, 4096)
            elif process.poll() is not None:
                pytest.fail(
                    f"send0-server exited with status {process.returncode} before it was ready:\n{log.read_text()}",
                    pytrace=False,
                )
        while _more_to_read(fifo):
            url += os.read(fifo, 4096)
    finally:
        os.close(fifo)
        if pidfd is not None:
            os.close(pidfd)
    return LocalServer(process, url.decode().strip(), log)


def _more_to_read(fd: int) -> bool:
    readable, _, _ = select.select([fd], [], [], 0)
    return bool(readable)


@pytest.fixture(scope="session")
def local_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalServer]:
    # Every test shares the one workspace, and many of its endpoints point at example.com, whose
    # attempts can hold a slot for seconds (a machine without DNS takes ~5 s to fail them). The
    # per-workspace share (16 by default) would queue a test's own deliveries behind them: allow
    # the whole global budget, as before the server had fair shares (tested in the server's suite).
    server = start_server(
        tmp_path_factory.mktemp("send0-server"),
        "--retry-schedule",
        "200ms,200ms",
        "--max-in-flight-per-workspace",
        "64",
    )
    yield server
    server.stop()


@pytest.fixture(scope="session")
def base_url(local_server: LocalServer) -> str:
    """The base URL of the session's local server (``http://127.0.0.1:PORT``)."""
    return local_server.url


@pytest.fixture
def client(base_url: str) -> send0.Send0:
    return send0.Send0(api_key=API_KEY, base_url=base_url)


@pytest.fixture
def async_client(base_url: str) -> send0.AsyncSend0:
    return send0.AsyncSend0(api_key=API_KEY, base_url=base_url)


def unique(label: str = "t") -> str:
    """A short marker unique to this run, to find a test's own endpoints on the shared server."""
    return f"{label}-{uuid.uuid4().hex[:12]}"


# --------------------------------------------------------------------------------------------------
# The scripted HTTP server and the webhook receiver


@dataclass
class Reply:
    """How the scripted server answers one request.

    ``delay`` waits before answering (ending early, and recording a disconnect, when the client
    closes the connection). ``drop`` closes the connection without an answer (after forwarding, when
    ``forward`` is set too: a response lost on its way back). ``forward`` sends the request on to that
    base URL and answers with what it answered."""

    status: int = 200
    headers: Dict[str, str] = field(default_factory=dict)
    body: Union[bytes, str, Dict[str, Any], List[Any], None] = None
    delay: float = 0.0
    drop: bool = False
    forward: Optional[str] = None

    def payload(self) -> bytes:
        if self.body is None:
            return b""
        if isinstance(self.body, bytes):
            return self.body
        if isinstance(self.body, str):
            return self.body.encode()
        return json.dumps(self.body).encode()


@dataclass
class Recorded:
    """One request the scripted server received."""

    method: str
    path: str
    message: http.client.HTTPMessage
    """The request's headers as ``http.server`` parsed them (repeated names kept)."""
    body: bytes
    at: float = field(default_factory=time.monotonic)
    forwarded: Optional[Reply] = None
    """For a forwarded request: what the server it was forwarded to answered."""

    @property
    def headers(self) -> List[Tuple[str, str]]:
        return list(self.message.items())

    def header(self, name: str) -> Optional[str]:
        return self.message.get(name)

    def json(self) -> Any:
        return json.loads(self.body)


def api_error_reply(status: int, code: str, message: str, **headers: str) -> Reply:
    """A reply shaped like the API's errors, with an ``x-request-id``."""
    all_headers = {"x-request-id": f"req_scripted_{uuid.uuid4().hex[:8]}", **headers}
    return Reply(status=status, headers=all_headers, body={"error": code, "message": message})


class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    timeout = 30  # an idle keep-alive connection is dropped after this

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base class's name
        pass

    def do_GET(self) -> None:
        self._handle()

    def do_POST(self) -> None:
        self._handle()

    def do_PATCH(self) -> None:
        self._handle()

    def do_DELETE(self) -> None:
        self._handle()

    def do_PUT(self) -> None:
        self._handle()

    def _handle(self) -> None:
        owner = cast("_HTTPServer", self.server).owner
        length = int(self.headers.get("content-length") or 0)
        body = self.rfile.read(length) if length else b""
        recorded = Recorded(self.command, self.path, cast(http.client.HTTPMessage, self.headers), body)
        reply = owner._record(recorded)
        if reply.delay > 0 and not self._wait(reply.delay, owner):
            owner._disconnected(recorded)
            self.close_connection = True
            return
        if reply.forward is not None:
            reply = _forward(reply.forward, recorded, drop=reply.drop)
            recorded.forwarded = reply
        if reply.drop:
            # No answer: the client sees the connection close after sending its request.
            self.close_connection = True
            try:
                self.connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            return
        payload = reply.payload()
        self.send_response(reply.status)
        names = {name.lower() for name in reply.headers}
        for name, value in reply.headers.items():
            self.send_header(name, value)
        if payload and "content-type" not in names:
            self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)
        self.wfile.flush()

    def _wait(self, delay: float, owner: "ScriptedServer") -> bool:
        """Waits `delay` seconds; False as soon as the client closes the connection."""
        deadline = time.monotonic() + delay
        watch: List[Any] = [self.connection, owner._wake_r]
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                return True
            readable, _, _ = select.select(watch, [], [], left)
            if owner._wake_r in readable:
                return False  # the server is shutting down
            if self.connection in readable:
                try:
                    peeked = self.connection.recv(1, socket.MSG_PEEK)
                except OSError:
                    return False
                if not peeked:
                    return False
                watch = [owner._wake_r]  # pipelined bytes: stop watching the socket


def _forward(base: str, request: Recorded, *, drop: bool) -> Reply:
    target = urlsplit(base)
    connection = http.client.HTTPConnection(target.hostname or "127.0.0.1", target.port or 80, timeout=30)
    skip = {"host", "connection", "content-length", "keep-alive", "transfer-encoding"}
    headers = {name: value for name, value in request.message.items() if name.lower() not in skip}
    try:
        connection.request(request.method, request.path, body=request.body or None, headers=headers)
        response = connection.getresponse()
        payload = response.read()
        kept = {
            name: value
            for name, value in response.getheaders()
            if name.lower() not in skip | {"date", "server", "content-type"}
        }
        kept["content-type"] = response.getheader("content-type") or "application/json"
        return Reply(status=response.status, headers=kept, body=payload, drop=drop)
    finally:
        connection.close()


class _HTTPServer(http.server.ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    owner: "ScriptedServer"


class ScriptedServer:
    """An HTTP server on a free loopback port that answers each request with the next scripted
    :class:`Reply` (then ``default``), and records every request."""

    def __init__(self, replies: Optional[List[Reply]] = None, default: Optional[Reply] = None) -> None:
        self._lock = threading.Condition()
        self._replies: List[Reply] = list(replies or [])
        self.default = default if default is not None else Reply(200, body={})
        self.requests: List[Recorded] = []
        self.disconnects: List[Recorded] = []
        self.disconnected = threading.Event()
        """Set when a client closes its connection while its request waits on a ``delay``."""
        self._wake_r, self._wake_w = os.pipe()
        self._server = _HTTPServer(("127.0.0.1", 0), _Handler)
        self._server.owner = self
        host, port = self._server.server_address[:2]
        self.url = f"http://{host!s}:{port}"
        # A short poll interval: shutdown() waits for the serving loop to look at its flag.
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, name="scripted-server", daemon=True
        )
        self._thread.start()

    def script(self, *replies: Reply) -> None:
        """Queues replies for the next requests."""
        with self._lock:
            self._replies.extend(replies)

    def _record(self, request: Recorded) -> Reply:
        with self._lock:
            self.requests.append(request)
            reply = self._replies.pop(0) if self._replies else self.default
            self._lock.notify_all()
            return reply

    def _disconnected(self, request: Recorded) -> None:
        with self._lock:
            self.disconnects.append(request)
            self._lock.notify_all()
        self.disconnected.set()

    def wait_for_requests(self, count: int, timeout: float = 10.0) -> List[Recorded]:
        """Blocks until at least `count` requests have arrived; fails the test after `timeout`."""
        with self._lock:
            if not self._lock.wait_for(lambda: len(self.requests) >= count, timeout):
                pytest.fail(f"waited {timeout} s for {count} requests, got {len(self.requests)}")
            return list(self.requests)

    def close(self) -> None:
        os.write(self._wake_w, b"x")
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)
        os.close(self._wake_w)
        os.close(self._wake_r)


class Receiver(ScriptedServer):
    """A webhook receiver: records every delivery (raw body and headers) and answers the scripted
    statuses in turn, then 200."""

    def __init__(self, statuses: Optional[List[int]] = None) -> None:
        super().__init__([Reply(status, body=b"") for status in statuses or []], default=Reply(200, body=b""))
        self.url = f"{self.url}/hook"

    def answer(self, *statuses: int) -> None:
        self.script(*(Reply(status, body=b"") for status in statuses))

    def wait_for(self, count: int, timeout: float = 10.0) -> List[Recorded]:
        return self.wait_for_requests(count, timeout)


@pytest.fixture
def scripted() -> Iterator[ScriptedServer]:
    server = ScriptedServer()
    yield server
    server.close()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    server = Receiver()
    yield server
    server.close()


def scripted_client(server: ScriptedServer, **options: Any) -> send0.Send0:
    """A client for the scripted server (options: timeout, max_retries)."""
    return send0.Send0(api_key=API_KEY, base_url=server.url, **options)


# --------------------------------------------------------------------------------------------------
# Shared vectors


def load_fixture_cases() -> List[Dict[str, Any]]:
    """Every case of ``tests/fixtures/webhooks/*.json``, in file order."""
    files = sorted(FIXTURES_DIR.glob("*.json"))
    if not files:
        raise RuntimeError(f"no webhook fixtures found in {FIXTURES_DIR}")
    cases: List[Dict[str, Any]] = []
    for path in files:
        document = json.loads(path.read_text(encoding="utf-8"))
        for case in document["cases"]:
            cases.append({**case, "_file": path.name})
    return cases
