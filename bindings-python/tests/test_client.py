"""``Send0`` against the real local server (and, for faults the server cannot produce, the scripted
one): every operation and every error class."""

from __future__ import annotations

import json
import socket
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable, Iterator, List, TypeVar

import httpx
import pytest
from conftest import (
    API_KEY,
    LocalServer,
    Receiver,
    Reply,
    ScriptedServer,
    api_error_reply,
    scripted_client,
    start_server,
    unique,
)

import send0
from send0 import (
    NOT_GIVEN,
    APIConnectionError,
    APIError,
    APITimeoutError,
    AuthenticationError,
    ConflictError,
    DeliveryAttempt,
    InternalServerError,
    InvalidArgumentError,
    InvalidRequestError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    Send0,
    Send0Error,
    SyncPage,
    WebhookEndpoint,
    WebhookEndpointWithSecret,
    Webhooks,
)

T = TypeVar("T")
READER_KEY = "sk_test_reader_only_0001"
MANAGER_KEY = "sk_test_manager_0001"


def eventually(check: Callable[[], T], *, limit: float = 10.0, what: str = "the condition") -> T:
    """Polls `check` until it returns something truthy: for server state that no event announces
    (a delivery attempt's record is written after the receiver has answered)."""
    deadline = time.monotonic() + limit
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            pytest.fail(f"{what} did not happen within {limit} s")
        time.sleep(0.02)


def assert_endpoint(endpoint: WebhookEndpoint) -> None:
    assert endpoint.id.startswith("wh_") and len(endpoint.id) == 15
    assert endpoint.object == "webhook_endpoint"
    assert isinstance(endpoint.created_at, datetime) and endpoint.created_at.tzinfo is not None
    assert isinstance(endpoint.updated_at, datetime) and endpoint.updated_at.tzinfo is not None


# -- operations ------------------------------------------------------------------------------------


def test_create_shows_the_secret_once_and_never_in_repr(client: Send0) -> None:
    tag = unique("create")
    created = client.webhooks.create(
        url="https://example.com/webhooks/send0", events=["email.delivered", "domain.*"], description=tag
    )
    assert isinstance(created, WebhookEndpointWithSecret)
    assert_endpoint(created)
    assert created.url == "https://example.com/webhooks/send0"
    assert created.events == ["email.delivered", "domain.*"]
    assert created.description == tag
    assert created.active is True and created.status == "active"
    assert created.consecutive_failures == 0
    assert created.last_delivery_at is None and created.last_delivery_status is None
    assert created.secret.startswith("whsec_")
    assert created.secret not in repr(created) and created.secret not in str(created)
    assert created.secret.removeprefix("whsec_") not in repr(created)

    fetched = client.webhooks.get(created.id)
    assert type(fetched) is WebhookEndpoint
    assert not hasattr(fetched, "secret")
    assert fetched.id == created.id and fetched.description == tag
    assert fetched.to_dict()["created_at"].endswith("Z")


def test_create_defaults(client: Send0) -> None:
    created = client.webhooks.create(url="https://example.com/defaults")
    assert created.events == ["*"]
    assert created.description is None
    assert created.active is True
    inactive = client.webhooks.create(url="https://example.com/inactive", active=False)
    assert inactive.active is False and inactive.status == "disabled"


def test_the_client_repr_hides_the_api_key(client: Send0, base_url: str) -> None:
    shown = repr(client)
    assert "send0_local" not in shown and API_KEY not in shown
    assert client.base_url.rstrip("/") == base_url
    with Send0(api_key=API_KEY, base_url=base_url) as managed:
        assert managed.webhooks.list(limit=1).data is not None


def test_list_pages_and_iteration_walk_every_page(client: Send0) -> None:
    tag = unique("page")
    created: List[str] = [
        client.webhooks.create(url=f"https://example.com/{tag}/{n}", description=tag).id for n in range(25)
    ]

    first = client.webhooks.list(limit=10)
    assert isinstance(first, SyncPage)
    assert len(first.data) == 10 and first.has_more and first.cursor
    assert first.has_next_page()
    assert "10 items" in repr(first)
    second = first.next_page()
    assert len(second.data) == 10
    assert not {e.id for e in first.data} & {e.id for e in second.data}

    # Iterating a page walks it and every page after it; newest first, each endpoint once.
    everything = [endpoint.id for endpoint in client.webhooks.list(limit=10)]
    assert len(everything) == len(set(everything))
    mine = [id for id in everything if id in set(created)]
    assert mine == list(reversed(created))

    pages = list(client.webhooks.list(limit=7).iter_pages())
    assert all(len(page.data) <= 7 for page in pages)
    assert not pages[-1].has_next_page()
    with pytest.raises(StopIteration):
        pages[-1].next_page()
    assert sum(len(page.data) for page in pages) == len(everything)


def test_list_with_a_limit_out_of_range(scripted: ScriptedServer) -> None:
    client = scripted_client(scripted)
    for limit in (0, 101, 1000):
        with pytest.raises(InvalidArgumentError) as raised:
            client.webhooks.list(limit=limit)
        assert "limit" in str(raised.value)
    assert scripted.requests == [], "refused before any request"


def test_update_changes_only_the_given_fields(client: Send0) -> None:
    created = client.webhooks.create(
        url="https://example.com/update", events=["email.*"], description="before"
    )

    unchanged = client.webhooks.update(created.id)  # nothing given: nothing changes
    assert (unchanged.url, unchanged.events, unchanged.description, unchanged.active) == (
        "https://example.com/update",
        ["email.*"],
        "before",
        True,
    )

    described = client.webhooks.update(created.id, description="after")
    assert described.description == "after"
    assert described.events == ["email.*"] and described.url == "https://example.com/update"

    explicit = client.webhooks.update(
        created.id, url=NOT_GIVEN, events=NOT_GIVEN, description=NOT_GIVEN, active=NOT_GIVEN
    )
    assert explicit.description == "after"

    disabled = client.webhooks.update(created.id, active=False)
    assert disabled.active is False and disabled.status == "disabled"
    assert disabled.description == "after"

    moved = client.webhooks.update(created.id, url="https://example.com/moved", events=["domain.health.*"])
    assert moved.url == "https://example.com/moved" and moved.events == ["domain.health.*"]
    assert moved.active is False and moved.description == "after"

    cleared = client.webhooks.update(created.id, description=None)
    assert cleared.description is None
    assert client.webhooks.get(created.id).description is None
    assert cleared.updated_at >= created.updated_at


def test_not_given_is_a_falsy_singleton() -> None:
    assert not NOT_GIVEN
    assert repr(NOT_GIVEN) == "NOT_GIVEN"
    assert send0.NotGiven() is NOT_GIVEN


def test_delete(client: Send0) -> None:
    created = client.webhooks.create(url="https://example.com/delete")
    deleted = client.webhooks.delete(created.id)
    assert deleted.id == created.id and deleted.deleted is True and deleted.object == "webhook_endpoint"
    with pytest.raises(NotFoundError):
        client.webhooks.get(created.id)
    with pytest.raises(NotFoundError):
        client.webhooks.delete(created.id)


def test_test_delivers_a_signed_platform_test(client: Send0, receiver: Receiver) -> None:
    created = client.webhooks.create(url=receiver.url, events=["email.bounced"])
    result = client.webhooks.test(created.id)
    assert result.success is True and result.status_code == 200 and result.error is None
    assert result.response_time_ms >= 0
    assert result.event_id.startswith("evt_")

    (delivery,) = receiver.wait_for(1)
    assert delivery.method == "POST"
    assert delivery.header("content-type") == "application/json"
    assert (delivery.header("user-agent") or "").startswith("send0-webhooks/")
    event = Webhooks.verify(delivery.body, delivery.message, created.secret)
    assert event.type == "platform.test" and event.service == "platform"
    assert event.id == result.event_id == event.webhook_id
    assert event.data["endpoint_id"] == created.id
    # The resource inherits verify: client.webhooks.verify is Webhooks.verify.
    assert client.webhooks.verify(delivery.body, delivery.headers, created.secret) == event


def test_test_reports_a_failing_receiver(client: Send0, receiver: Receiver) -> None:
    receiver.answer(503)
    created = client.webhooks.create(url=receiver.url)
    result = client.webhooks.test(created.id)
    assert result.success is False and result.status_code == 503
    receiver.wait_for(1)
    # A test does not touch the failure counters.
    assert client.webhooks.get(created.id).consecutive_failures == 0


def test_rotate_secret(client: Send0, receiver: Receiver) -> None:
    created = client.webhooks.create(url=receiver.url)
    rotated = client.webhooks.rotate_secret(created.id)
    assert rotated.secret.startswith("whsec_") and rotated.secret != created.secret
    assert rotated.secret not in repr(rotated)
    assert rotated.previous_secret_expires_at is not None
    assert rotated.previous_secret_expires_at > datetime.now(timezone.utc)

    # During the rotation a delivery carries one signature per live secret: either one verifies.
    client.webhooks.test(created.id)
    (delivery,) = receiver.wait_for(1)
    assert len((delivery.header("webhook-signature") or "").split()) == 2
    Webhooks.verify(delivery.body, delivery.message, created.secret)
    Webhooks.verify(delivery.body, delivery.message, rotated.secret)

    # Rotating again with the previous secret expiring at once: only the newest one signs.
    newest = client.webhooks.rotate_secret(created.id, expire_previous_in=0)
    client.webhooks.test(created.id)
    delivery = receiver.wait_for(2)[1]
    Webhooks.verify(delivery.body, delivery.message, newest.secret)
    with pytest.raises(send0.WebhookVerificationError) as raised:
        Webhooks.verify(delivery.body, delivery.message, rotated.secret)
    assert raised.value.kind == "invalid_signature"


def test_rotate_secret_with_an_invalid_expiry(client: Send0) -> None:
    created = client.webhooks.create(url="https://example.com/rotate")
    with pytest.raises(InvalidRequestError) as raised:
        client.webhooks.rotate_secret(created.id, expire_previous_in=10**7)
    assert raised.value.param == "expire_previous_in"


@pytest.mark.timeout(30)
def test_deliveries_after_an_emitted_event(client: Send0, receiver: Receiver, local_server: LocalServer) -> None:
    receiver.answer(500)  # the first attempt fails; the retry (after 200 ms) succeeds
    created = client.webhooks.create(url=receiver.url, events=["email.delivered"])
    emitted = local_server.emit("email.delivered")
    assert emitted["endpoints"] >= 1

    first, second = receiver.wait_for(2)
    assert first.header("webhook-id") == second.header("webhook-id") == emitted["event_id"]
    assert first.body == second.body
    event = Webhooks.verify(second.body, second.message, created.secret)
    assert event.type == "email.delivered" and event.id == emitted["event_id"]

    def both_recorded() -> List[DeliveryAttempt]:
        attempts = list(client.webhooks.deliveries(created.id))
        return attempts if len(attempts) == 2 and attempts[0].status_code == 200 else []

    attempts = eventually(both_recorded, what="two recorded delivery attempts")
    newest, oldest = attempts
    assert (newest.attempt, oldest.attempt) == (2, 1)
    assert oldest.status_code == 500 and oldest.next_attempt_at is not None
    assert newest.status_code == 200 and newest.next_attempt_at is None and newest.error is None
    assert {a.event_id for a in attempts} == {emitted["event_id"]}
    assert {a.event_type for a in attempts} == {"email.delivered"}
    page = client.webhooks.deliveries(created.id, limit=1)
    assert len(page.data) == 1 and page.has_next_page()
    assert page.next_page().data[0].attempt == 1

    endpoint = client.webhooks.get(created.id)
    assert endpoint.last_delivery_status == 200 and endpoint.consecutive_failures == 0
    assert endpoint.last_delivery_at is not None


def test_events_reach_only_matching_endpoints(client: Send0, receiver: Receiver, local_server: LocalServer) -> None:
    client.webhooks.create(url=receiver.url, events=["domain.*"])
    emitted = local_server.emit("domain.health.degraded", {"domain": "mail.acme.test"})
    (delivery,) = receiver.wait_for(1)
    assert delivery.json()["eventId"] == emitted["event_id"]
    assert delivery.json()["data"]["domain"] == "mail.acme.test"


# -- errors from the real server -------------------------------------------------------------------


def test_authentication_error(base_url: str) -> None:
    bad_key = "sk_test_this_key_does_not_exist"
    client = Send0(api_key=bad_key, base_url=base_url)
    with pytest.raises(AuthenticationError) as raised:
        client.webhooks.list()
    error = raised.value
    assert isinstance(error, APIError) and isinstance(error, Send0Error)
    assert error.kind == "authentication" and error.status == 401 and error.code == "unauthorized"
    assert error.message == "Invalid or missing API key"
    assert error.request_id and error.request_id.startswith("req_")
    assert error.headers["x-request-id"] == error.request_id
    assert json.loads(error.body)["error"] == "unauthorized"
    assert error.request_id in str(error) and "401" in str(error)
    assert "does_not_exist" not in f"{error} {error!r}"


@pytest.fixture(scope="module")
def scoped_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalServer]:
    """A second server whose keys file has a read-only key (and a manager in the same workspace)."""
    workdir: Path = tmp_path_factory.mktemp("scoped-server")
    keys = workdir / "keys.json"
    keys.write_text(
        json.dumps(
            [
                {"key": READER_KEY, "workspace": "ws_scoped", "scopes": ["platform:webhooks:read"]},
                {"key": MANAGER_KEY, "workspace": "ws_scoped", "scopes": ["platform:webhooks:manage"]},
            ]
        )
    )
    server = start_server(workdir, "--keys", str(keys))
    yield server
    server.stop()


def test_permission_denied_names_the_required_scope(scoped_server: LocalServer) -> None:
    manager = Send0(api_key=MANAGER_KEY, base_url=scoped_server.url)
    reader = Send0(api_key=READER_KEY, base_url=scoped_server.url)
    created = manager.webhooks.create(url="https://example.com/scoped")
    assert reader.webhooks.get(created.id).id == created.id
    assert [e.id for e in reader.webhooks.list()] == [created.id]

    for forbidden in (
        lambda: reader.webhooks.create(url="https://example.com/nope"),
        lambda: reader.webhooks.update(created.id, description="x"),
        lambda: reader.webhooks.delete(created.id),
        lambda: reader.webhooks.rotate_secret(created.id),
    ):
        with pytest.raises(PermissionDeniedError) as raised:
            forbidden()
        error = raised.value
        assert error.kind == "permission" and error.status == 403 and error.code == "forbidden"
        assert error.required_scope == "platform:webhooks:manage"
        assert error.request_id
    # The default key of the other server means nothing here.
    with pytest.raises(AuthenticationError):
        Send0(api_key=API_KEY, base_url=scoped_server.url).webhooks.list()


def test_another_workspaces_endpoint_is_not_found(scoped_server: LocalServer, client: Send0) -> None:
    mine = client.webhooks.create(url="https://example.com/mine")
    other = Send0(api_key=MANAGER_KEY, base_url=scoped_server.url)
    with pytest.raises(NotFoundError):
        other.webhooks.get(mine.id)


def test_not_found(client: Send0) -> None:
    with pytest.raises(NotFoundError) as raised:
        client.webhooks.get("wh_000000000000")
    error = raised.value
    assert error.kind == "not_found" and error.status == 404 and error.code == "not_found"
    assert "wh_000000000000" in error.message
    assert error.request_id and error.headers["x-request-id"] == error.request_id


def test_an_empty_id_is_refused_before_any_request(scripted: ScriptedServer) -> None:
    client = scripted_client(scripted)
    for blank in ("", "   "):
        with pytest.raises(InvalidArgumentError, match="empty"):
            client.webhooks.get(blank)
    with pytest.raises(TypeError):
        client.webhooks.get(42)  # type: ignore[arg-type]
    assert scripted.requests == []


def test_ids_are_sent_as_one_path_segment(scripted: ScriptedServer) -> None:
    scripted.script(api_error_reply(404, "not_found", "no such endpoint"))
    with pytest.raises(NotFoundError):
        scripted_client(scripted).webhooks.get("wh_a/../b")
    assert scripted.requests[0].path == "/v1/webhooks/wh_a%2F..%2Fb"


def test_invalid_request_names_the_param(client: Send0) -> None:
    with pytest.raises(InvalidRequestError) as raised:
        client.webhooks.create(url="ftp://example.com/hook")
    assert raised.value.param == "url" and raised.value.status == 400 and raised.value.code == "invalid_request"
    assert raised.value.kind == "invalid_request"

    with pytest.raises(InvalidRequestError) as raised:
        client.webhooks.create(url="https://example.com/x", events=["email.deliverd"])
    assert raised.value.param == "events"
    assert "email.delivered" in raised.value.message  # the closest known type is suggested

    with pytest.raises(InvalidRequestError) as raised:
        client.webhooks.create(url="https://example.com/x", description="d" * 501)
    assert raised.value.param == "description"


def test_conflict_on_a_reused_idempotency_key(client: Send0) -> None:
    key = unique("idem")
    first = client.webhooks.create(url="https://example.com/idem-a", idempotency_key=key)
    replayed = client.webhooks.create(url="https://example.com/idem-a", idempotency_key=key)
    assert replayed.id == first.id and replayed.secret == first.secret

    started = time.monotonic()
    with pytest.raises(ConflictError) as raised:
        client.webhooks.create(url="https://example.com/idem-b", idempotency_key=key)
    error = raised.value
    assert error.kind == "conflict" and error.status == 409 and error.code == "idempotency_conflict"
    assert error.headers.get("x-should-retry") == "false"
    # A retry would first back off for at least 0.375 s, a second one 0.75 s more.
    assert time.monotonic() - started < 1.0, "x-should-retry: false means no retry"


def test_no_api_key_is_an_invalid_argument(monkeypatch: pytest.MonkeyPatch, base_url: str) -> None:
    monkeypatch.delenv("SEND0_API_KEY", raising=False)
    with pytest.raises(InvalidArgumentError) as raised:
        Send0(base_url=base_url)
    assert raised.value.kind == "invalid_argument"
    assert "SEND0_API_KEY" in str(raised.value)
    assert isinstance(raised.value, ValueError)
    with pytest.raises(InvalidArgumentError):
        send0.AsyncSend0(base_url=base_url)


def test_the_api_key_and_base_url_come_from_the_environment(monkeypatch: pytest.MonkeyPatch, base_url: str) -> None:
    monkeypatch.setenv("SEND0_API_KEY", API_KEY)
    monkeypatch.setenv("SEND0_BASE_URL", base_url)
    client = Send0()
    assert client.base_url.rstrip("/") == base_url
    assert client.webhooks.list(limit=1) is not None


def test_bad_settings_are_invalid_arguments(base_url: str) -> None:
    for options in ({"base_url": "not a url"}, {"base_url": "ftp://example.com"}, {"timeout": 0}, {"timeout": -1.0}):
        with pytest.raises(InvalidArgumentError):
            Send0(api_key=API_KEY, **options)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


def test_connection_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    client = Send0(api_key=API_KEY, base_url=f"http://127.0.0.1:{free_port()}", max_retries=0)
    with pytest.raises(APIConnectionError) as raised:
        client.webhooks.list()
    error = raised.value
    assert error.kind == "connection" and not isinstance(error, APITimeoutError)
    assert not isinstance(error, APIError)
    assert API_KEY not in str(error)


@pytest.mark.timeout(30)
def test_timeout(scripted: ScriptedServer) -> None:
    scripted.script(Reply(200, body={}, delay=5))
    client = scripted_client(scripted, timeout=0.3, max_retries=0)
    started = time.monotonic()
    with pytest.raises(APITimeoutError) as raised:
        client.webhooks.get("wh_slowslowslow")
    assert time.monotonic() - started < 3
    assert raised.value.kind == "timeout"
    assert isinstance(raised.value, APIConnectionError)  # a timeout is a kind of connection error
    assert scripted.disconnected.wait(5), "the client gave up on the connection"


def test_rate_limit_error_with_retry_after(scripted: ScriptedServer) -> None:
    scripted.script(api_error_reply(429, "rate_limited", "Too many requests", **{"Retry-After": "7"}))
    client = scripted_client(scripted, max_retries=0)
    with pytest.raises(RateLimitError) as raised:
        client.webhooks.list()
    error = raised.value
    assert error.kind == "rate_limited" and error.status == 429 and error.code == "rate_limited"
    assert error.retry_after == 7.0
    assert error.headers["retry-after"] == "7"
    assert error.request_id and error.request_id.startswith("req_scripted_")
    assert len(scripted.requests) == 1


def test_internal_server_error(scripted: ScriptedServer) -> None:
    scripted.script(api_error_reply(500, "internal_error", "Something broke"))
    client = scripted_client(scripted, max_retries=0)
    with pytest.raises(InternalServerError) as raised:
        client.webhooks.get("wh_000000000000")
    error = raised.value
    assert error.kind == "api" and error.status == 500 and error.code == "internal_error"
    assert error.message == "Something broke"
    assert json.loads(error.body) == {"error": "internal_error", "message": "Something broke"}
    assert error.request_id == error.headers["x-request-id"]


def test_an_error_without_a_json_body(scripted: ScriptedServer) -> None:
    scripted.script(Reply(502, headers={"content-type": "text/html"}, body="<html>bad gateway</html>"))
    client = scripted_client(scripted, max_retries=0)
    with pytest.raises(InternalServerError) as raised:
        client.webhooks.list()
    assert raised.value.status == 502 and raised.value.code is None
    assert raised.value.body == "<html>bad gateway</html>"
    assert "502" in raised.value.message


def test_a_success_with_an_unreadable_body(scripted: ScriptedServer) -> None:
    scripted.script(Reply(200, body="this is not json"))
    client = scripted_client(scripted, max_retries=0)
    with pytest.raises(send0.APIResponseDecodeError) as raised:
        client.webhooks.get("wh_000000000000")
    assert raised.value.kind == "decode"


def test_requests_carry_the_sdk_headers(scripted: ScriptedServer, base_url: str) -> None:
    scripted.script(Reply(forward=base_url))
    client = scripted_client(scripted)
    client.webhooks.list(limit=3)
    (request,) = scripted.wait_for_requests(1)
    assert request.method == "GET" and request.path == "/v1/webhooks?limit=3"
    assert request.header("authorization") == f"Bearer {API_KEY}"
    assert request.header("user-agent") == f"send0-python/{send0.__version__}"
    assert request.header("idempotency-key") is None  # only POSTs carry one


def test_the_local_server_answers_httpx_too(base_url: str) -> None:
    """The harness's own check: the server speaks the API's JSON to a plain HTTP client."""
    response = httpx.get(f"{base_url}/v1/webhooks", headers={"authorization": f"Bearer {API_KEY}"})
    assert response.status_code == 200 and response.json()["object"] == "list"
    assert response.headers["x-request-id"].startswith("req_")
