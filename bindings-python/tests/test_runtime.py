"""The runtime under the client: threads sharing one client, the GIL released while a call waits,
a client used in a child after ``fork()``, and Ctrl-C interrupting a blocked call."""

from __future__ import annotations

import os
import select
import signal
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import List

import pytest
from conftest import Reply, ScriptedServer, scripted_client

from send0 import Send0


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


@pytest.mark.timeout(60)
def test_a_client_works_in_a_forked_child(client: Send0) -> None:
    created = client.webhooks.create(url="https://example.com/fork")
    assert client.webhooks.get(created.id).id == created.id  # the parent's runtime is up and in use

    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: report through the pipe and the exit status, never return to pytest
        code = 1
        try:
            os.close(read_end)
            fetched = client.webhooks.get(created.id)
            listed = client.webhooks.list(limit=5)
            ok = fetched.id == created.id and len(listed.data) >= 1
            os.write(write_end, b"ok" if ok else f"wrong answer: {fetched.id}".encode())
            code = 0 if ok else 1
        except BaseException as error:  # noqa: BLE001 - any failure becomes the exit status
            try:
                os.write(write_end, f"{type(error).__name__}: {error}".encode()[:4000])
            except OSError:
                pass
        finally:
            os._exit(code)
    os.close(write_end)
    try:
        exit_code = wait_for_child(pid, 30)
        with os.fdopen(read_end, "rb") as pipe:
            report = pipe.read().decode(errors="replace")
    except BaseException:
        os.close(read_end)
        raise
    assert exit_code == 0, f"the child failed: {report}"
    assert report == "ok"
    # The parent's client still works after the fork.
    assert client.webhooks.get(created.id).id == created.id


@pytest.mark.timeout(30)
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
