"""Retries, backoff, ``Retry-After`` and idempotency, with faults injected by the scripted server."""

from __future__ import annotations

import time

import pytest
from conftest import API_KEY, Reply, ScriptedServer, api_error_reply, scripted_client, unique

from send0 import APIConnectionError, InternalServerError, InvalidRequestError, RateLimitError, Send0


def test_a_500_is_retried_then_succeeds(scripted: ScriptedServer, base_url: str) -> None:
    scripted.script(api_error_reply(500, "internal_error", "boom"), Reply(forward=base_url))
    client = scripted_client(scripted)
    started = time.monotonic()
    page = client.webhooks.list(limit=1)
    elapsed = time.monotonic() - started
    assert page.data is not None
    first, second = scripted.requests
    assert (first.header("x-send0-retry-count"), second.header("x-send0-retry-count")) == ("0", "1")
    # The first backoff is 0.5 s less up to 25% jitter.
    assert 0.35 <= elapsed < 5, elapsed


def test_retries_stop_after_max_retries(scripted: ScriptedServer) -> None:
    fast = {"retry-after-ms": "10"}
    scripted.script(*(api_error_reply(503, "internal_error", f"down {n}", **fast) for n in range(3)))
    client = scripted_client(scripted, max_retries=2)
    with pytest.raises(InternalServerError) as raised:
        client.webhooks.list()
    assert raised.value.status == 503 and raised.value.message == "down 2"
    assert len(scripted.requests) == 3


@pytest.mark.timeout(30)
def test_a_429_retry_after_is_obeyed(scripted: ScriptedServer) -> None:
    scripted.script(api_error_reply(429, "rate_limited", "slow down", **{"Retry-After": "1"}))
    scripted.default = Reply(200, body={"object": "list", "data": [], "has_more": False, "cursor": None})
    client = scripted_client(scripted)
    started = time.monotonic()
    page = client.webhooks.list()
    elapsed = time.monotonic() - started
    assert page.data == [] and not page.has_more
    assert len(scripted.requests) == 2
    gap = scripted.requests[1].at - scripted.requests[0].at
    assert elapsed >= 0.9 and gap >= 0.9, (elapsed, gap)


def test_a_429_with_max_retries_0_raises_at_once(scripted: ScriptedServer) -> None:
    scripted.script(api_error_reply(429, "rate_limited", "slow down", **{"Retry-After": "30"}))
    client = scripted_client(scripted, max_retries=0)
    started = time.monotonic()
    with pytest.raises(RateLimitError) as raised:
        client.webhooks.list()
    assert time.monotonic() - started < 1
    assert raised.value.retry_after == 30.0


def test_every_retry_of_a_post_carries_the_same_idempotency_key(scripted: ScriptedServer, base_url: str) -> None:
    fast = {"retry-after-ms": "20"}
    scripted.script(
        api_error_reply(500, "internal_error", "boom", **fast),
        api_error_reply(502, "internal_error", "bad gateway", **fast),
        Reply(forward=base_url),
    )
    client = scripted_client(scripted)
    created = client.webhooks.create(url="https://example.com/idempotent-retries")
    requests = scripted.wait_for_requests(3)
    keys = {request.header("idempotency-key") for request in requests}
    assert len(keys) == 1 and None not in keys
    assert [r.header("x-send0-retry-count") for r in requests] == ["0", "1", "2"]
    assert all(r.body == requests[0].body for r in requests)
    assert created.secret.startswith("whsec_")


def test_a_given_idempotency_key_is_sent_as_is(scripted: ScriptedServer, base_url: str) -> None:
    key = unique("caller-key")
    scripted.script(api_error_reply(500, "internal_error", "boom", **{"retry-after-ms": "10"}), Reply(forward=base_url))
    client = scripted_client(scripted)
    client.webhooks.create(url="https://example.com/given-key", idempotency_key=key)
    assert [r.header("idempotency-key") for r in scripted.wait_for_requests(2)] == [key, key]


def test_a_400_is_not_retried(scripted: ScriptedServer) -> None:
    scripted.script(
        Reply(400, body={"error": "invalid_request", "message": "url is required", "param": "url"}),
        Reply(200, body={}),
    )
    client = scripted_client(scripted)
    with pytest.raises(InvalidRequestError) as raised:
        client.webhooks.create(url="")
    assert raised.value.param == "url"
    assert len(scripted.requests) == 1


def test_x_should_retry_overrides_the_status(scripted: ScriptedServer) -> None:
    scripted.script(
        api_error_reply(500, "internal_error", "final", **{"x-should-retry": "false"}),
        api_error_reply(400, "invalid_request", "try again", **{"x-should-retry": "true", "retry-after-ms": "10"}),
        Reply(200, body={"object": "list", "data": [], "has_more": False, "cursor": None}),
    )
    client = scripted_client(scripted)
    with pytest.raises(InternalServerError):
        client.webhooks.list()
    assert client.webhooks.list().data == []
    assert len(scripted.requests) == 3


@pytest.mark.timeout(30)
def test_a_dropped_connection_is_retried(scripted: ScriptedServer, base_url: str) -> None:
    scripted.script(Reply(drop=True), Reply(forward=base_url))
    client = scripted_client(scripted)
    assert client.webhooks.list(limit=1) is not None
    assert len(scripted.requests) == 2


@pytest.mark.timeout(30)
def test_a_create_whose_response_is_lost_makes_one_endpoint(
    scripted: ScriptedServer, base_url: str, client: Send0
) -> None:
    """The first attempt reaches the real server, which creates the endpoint, but its answer never
    comes back (the connection closes); the retry carries the same Idempotency-Key and gets the
    first response replayed instead of a second endpoint."""
    tag = unique("lost")
    scripted.script(Reply(forward=base_url, drop=True), Reply(forward=base_url))
    flaky = scripted_client(scripted)
    created = flaky.webhooks.create(url=f"https://example.com/{tag}", description=tag)

    first, second = scripted.wait_for_requests(2)
    assert first.header("idempotency-key") == second.header("idempotency-key")
    assert first.body == second.body
    # The server did create the endpoint on the first attempt, and replayed that on the second.
    assert first.forwarded is not None and first.forwarded.status == 201
    assert second.forwarded is not None and second.forwarded.status == 201
    assert second.forwarded.headers.get("idempotent-replayed") == "true"
    assert first.forwarded.payload() == second.forwarded.payload()

    mine = [endpoint for endpoint in client.webhooks.list(limit=100) if endpoint.description == tag]
    assert [endpoint.id for endpoint in mine] == [created.id]
    # The replay is the first response: the same endpoint and the same secret.
    assert client.webhooks.get(created.id).url == f"https://example.com/{tag}"


@pytest.mark.timeout(30)
def test_without_retries_a_lost_response_is_a_connection_error(scripted: ScriptedServer) -> None:
    scripted.script(Reply(drop=True))
    client = Send0(api_key=API_KEY, base_url=scripted.url, max_retries=0)
    with pytest.raises(APIConnectionError) as raised:
        client.webhooks.create(url="https://example.com/never")
    assert raised.value.kind == "connection"
    assert len(scripted.requests) == 1
