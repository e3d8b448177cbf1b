"""Interoperability with the published Standard Webhooks library (PyPI ``standardwebhooks``): it
signs and we verify; we sign and it verifies; a wrong key fails on both sides."""

from __future__ import annotations

import base64
import json
from datetime import datetime, timedelta, timezone
from typing import Dict

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from standardwebhooks.webhooks import Webhook
from standardwebhooks.webhooks import WebhookVerificationError as PeerVerificationError

from send0 import Webhooks, WebhookVerificationError

EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
SETTINGS = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])

keys = st.binary(min_size=1, max_size=64)
msg_ids = st.text(
    alphabet=st.characters(min_codepoint=33, max_codepoint=126, blacklist_characters=","), min_size=1, max_size=48
)
# Unix seconds from 1970 to the year 3000.
timestamps = st.integers(min_value=0, max_value=32_503_680_000)
# The peer signs text (it encodes as UTF-8); surrogates cannot be encoded.
bodies = st.text(alphabet=st.characters(codec="utf-8"), max_size=600)


def whsec(key: bytes) -> str:
    return "whsec_" + base64.b64encode(key).decode()


def headers(msg_id: str, timestamp: int, signature: str) -> Dict[str, str]:
    return {"webhook-id": msg_id, "webhook-timestamp": str(timestamp), "webhook-signature": signature}


def test_the_specification_vector_both_ways() -> None:
    secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
    msg_id, timestamp, body = "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, '{"test": 2432232314}'
    expected = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
    at = EPOCH + timedelta(seconds=timestamp)
    assert Webhook(secret).sign(msg_id, at, body) == expected
    assert Webhooks.sign(secret, msg_id, timestamp, body) == expected


@SETTINGS
@given(key=keys, msg_id=msg_ids, timestamp=timestamps, body=bodies)
def test_they_sign_we_verify(key: bytes, msg_id: str, timestamp: int, body: str) -> None:
    secret = whsec(key)
    signature = Webhook(secret).sign(msg_id, EPOCH + timedelta(seconds=timestamp), body)
    # Our signature for the same message is byte-identical.
    assert Webhooks.sign(secret, msg_id, timestamp, body) == signature
    Webhooks.verify_raw(body, headers(msg_id, timestamp, signature), secret, now=timestamp)
    Webhooks.verify_raw(body.encode("utf-8"), headers(msg_id, timestamp, signature), [secret], now=timestamp)


@SETTINGS
@given(key=keys, msg_id=msg_ids, offset=st.integers(min_value=-200, max_value=200), body=bodies)
def test_we_sign_they_verify(key: bytes, msg_id: str, offset: int, body: str) -> None:
    # The peer's verify reads the system clock: sign within its 5-minute window.
    timestamp = int(datetime.now(timezone.utc).timestamp()) + offset
    secret = whsec(key)
    signature = Webhooks.sign(secret, msg_id, timestamp, body)
    assert Webhook(secret).verify(body, headers(msg_id, timestamp, signature), json_parse=False) is None


@SETTINGS
@given(key=keys, msg_id=msg_ids, offset=st.integers(min_value=-200, max_value=200))
def test_a_signed_event_round_trips_through_both(key: bytes, msg_id: str, offset: int) -> None:
    timestamp = int(datetime.now(timezone.utc).timestamp()) + offset
    envelope = {"eventId": msg_id, "type": "email.delivered", "data": {"to": ["a@b.test"]}, "createdAt": 1}
    body = json.dumps(envelope)
    secret = whsec(key)
    ours = Webhooks.sign(secret, msg_id, timestamp, body)
    assert Webhook(secret).verify(body, headers(msg_id, timestamp, ours)) == envelope
    theirs = Webhook(secret).sign(msg_id, EPOCH + timedelta(seconds=timestamp), body)
    event = Webhooks.verify(body, headers(msg_id, timestamp, theirs), secret, now=timestamp)
    assert event.id == msg_id and event.type == "email.delivered" and event.service == "email"


@SETTINGS
@given(key=keys, other=keys, msg_id=msg_ids, offset=st.integers(min_value=-200, max_value=200), body=bodies)
def test_a_wrong_key_fails_on_both_sides(key: bytes, other: bytes, msg_id: str, offset: int, body: str) -> None:
    assume(key != other)
    timestamp = int(datetime.now(timezone.utc).timestamp()) + offset
    right, wrong = whsec(key), whsec(other)

    # They sign with the right key; we verify with the wrong one.
    theirs = Webhook(right).sign(msg_id, EPOCH + timedelta(seconds=timestamp), body)
    with pytest.raises(WebhookVerificationError) as raised:
        Webhooks.verify_raw(body, headers(msg_id, timestamp, theirs), wrong, now=timestamp)
    assert raised.value.kind == "invalid_signature"

    # We sign with the right key; they verify with the wrong one.
    ours = Webhooks.sign(right, msg_id, timestamp, body)
    with pytest.raises(PeerVerificationError):
        Webhook(wrong).verify(body, headers(msg_id, timestamp, ours), json_parse=False)
