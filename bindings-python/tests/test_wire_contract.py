"""The API behaviour vectors of ``tests/fixtures/http`` (its README gives the schema), played to the
client through the scripted server: the same cases every SDK's suite plays to its own."""

from __future__ import annotations

import json
import time
from typing import Any, Dict, List, Optional

import pytest
from conftest import API_KEY, REPO_ROOT, Recorded, Reply, ScriptedServer, scripted_client

from send0 import AsyncSend0, Send0Error, WebhookEndpoint

HTTP_FIXTURES = REPO_ROOT / "tests" / "fixtures" / "http"


def cases(file: str) -> List[Dict[str, Any]]:
    document = json.loads((HTTP_FIXTURES / file).read_text(encoding="utf-8"))
    found: List[Dict[str, Any]] = document["cases"]
    assert found, f"{file} has no cases"
    return found


def play(scripted: ScriptedServer, case: Dict[str, Any]) -> None:
    scripted.script(*(Reply(reply["status"], body=reply["body"]) for reply in case["replies"]))


@pytest.mark.parametrize("case", cases("pagination.json"), ids=lambda case: case["name"])
def test_each_walk_ends_with_the_expected_error(scripted: ScriptedServer, case: Dict[str, Any]) -> None:
    play(scripted, case)
    items: List[str] = []
    with pytest.raises(Send0Error) as raised:
        for endpoint in scripted_client(scripted).webhooks.list():
            items.append(endpoint.id)
    expect = case["expect"]
    assert (items, raised.value.kind, len(scripted.requests)) == (expect["items"], expect["error"], expect["requests"])


@pytest.mark.parametrize("case", cases("pagination.json"), ids=lambda case: case["name"])
async def test_each_async_walk_ends_with_the_expected_error(scripted: ScriptedServer, case: Dict[str, Any]) -> None:
    play(scripted, case)
    items: List[str] = []
    with pytest.raises(Send0Error) as raised:
        async for endpoint in AsyncSend0(api_key=API_KEY, base_url=scripted.url).webhooks.list():
            items.append(endpoint.id)
    expect = case["expect"]
    assert (items, raised.value.kind, len(scripted.requests)) == (expect["items"], expect["error"], expect["requests"])


@pytest.mark.parametrize("case", cases("forward_compat.json"), ids=lambda case: case["name"])
def test_unknown_fields_and_statuses_reach_the_user(scripted: ScriptedServer, case: Dict[str, Any]) -> None:
    play(scripted, case)
    expect = case["expect"]
    client = scripted_client(scripted)
    got = client.webhooks.get(expect["id"])
    listed = client.webhooks.list().data[0]
    for endpoint in (got, listed):
        assert isinstance(endpoint, WebhookEndpoint)
        assert endpoint.status == expect["status"]
        for name, value in expect["unknown"].items():
            assert getattr(endpoint, name) == value
            assert endpoint.to_dict()[name] == value
        with pytest.raises(AttributeError):
            endpoint.no_such_field  # noqa: B018 - the lookup is the test
    assert got.to_dict() == case["replies"][0]["body"], "to_dict gives the object back as sent"
    assert "region" not in repr(got), "the repr shows the known fields"


# --------------------------------------------------------------------------------------------------
# retries.json and answers.json: one call against scripted faults

FAULT_CASES = cases("retries.json") + cases("answers.json")

UNSCRIPTED = Reply(
    500,
    headers={"x-should-retry": "false"},
    body={"error": "unscripted", "message": "no reply was scripted for this request"},
)
"""The answer to a request past the last scripted reply: not retried, and counted by ``requests``."""

REPLY_FIELDS = {"status", "headers", "body", "text", "delay_ms", "drop"}


def fault_reply(reply: Dict[str, Any]) -> Reply:
    """The scripted server's reply for one of a case's ``replies``."""
    assert set(reply) <= REPLY_FIELDS, f"this player cannot script {sorted(set(reply) - REPLY_FIELDS)}"
    if "text" in reply:
        payload = str(reply["text"]).encode()
    elif "body" in reply:
        payload = json.dumps(reply["body"]).encode()  # a JSON content-type is added when none is given
    else:
        payload = b""
    return Reply(
        reply.get("status", 200),
        headers=dict(reply.get("headers", {})),
        body=payload,
        delay=reply.get("delay_ms", 0) / 1000,
        drop=reply.get("drop", False),
    )


def script_faults(scripted: ScriptedServer, case: Dict[str, Any]) -> Dict[str, Any]:
    """Scripts the case's replies and returns the client options it asks for."""
    scripted.default = UNSCRIPTED
    scripted.script(*(fault_reply(reply) for reply in case["replies"]))
    options = case.get("options", {})
    assert set(options) <= {"max_retries", "timeout_ms"}, f"this player cannot set {sorted(options)}"
    client_options: Dict[str, Any] = {}
    if "max_retries" in options:
        client_options["max_retries"] = options["max_retries"]
    if "timeout_ms" in options:
        client_options["timeout"] = options["timeout_ms"] / 1000
    return client_options


def observed(
    expect: Dict[str, Any], error: Optional[Send0Error], elapsed: float, requests: List[Recorded]
) -> Dict[str, Any]:
    """What happened, under the keys of `expect`: a value that meets the expectation is given as
    expected (a wait at least ``min_wait_ms``, a message containing ``message_contains``), any other
    as observed."""
    got: Dict[str, Any] = {}
    for name, expected in expect.items():
        if name == "outcome":
            got[name] = "ok" if error is None else error.kind
        elif name in ("status", "param", "retry_after"):
            got[name] = getattr(error, name, None)
        elif name == "message_contains":
            message = "" if error is None else error.message
            got[name] = expected if expected in message else message
        elif name == "requests":
            got[name] = len(requests)
        elif name == "retry_counts":
            got[name] = [request.header("x-send0-retry-count") for request in requests]
        elif name == "one_idempotency_key":
            keys = {request.header("idempotency-key") for request in requests}
            bodies = {request.body for request in requests}
            got[name] = len(keys) == 1 and None not in keys and "" not in keys and len(bodies) == 1
        elif name == "min_wait_ms":
            waited = (requests[1].at - requests[0].at) * 1000 if len(requests) > 1 else None
            got[name] = expected if waited is not None and waited >= expected else waited
        elif name == "max_elapsed_ms":
            got[name] = expected if elapsed * 1000 < expected else elapsed * 1000
        else:
            pytest.fail(f"this player cannot check {name!r}")
    return got


def operation(webhooks: Any, case: Dict[str, Any]) -> Any:
    """Makes the case's call through ``client.webhooks`` (of a ``Send0``, or of an ``AsyncSend0``:
    then the call is returned to be awaited)."""
    calls = {
        "list": lambda: webhooks.list(),
        "get": lambda: webhooks.get("wh_1"),
        "create": lambda: webhooks.create(url="https://example.com/hook"),
    }
    assert case["call"] in calls, f"no such call: {case['call']!r}"
    return calls[case["call"]]()


def check(case: Dict[str, Any], error: Optional[Send0Error], started: float, requests: List[Recorded]) -> None:
    elapsed = time.monotonic() - started
    assert observed(case["expect"], error, elapsed, requests) == case["expect"], case["description"]


@pytest.mark.parametrize("case", FAULT_CASES, ids=lambda case: case["name"])
def test_each_fault_comes_to_the_expected_outcome(scripted: ScriptedServer, case: Dict[str, Any]) -> None:
    client = scripted_client(scripted, **script_faults(scripted, case))
    error: Optional[Send0Error] = None
    started = time.monotonic()
    try:
        operation(client.webhooks, case)
    except Send0Error as raised:
        error = raised
    check(case, error, started, scripted.requests)


@pytest.mark.parametrize("case", FAULT_CASES, ids=lambda case: case["name"])
async def test_each_async_fault_comes_to_the_expected_outcome(scripted: ScriptedServer, case: Dict[str, Any]) -> None:
    client = AsyncSend0(api_key=API_KEY, base_url=scripted.url, **script_faults(scripted, case))
    error: Optional[Send0Error] = None
    started = time.monotonic()
    try:
        await operation(client.webhooks, case)
    except Send0Error as raised:
        error = raised
    check(case, error, started, scripted.requests)
