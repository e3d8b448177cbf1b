"""Every shared vector of ``tests/fixtures/webhooks`` through ``Webhooks.verify`` / ``verify_raw`` /
``sign`` (the schema is in that directory's README)."""

from __future__ import annotations

import base64
from datetime import datetime, timedelta, timezone
from typing import Any, Dict, List, Tuple

import pytest
from conftest import load_fixture_cases

from send0 import Send0Error, WebhookEvent, Webhooks, WebhookVerificationError

EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
CASES = load_fixture_cases()
VERIFY_CASES = [case for case in CASES if case["op"] in ("verify", "verify_raw")]
SIGN_CASES = [case for case in CASES if case["op"] == "sign"]
KINDS = {
    "missing_header",
    "invalid_timestamp",
    "timestamp_too_old",
    "timestamp_too_new",
    "invalid_signature",
    "invalid_secret",
    "invalid_payload",
}


def case_id(case: Dict[str, Any]) -> str:
    name: str = case["name"]
    return name


def body_of(case: Dict[str, Any]) -> bytes:
    if "body_base64" in case:
        return base64.b64decode(case["body_base64"])
    body: str = case["body"]
    return body.encode("utf-8")


def headers_of(case: Dict[str, Any]) -> List[Tuple[str, str]]:
    return [(name, value) for name, value in case["headers"]]


def options_of(case: Dict[str, Any]) -> Dict[str, Any]:
    options: Dict[str, Any] = {"now": case["now"]}
    if "tolerance" in case:
        options["tolerance"] = case["tolerance"]
    return options


def key_material(secrets: List[str]) -> List[str]:
    """The parts of each secret that must never show in an error: the secret as given, and its
    key bytes' base64 (without prefix and padding). Fragments too short to mean anything are left out."""
    fragments: List[str] = []
    for secret in secrets:
        text = secret.strip()
        fragments.append(text)
        for prefix in ("whsec_", "whpk_"):
            if text.startswith(prefix):
                text = text[len(prefix) :]
        fragments.append(text.rstrip("="))
    return [fragment for fragment in fragments if len(fragment) >= 8]


def assert_no_key_material(error: Exception, secrets: List[str]) -> None:
    shown = " ".join([str(error), repr(error), *(str(arg) for arg in error.args)])
    for fragment in key_material(secrets):
        assert fragment not in shown, f"the error shows secret material: {shown!r}"


def test_the_vectors_are_all_here() -> None:
    names = [case["name"] for case in CASES]
    assert len(names) == len(set(names)), "case names are unique across files"
    assert len(VERIFY_CASES) >= 100 and len(SIGN_CASES) >= 5
    assert {case["error"] for case in VERIFY_CASES} - {None} == KINDS


@pytest.mark.parametrize("case", VERIFY_CASES, ids=case_id)
def test_verify_vector(case: Dict[str, Any]) -> None:
    body = body_of(case)
    headers = headers_of(case)
    secrets: List[str] = case["secrets"]
    options = options_of(case)
    expected_error = case["error"]

    if expected_error is None:
        # A delivery that verifies also passes the signature-only check.
        assert Webhooks.verify_raw(body, headers, secrets, **options) is None
        if case["op"] == "verify":
            event = Webhooks.verify(body, headers, secrets, **options)
            check_event(event, case["event"], body)
        return

    operation = Webhooks.verify if case["op"] == "verify" else Webhooks.verify_raw
    with pytest.raises(WebhookVerificationError) as raised:
        operation(body, headers, secrets, **options)
    error = raised.value
    assert isinstance(error, Send0Error)
    assert error.kind == expected_error, f"{case['description']}: got {error.kind}: {error}"
    assert str(error), "the error says what failed"
    if "error_mentions" in case:
        assert case["error_mentions"] in str(error).lower()
    assert_no_key_material(error, secrets)

    # The signature-only check fails the same way, except on a payload it does not parse.
    if case["op"] == "verify":
        if expected_error == "invalid_payload":
            assert Webhooks.verify_raw(body, headers, secrets, **options) is None
        else:
            with pytest.raises(WebhookVerificationError) as raw_raised:
                Webhooks.verify_raw(body, headers, secrets, **options)
            assert raw_raised.value.kind == expected_error


@pytest.mark.parametrize("case", [case for case in VERIFY_CASES if len(case["secrets"]) == 1], ids=case_id)
def test_verify_vector_with_one_secret_as_str(case: Dict[str, Any]) -> None:
    """A single secret may be passed as a plain string, with the same outcome as a one-item list."""
    body, headers, options = body_of(case), headers_of(case), options_of(case)
    secret: str = case["secrets"][0]
    if case["error"] is None:
        Webhooks.verify_raw(body, headers, secret, **options)
        return
    operation = Webhooks.verify if case["op"] == "verify" else Webhooks.verify_raw
    with pytest.raises(WebhookVerificationError) as raised:
        operation(body, headers, secret, **options)
    assert raised.value.kind == case["error"]


def check_event(event: WebhookEvent, expected: Dict[str, Any], body: bytes) -> None:
    assert event.id == expected["id"]
    assert event.type == expected["type"]
    assert event.service == expected["service"]
    assert event.data == expected["data"]
    assert event.livemode is expected["livemode"]
    assert event.webhook_id == expected["webhook_id"]
    assert event.timestamp == expected["timestamp"]
    assert isinstance(event.created_at, datetime)
    assert event.created_at.tzinfo is not None and event.created_at.utcoffset() == timedelta(0)
    assert event.created_at == EPOCH + timedelta(milliseconds=expected["created_at"])
    assert event.to_dict()["createdAt"] == expected["created_at"]
    assert event.raw == body


@pytest.mark.parametrize("case", SIGN_CASES, ids=case_id)
def test_sign_vector(case: Dict[str, Any]) -> None:
    body = body_of(case)
    signature = Webhooks.sign(case["secret"], case["msg_id"], case["timestamp"], body)
    assert signature == case["expected"]
    # The timestamp may be an aware datetime, the body a str when it is text.
    at = EPOCH + timedelta(seconds=case["timestamp"])
    assert Webhooks.sign(case["secret"], case["msg_id"], at, body) == case["expected"]
    if "body" in case:
        assert Webhooks.sign(case["secret"], case["msg_id"], case["timestamp"], case["body"]) == case["expected"]
    # What we sign, we verify.
    headers = {
        "webhook-id": case["msg_id"],
        "webhook-timestamp": str(case["timestamp"]),
        "webhook-signature": signature,
    }
    Webhooks.verify_raw(body, headers, case["secret"], now=case["timestamp"])
