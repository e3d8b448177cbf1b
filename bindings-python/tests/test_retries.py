"""Retries that the fault vectors (``test_wire_contract.py``) cannot script: a caller's own
Idempotency-Key, and a response lost after the real server acted on the request."""

from __future__ import annotations

import pytest
from conftest import Reply, ScriptedServer, api_error_reply, scripted_client, unique

from send0 import Send0


def test_a_given_idempotency_key_is_sent_as_is(scripted: ScriptedServer, base_url: str) -> None:
    key = unique("caller-key")
    scripted.script(api_error_reply(500, "internal_error", "boom", **{"retry-after-ms": "10"}), Reply(forward=base_url))
    client = scripted_client(scripted)
    client.webhooks.create(url="https://example.com/given-key", idempotency_key=key)
    assert [r.header("idempotency-key") for r in scripted.wait_for_requests(2)] == [key, key]


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
