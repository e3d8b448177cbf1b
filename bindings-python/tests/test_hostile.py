"""Hostile answers from the API, sync and async: whatever a server (or anything posing as one)
sends, a call ends within bounded time with a result or a typed send0 error, never a panic
(``pyo3_runtime.PanicException`` escapes ``except Exception``) and never a hang."""

from __future__ import annotations

import asyncio
import math
import socket
import threading
import time
from email.utils import formatdate
from typing import Any, Callable, Iterator, List, Optional, Type, TypeVar

import pytest
from conftest import API_KEY, Reply, ScriptedServer, api_error_reply

from send0 import (
    APIConnectionError,
    APIError,
    APIResponseDecodeError,
    APITimeoutError,
    AsyncSend0,
    InternalServerError,
    RateLimitError,
    Send0,
    Send0Error,
    WebhookEndpoint,
)

E = TypeVar("E", bound=Send0Error)

EMPTY_LIST = {"object": "list", "data": [], "has_more": False, "cursor": None}

# A Retry-After date three hours away: too long to wait, and computed from the clock, so it is not
# among the fixed hostile forms of the fault vectors (tests/fixtures/http/answers.json).
IN_3_HOURS = {"retry-after": formatdate(time.time() + 3 * 3600, usegmt=True)}


class Caller:
    """Calls ``webhooks.list()`` through a ``Send0`` or an ``AsyncSend0`` (each test runs with both),
    timing the call."""

    def __init__(self, mode: str, base_url: str) -> None:
        self.mode = mode
        self.base_url = base_url
        self.elapsed = 0.0

    def list(self, **options: Any) -> List[WebhookEndpoint]:
        started = time.monotonic()
        try:
            if self.mode == "sync":
                return Send0(api_key=API_KEY, base_url=self.base_url, **options).webhooks.list().data
            return asyncio.run(self._list_async(options))
        finally:
            self.elapsed = time.monotonic() - started

    async def _list_async(self, options: Any) -> List[WebhookEndpoint]:
        page = await AsyncSend0(api_key=API_KEY, base_url=self.base_url, **options).webhooks.list()
        return page.data

    def list_fails(self, expected: Type[E], kind: str, **options: Any) -> E:
        """The error ``list()`` raises, which must be exactly `expected` with `kind` (a panic, or
        any other exception, escapes ``pytest.raises`` and fails the test)."""
        with pytest.raises(Send0Error) as raised:
            self.list(**options)
        error = raised.value
        assert type(error) is expected and error.kind == kind, f"{type(error).__name__} {error.kind}: {error}"
        return error


@pytest.fixture(params=["sync", "async"])
def mode(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def caller(mode: str, scripted: ScriptedServer) -> Caller:
    return Caller(mode, scripted.url)


# --------------------------------------------------------------------------------------------------
# Retry-After


@pytest.mark.timeout(20)
def test_a_retry_after_date_hours_away_falls_back_to_the_backoff(caller: Caller, scripted: ScriptedServer) -> None:
    """The fixed forms are the fault vectors' (answers.json); this one is computed from the clock."""
    scripted.script(
        api_error_reply(503, "unavailable", "wait", **IN_3_HOURS), Reply(200, body=EMPTY_LIST)
    )
    assert caller.list() == []
    first, second = scripted.wait_for_requests(2)
    # The first backoff: 0.5 s less up to 25% jitter.
    assert 0.3 <= second.at - first.at < 1.5, second.at - first.at
    assert caller.elapsed < 5


@pytest.mark.timeout(20)
def test_a_retry_after_date_hours_away_is_reported_sanely(caller: Caller, scripted: ScriptedServer) -> None:
    """The other forms' reported waits are checked exactly by the fault vectors (answers.json)."""
    scripted.script(api_error_reply(429, "rate_limited", "wait", **IN_3_HOURS))
    error = caller.list_fails(RateLimitError, "rate_limited", max_retries=0)
    # No wait at all, or one a caller can sleep on: never NaN, infinite or negative.
    assert error.retry_after is None or (math.isfinite(error.retry_after) and error.retry_after >= 0), error.retry_after
    assert error.status == 429 and caller.elapsed < 2


# --------------------------------------------------------------------------------------------------
# Statuses and bodies


@pytest.mark.timeout(20)
@pytest.mark.parametrize("status", [999, 600])
def test_an_absurd_status_is_an_api_error(caller: Caller, scripted: ScriptedServer, status: int) -> None:
    scripted.default = Reply(status, body=b"?")
    error = caller.list_fails(InternalServerError, "api", max_retries=1)
    assert error.status == status
    assert len(scripted.requests) == 2  # retried once, like any 5xx
    assert caller.elapsed < 5


@pytest.mark.timeout(20)
def test_a_lone_100_continue_times_out(caller: Caller, scripted: ScriptedServer) -> None:
    """An informational status is not an answer: the client waits for the real one, up to its timeout."""
    scripted.default = Reply(100)
    caller.list_fails(APITimeoutError, "timeout", timeout=0.5, max_retries=0)
    assert caller.elapsed < 3


@pytest.mark.timeout(20)
def test_a_redirect_is_not_followed(caller: Caller, scripted: ScriptedServer) -> None:
    """Following it would send the API key wherever a response points: a redirect loop, or a host
    that collects keys."""
    scripted.default = Reply(302, headers={"location": f"{scripted.url}/v1/webhooks"})
    error = caller.list_fails(APIError, "api", max_retries=0)
    assert error.status == 302 and len(scripted.requests) == 1


BAD_BODIES = {
    "empty": b"",
    "not JSON": b"<html><body>502 Bad Gateway</body></html>",
    "truncated JSON": b'{"object": "list", "data": [{"id": "wh_',
    "JSON of the wrong shape": b'["a", "list"]',
    "JSON null": b"null",
    "invalid UTF-8": b'{"object": "list", "data": [], "has_more": false, "cursor": "\xff\xfe"}',
    "deep nesting": b"[" * 100_000 + b"]" * 100_000,
}


@pytest.mark.timeout(20)
# An empty body and one not JSON at all are fault vectors (answers.json: empty_body, not_json).
@pytest.mark.parametrize("body", [body for body in BAD_BODIES if body not in ("empty", "not JSON")])
def test_a_200_with_an_unreadable_body_is_a_decode_error(caller: Caller, scripted: ScriptedServer, body: str) -> None:
    scripted.default = Reply(200, headers={"content-type": "application/json"}, body=BAD_BODIES[body])
    error = caller.list_fails(APIResponseDecodeError, "decode")
    assert "cannot read" in error.message
    assert len(scripted.requests) == 1 and caller.elapsed < 3


@pytest.mark.timeout(20)
@pytest.mark.parametrize("body", list(BAD_BODIES))
def test_an_error_status_with_an_unreadable_body_keeps_its_class(
    caller: Caller, scripted: ScriptedServer, body: str
) -> None:
    scripted.default = Reply(503, body=BAD_BODIES[body])
    error = caller.list_fails(InternalServerError, "api", max_retries=0)
    assert error.status == 503 and error.message == "the API answered 503 Service Unavailable"


# --------------------------------------------------------------------------------------------------
# Servers that stall or break the protocol


class RawServer:
    """A loopback listener that answers every connection with the same raw bytes once it has read
    the request head, then holds the connection open (or closes it, with `close`) without another
    byte. With no answer at all it never even accepts: the kernel completes the handshakes."""

    def __init__(self, answer: Optional[bytes], close: bool = False) -> None:
        self.answer = answer
        self.close_after = close
        self.held: List[socket.socket] = []
        self.listener = socket.create_server(("127.0.0.1", 0), backlog=16)
        host, port = self.listener.getsockname()[:2]
        self.url = f"http://{host}:{port}"
        if answer is not None:
            threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                connection, _ = self.listener.accept()
            except OSError:
                return  # closed
            self.held.append(connection)
            try:
                head = b""
                while b"\r\n\r\n" not in head:
                    chunk = connection.recv(65536)
                    if not chunk:
                        break
                    head += chunk
                connection.sendall(self.answer or b"")
                if self.close_after:
                    connection.close()
            except OSError:
                pass  # the client gave up first, or the test is over

    def close(self) -> None:
        self.listener.close()
        for connection in self.held:
            connection.close()


@pytest.fixture
def raw_server() -> Iterator[Callable[..., RawServer]]:
    started: List[RawServer] = []

    def start(answer: Optional[bytes], close: bool = False) -> RawServer:
        started.append(RawServer(answer, close))
        return started[-1]

    yield start
    for server in started:
        server.close()


HEAD_OF_1000 = b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 1000\r\n\r\n{\"object\": "


@pytest.mark.timeout(20)
def test_a_server_that_never_answers_times_out(raw_server: Callable[..., RawServer], mode: str) -> None:
    caller = Caller(mode, raw_server(None).url)
    caller.list_fails(APITimeoutError, "timeout", timeout=0.3, max_retries=1)
    # Two attempts of 0.3 s and one backoff of at most 0.5 s.
    assert 0.6 <= caller.elapsed < 3, caller.elapsed


@pytest.mark.timeout(20)
def test_a_server_that_stalls_mid_body_times_out(raw_server: Callable[..., RawServer], mode: str) -> None:
    caller = Caller(mode, raw_server(HEAD_OF_1000).url)
    caller.list_fails(APITimeoutError, "timeout", timeout=0.3, max_retries=0)
    assert caller.elapsed < 2


BROKEN_ANSWERS = {
    "closed mid body": (HEAD_OF_1000, True),
    "closed before a status line": (b"", True),
    "not HTTP": (b"SSH-2.0-OpenSSH_9.6\r\n\r\n", True),
    "a four-digit status": (b"HTTP/1.1 1000 OK\r\ncontent-length: 2\r\n\r\n{}", False),
    "a garbage status": (b"HTTP/1.1 abc OK\r\ncontent-length: 0\r\n\r\n", False),
    "conflicting lengths": (b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\ncontent-length: 9\r\n\r\n{}", False),
    "a 1 MiB header": (b"HTTP/1.1 200 OK\r\nx-big: " + b"a" * (1 << 20) + b"\r\ncontent-length: 2\r\n\r\n{}", False),
}


@pytest.mark.timeout(20)
@pytest.mark.parametrize("answer", list(BROKEN_ANSWERS))
def test_a_broken_http_answer_is_a_connection_error(
    raw_server: Callable[..., RawServer], mode: str, answer: str
) -> None:
    caller = Caller(mode, raw_server(*BROKEN_ANSWERS[answer]).url)
    caller.list_fails(APIConnectionError, "connection", timeout=5, max_retries=0)
    assert caller.elapsed < 3
