"""``AsyncSend0``: the surface of ``Send0`` with ``await``, ``async for`` pagination, cancellation
and concurrency (pytest-asyncio in auto mode)."""

from __future__ import annotations

import asyncio
import time
from typing import List

import pytest
from conftest import API_KEY, LocalServer, Receiver, Reply, ScriptedServer, unique

from send0 import (
    NOT_GIVEN,
    AsyncPage,
    AsyncSend0,
    AuthenticationError,
    ConflictError,
    InternalServerError,
    NotFoundError,
    WebhookEndpoint,
    WebhookEndpointWithSecret,
    Webhooks,
)


async def test_every_operation(base_url: str, receiver: Receiver, local_server: LocalServer) -> None:
    tag = unique("async")
    async with AsyncSend0(api_key=API_KEY, base_url=base_url) as client:
        assert "send0_local" not in repr(client)
        created = await client.webhooks.create(url=receiver.url, events=["email.*"], description=tag)
        assert isinstance(created, WebhookEndpointWithSecret)
        assert created.secret.startswith("whsec_") and created.secret not in repr(created)

        fetched = await client.webhooks.get(created.id)
        assert type(fetched) is WebhookEndpoint and fetched.description == tag

        updated = await client.webhooks.update(created.id, description=None, active=NOT_GIVEN)
        assert updated.description is None and updated.events == ["email.*"] and updated.active

        result = await client.webhooks.test(created.id)
        assert result.success and result.status_code == 200
        delivery = (await asyncio.to_thread(receiver.wait_for, 1))[0]
        event = Webhooks.verify(delivery.body, delivery.message, created.secret)
        assert event.type == "platform.test" and event.id == result.event_id

        rotated = await client.webhooks.rotate_secret(created.id, expire_previous_in=0)
        assert rotated.secret != created.secret

        emitted = await asyncio.to_thread(local_server.emit, "email.opened")
        delivery = (await asyncio.to_thread(receiver.wait_for, 2))[1]
        assert Webhooks.verify(delivery.body, delivery.message, rotated.secret).id == emitted["event_id"]

        async def recorded() -> List[str]:
            return [attempt.event_id async for attempt in client.webhooks.deliveries(created.id)]

        deadline = time.monotonic() + 10
        while emitted["event_id"] not in await recorded():
            assert time.monotonic() < deadline, "the delivery attempt was never recorded"
            await asyncio.sleep(0.02)  # the record is written after the receiver answered
        page = await client.webhooks.deliveries(created.id, limit=1)
        assert isinstance(page, AsyncPage) and page.data[0].event_id == emitted["event_id"]

        deleted = await client.webhooks.delete(created.id)
        assert deleted.deleted and deleted.id == created.id
        with pytest.raises(NotFoundError):
            await client.webhooks.get(created.id)


async def test_async_for_walks_every_page(async_client: AsyncSend0) -> None:
    tag = unique("async-page")
    created = [
        (await async_client.webhooks.create(url=f"https://example.com/{tag}/{n}", description=tag)).id
        for n in range(25)
    ]
    wanted = set(created)

    # Directly over the list call: every item of every page.
    direct = [endpoint.id async for endpoint in async_client.webhooks.list(limit=10)]
    assert len(direct) == len(set(direct))
    assert [id for id in direct if id in wanted] == list(reversed(created))

    # Over an awaited page: that page and every page after it.
    first = await async_client.webhooks.list(limit=10)
    assert isinstance(first, AsyncPage) and len(first.data) == 10 and first.has_next_page()
    walked = [endpoint.id async for endpoint in first]
    assert walked == direct

    pages = [page async for page in first.iter_pages()]
    assert sum(len(page.data) for page in pages) == len(direct)
    assert not pages[-1].has_next_page()
    with pytest.raises(StopAsyncIteration):
        await pages[-1].next_page()
    second = await first.next_page()
    assert second.data[0].id == direct[10]


async def test_errors_are_the_same_classes(base_url: str, scripted: ScriptedServer) -> None:
    with pytest.raises(AuthenticationError) as raised:
        await AsyncSend0(api_key="sk_test_wrong_key_123", base_url=base_url).webhooks.list()
    assert raised.value.status == 401 and raised.value.request_id

    client = AsyncSend0(api_key=API_KEY, base_url=base_url)
    key = unique("async-idem")
    await client.webhooks.create(url="https://example.com/a", idempotency_key=key)
    with pytest.raises(ConflictError):
        await client.webhooks.create(url="https://example.com/b", idempotency_key=key)

    scripted.script(Reply(500, body={"error": "internal_error", "message": "boom"}))
    with pytest.raises(InternalServerError) as failed:
        await AsyncSend0(api_key=API_KEY, base_url=scripted.url, max_retries=0).webhooks.list()
    assert failed.value.message == "boom"


@pytest.mark.timeout(30)
async def test_cancelling_the_task_cancels_the_request(scripted: ScriptedServer) -> None:
    scripted.script(Reply(200, body={}, delay=10))
    client = AsyncSend0(api_key=API_KEY, base_url=scripted.url)
    task = asyncio.ensure_future(client.webhooks.get("wh_hangs0000000"))
    await asyncio.to_thread(scripted.wait_for_requests, 1)
    assert not task.done()

    started = time.monotonic()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert time.monotonic() - started < 1.0
    assert task.cancelled()
    # The request was dropped: the scripted server sees its connection close.
    assert await asyncio.to_thread(scripted.disconnected.wait, 5)
    assert len(scripted.requests) == 1, "a cancelled request is not retried"


@pytest.mark.timeout(30)
async def test_wait_for_times_out_a_hanging_call(scripted: ScriptedServer) -> None:
    scripted.script(Reply(200, body={}, delay=10))
    client = AsyncSend0(api_key=API_KEY, base_url=scripted.url)
    with pytest.raises(asyncio.TimeoutError):
        await asyncio.wait_for(client.webhooks.get("wh_hangs0000000"), timeout=0.3)
    assert await asyncio.to_thread(scripted.disconnected.wait, 5)


@pytest.mark.timeout(30)
async def test_50_concurrent_gets(async_client: AsyncSend0) -> None:
    created = await async_client.webhooks.create(url="https://example.com/concurrent")
    results = await asyncio.gather(*(async_client.webhooks.get(created.id) for _ in range(50)))
    assert len(results) == 50 and {endpoint.id for endpoint in results} == {created.id}


@pytest.mark.timeout(30)
async def test_the_event_loop_is_free_while_a_call_waits(scripted: ScriptedServer) -> None:
    scripted.script(Reply(200, body={"object": "list", "data": [], "has_more": False, "cursor": None}, delay=0.5))
    client = AsyncSend0(api_key=API_KEY, base_url=scripted.url)
    ticks = 0

    async def ticker() -> None:
        nonlocal ticks
        while True:
            ticks += 1
            await asyncio.sleep(0.01)

    ticking = asyncio.ensure_future(ticker())
    try:
        page = await client.webhooks.list()
    finally:
        ticking.cancel()
    assert page.data == []
    assert ticks >= 10, f"the loop ticked only {ticks} times during a 0.5 s call"
