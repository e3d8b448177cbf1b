"""Manages send0 webhook endpoints with the client: create, get, update, list, test, rotate the
secret, read the delivery log, delete; then the same with ``AsyncSend0``.

    SEND0_API_KEY=sk_test_... [SEND0_BASE_URL=http://127.0.0.1:8765] \\
        python examples/python/manage.py https://example.com/webhooks/send0

``--emit N`` (local send0-server only) emits N events through its ``POST /v1/events`` so that the
delivery log has attempts to show.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import time
import urllib.request
from typing import List, Optional

from send0 import AsyncSend0, DeliveryAttempt, Send0
from send0.errors import InvalidRequestError, NotFoundError, Send0Error


def emit_events(client: Send0, event_type: str, count: int) -> None:
    """The local server's stand-in for platform activity (not part of the SDK: plain urllib)."""
    for _ in range(count):
        req = urllib.request.Request(
            f"{client.base_url.rstrip('/')}/v1/events",
            data=json.dumps({"type": event_type}).encode(),
            headers={"Authorization": f"Bearer {os.environ['SEND0_API_KEY']}", "Content-Type": "application/json"},
            method="POST",
        )
        with urllib.request.urlopen(req, timeout=10) as response:
            response.read()


def wait_for_deliveries(client: Send0, endpoint_id: str, count: int) -> List[DeliveryAttempt]:
    """Delivery is asynchronous: poll the log until ``count`` attempts are recorded (or 10 s)."""
    deadline = time.monotonic() + 10
    while True:
        # Iterating a page walks every page: limit=2 only makes the pages small.
        attempts = list(client.webhooks.deliveries(endpoint_id, limit=2))
        if len(attempts) >= count or time.monotonic() > deadline:
            return attempts
        time.sleep(0.05)


def sync_walkthrough(url: str, emit: int) -> None:
    client = Send0()  # SEND0_API_KEY, and SEND0_BASE_URL when set
    webhooks = client.webhooks

    created = webhooks.create(
        url=url, events=["email.*", "domain.health.degraded"], description="Python management example"
    )
    # The secret is in this response only: store it (it is never shown in repr()).
    print(f"manage: created {created.id} -> {created.url} (secret {created.secret[:10]}…, store it now)")

    fetched = webhooks.get(created.id)
    print(f"manage: get {fetched.id} status={fetched.status} events={fetched.events}")

    updated = webhooks.update(created.id, description=None, events=["email.bounced", "email.failed"])
    print(f"manage: update cleared the description ({updated.description!r}), events now {updated.events}")

    # list() returns the first page; iter_pages() walks the pages, iterating a page walks every item.
    first = webhooks.list(limit=2)
    pages = list(first.iter_pages())
    total = sum(len(page.data) for page in pages)
    assert total == len(list(first))
    print(f"manage: list: {total} endpoint(s) in the workspace over {len(pages)} page(s) of at most 2")

    test = webhooks.test(created.id)
    print(
        f"manage: test event {test.event_id} -> success={test.success} status={test.status_code} "
        f"in {test.response_time_ms} ms{f' ({test.error})' if test.error else ''}"
    )

    rotated = webhooks.rotate_secret(created.id, expire_previous_in=3600)
    print(f"manage: rotated the secret; the previous one signs until {rotated.previous_secret_expires_at}")

    if emit:
        emit_events(client, "email.bounced", emit)
    attempts = wait_for_deliveries(client, created.id, emit)
    for attempt in attempts:
        print(
            f"manage: delivery {attempt.event_type} {attempt.event_id} attempt {attempt.attempt} -> "
            f"{attempt.status_code or attempt.error}"
        )
    if not attempts:
        print("manage: no delivery attempts yet")

    deleted = webhooks.delete(created.id)
    print(f"manage: deleted {deleted.id} ({deleted.deleted})")

    # Errors are classes with a stable kind (the same string in every send0 SDK), the HTTP status
    # and the request id.
    try:
        webhooks.get(created.id)
    except NotFoundError as error:
        print(f"manage: get after delete -> {type(error).__name__} kind={error.kind} status={error.status} "
              f"request_id={error.request_id}")
    else:
        raise SystemExit("expected NotFoundError after delete")

    try:
        webhooks.create(url=url, events=["email.deliverd"])
    except InvalidRequestError as error:
        print(f"manage: a typo in an event type -> kind={error.kind} param={error.param}: {error.message}")


async def async_walkthrough(url: str) -> None:
    async with AsyncSend0() as client:
        webhooks = client.webhooks
        created = await webhooks.create(url=url, events=["domain.*"], description="asyncio")
        print(f"manage (async): created {created.id} -> {created.url}")

        # Calls run concurrently: gather them.
        fetched, first_page = await asyncio.gather(webhooks.get(created.id), webhooks.list(limit=2))
        print(f"manage (async): get {fetched.id} status={fetched.status}; first page has {len(first_page.data)}")

        # `async for` over list() walks every item of every page.
        ids = [endpoint.id async for endpoint in webhooks.list(limit=2)]
        print(f"manage (async): list: {len(ids)} endpoint(s), this one included: {created.id in ids}")

        paused = await webhooks.update(created.id, active=False)
        print(f"manage (async): update active={paused.active} status={paused.status}")

        deleted = await webhooks.delete(created.id)
        print(f"manage (async): deleted {deleted.id} ({deleted.deleted})")
        try:
            await webhooks.get(created.id)
        except NotFoundError as error:
            print(f"manage (async): get after delete -> {type(error).__name__} kind={error.kind}")
        else:
            raise SystemExit("expected NotFoundError after delete")


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description="The send0 management walk-through.")
    parser.add_argument("url", nargs="?", default="https://example.com/webhooks/send0")
    parser.add_argument("--emit", type=int, default=0, help="local server only: emit N events first")
    args = parser.parse_args(argv)
    try:
        sync_walkthrough(args.url, args.emit)
        asyncio.run(async_walkthrough(args.url))
    except Send0Error as error:
        print(f"manage: {type(error).__name__} ({error.kind}): {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
