"""The runtime under the client: threads sharing one client, the GIL released while a call waits,
a sync or async client used in a child after ``fork()``, and Ctrl-C interrupting a blocked call."""

from __future__ import annotations

import asyncio
import os
import select
import signal
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Callable, Iterator, List

import pytest
from conftest import API_KEY, Reply, ScriptedServer, scripted_client

from send0 import AsyncSend0, Send0


@pytest.mark.timeout(60)
def test_16_threads_share_one_client(client: Send0) -> None:
    created = client.webhooks.create(url="https://example.com/threads")
    start = threading.Barrier(16)

    def worker(_: int) -> List[str]:
        start.wait(timeout=10)
        return [client.webhooks.get(created.id).id for _ in range(20)]

    with ThreadPoolExecutor(max_workers=16) as pool:
        results = list(pool.map(worker, range(16)))
    assert len(results) == 16
    assert all(ids == [created.id] * 20 for ids in results)


@pytest.mark.timeout(30)
def test_the_gil_is_released_while_a_call_waits(scripted: ScriptedServer) -> None:
    scripted.script(Reply(200, body={"object": "list", "data": [], "has_more": False, "cursor": None}, delay=1.0))
    client = scripted_client(scripted)
    counter = 0
    stop = threading.Event()
    running = threading.Event()

    def count() -> None:
        nonlocal counter
        running.set()
        while not stop.is_set():
            counter += 1

    thread = threading.Thread(target=count, daemon=True)
    thread.start()
    assert running.wait(5)
    try:
        before = counter
        started = time.monotonic()
        client.webhooks.list()
        elapsed = time.monotonic() - started
        during = counter - before
    finally:
        stop.set()
        thread.join(5)
    assert elapsed >= 0.9
    # A pure-Python loop makes millions of steps a second when it has the GIL to itself; held by
    # the waiting call, it would make next to none.
    assert during > 100_000, f"the counter thread advanced only {during} times in {elapsed:.2f} s"


def wait_for_child(pid: int, limit: float) -> int:
    """The child's exit status; kills it and fails the test after `limit` seconds."""
    pidfd = os.pidfd_open(pid)
    try:
        readable, _, _ = select.select([pidfd], [], [], limit)
        if not readable:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            pytest.fail(f"the forked child did not finish within {limit} s")
    finally:
        os.close(pidfd)
    _, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status)


def in_forked_child(work: Callable[[], str], limit: float = 30) -> str:
    """Runs `work` in a forked child and returns its report: what `work` returned, or the exception
    it raised. The child never returns to pytest; the test fails if it exits non-zero."""
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: report through the pipe and the exit status
        code = 1
        try:
            os.close(read_end)
            report = work()
            code = 0 if report == "ok" else 1
            os.write(write_end, report.encode()[:4000])
        except BaseException as error:  # noqa: BLE001 - any failure becomes the report
            try:
                os.write(write_end, f"{type(error).__name__}: {error}".encode()[:4000])
            except OSError:
                pass
        finally:
            os._exit(code)
    os.close(write_end)
    try:
        exit_code = wait_for_child(pid, limit)
        with os.fdopen(read_end, "rb") as pipe:
            report = pipe.read().decode(errors="replace")
    except BaseException:
        os.close(read_end)
        raise
    assert exit_code == 0, f"the child failed: {report}"
    return report


@pytest.mark.timeout(60)
def test_a_client_works_in_a_forked_child(client: Send0) -> None:
    created = client.webhooks.create(url="https://example.com/fork")
    assert client.webhooks.get(created.id).id == created.id  # the parent's runtime is up and in use

    def child() -> str:
        fetched = client.webhooks.get(created.id)
        listed = client.webhooks.list(limit=5)
        return "ok" if fetched.id == created.id and listed.data else f"wrong answer: {fetched.id}"

    assert in_forked_child(child) == "ok"
    # The parent's client still works after the fork.
    assert client.webhooks.get(created.id).id == created.id


@pytest.mark.timeout(60)
def test_an_async_client_works_in_a_forked_child(base_url: str) -> None:
    """gunicorn --preload with async workers: the client is made (and used) in the parent, and each
    forked worker runs its own event loop."""
    client = AsyncSend0(api_key=API_KEY, base_url=base_url)

    async def create() -> str:
        return (await client.webhooks.create(url="https://example.com/async-fork")).id

    async def get(id: str) -> str:
        return (await client.webhooks.get(id)).id

    created = asyncio.run(create())  # the parent's runtime is up and has run async calls

    async def calls_in_child() -> str:
        # Bounded: a call spawned on the parent's runtime (whose threads are gone) never completes.
        fetched = await asyncio.wait_for(get(created), 10)
        fresh = AsyncSend0(api_key=API_KEY, base_url=base_url)
        listed = await asyncio.wait_for(fresh.webhooks.list(limit=5), 10)
        return "ok" if fetched == created and listed.data else f"wrong answer: {fetched}"

    assert in_forked_child(lambda: asyncio.run(calls_in_child())) == "ok"
    assert asyncio.run(get(created)) == created  # and the parent's client still works


@pytest.fixture
def sigint_raises() -> Iterator[None]:
    """Python's own SIGINT handler for the test. A process started in the background (`cmd &`,
    nohup, CI runners) inherits SIGINT ignored, and Python then installs no handler of its own, so
    Ctrl-C would never become KeyboardInterrupt."""
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


@pytest.mark.timeout(30)
@pytest.mark.usefixtures("sigint_raises")
def test_ctrl_c_interrupts_a_blocked_call(scripted: ScriptedServer) -> None:
    assert threading.current_thread() is threading.main_thread(), "signals reach the main thread only"
    scripted.script(Reply(200, body={}, delay=10))
    client = scripted_client(scripted)
    timer = threading.Timer(0.3, os.kill, args=(os.getpid(), signal.SIGINT))
    started = time.monotonic()
    timer.start()
    try:
        with pytest.raises(KeyboardInterrupt):
            client.webhooks.get("wh_blocked00000")
        elapsed = time.monotonic() - started
    finally:
        timer.cancel()
    assert elapsed < 1.3, f"KeyboardInterrupt came {elapsed:.2f} s after the call started"
    # The interrupted request was dropped, not left running: its connection closed.
    assert scripted.disconnected.wait(5)
    assert len(scripted.requests) == 1


@pytest.mark.timeout(30)
@pytest.mark.usefixtures("sigint_raises")
def test_raise_signal_interrupts_a_blocked_call(scripted: ScriptedServer) -> None:
    scripted.script(Reply(200, body={}, delay=10))
    client = scripted_client(scripted)
    timer = threading.Timer(0.3, signal.raise_signal, args=(signal.SIGINT,))
    started = time.monotonic()
    timer.start()
    try:
        with pytest.raises(KeyboardInterrupt):
            client.webhooks.get("wh_blocked00000")
    finally:
        timer.cancel()
    assert time.monotonic() - started < 1.3
    assert scripted.disconnected.wait(5)


def test_a_panic_in_the_core_is_an_api_error_not_a_panic_exception() -> None:
    from send0 import Send0Error, _native

    # `except Exception` catches it: a PanicException (a BaseException) would slip past.
    try:
        _native._panic_for_test("a provoked panic")
    except Exception as error:
        assert type(error) is Send0Error, type(error)
        assert error.kind == "api"
        assert "internal error in the send0 core: a provoked panic" in str(error)
    else:
        pytest.fail("the panic did not surface")
    # The runtime carries on.
    with pytest.raises(Send0Error):
        _native._panic_for_test("again")
