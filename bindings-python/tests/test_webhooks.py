"""``Webhooks.verify`` / ``verify_raw`` / ``sign`` with Python's own types: bodies, header
containers, secrets, clocks, tolerances, the event object and the errors."""

from __future__ import annotations

import base64
import email.message
import email.parser
import http.client
import io
import json
from datetime import datetime, timedelta, timezone
from typing import Any, Dict, List, Tuple

import flask
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from werkzeug.datastructures import EnvironHeaders, Headers

import send0
from send0 import Send0Error, WebhookEvent, Webhooks, WebhookVerificationError

EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
KEY = bytes(range(32))
SECRET = "whsec_" + base64.b64encode(KEY).decode()
OTHER_SECRET = "whsec_" + base64.b64encode(b"\x07" * 32).decode()
NOW = 1_775_989_800
MSG_ID = "evt_7f1c2b9e-8d47-4a13-b6e2-91c3d7a0f468"
ENVELOPE: Dict[str, Any] = {
    "eventId": MSG_ID,
    "type": "email.bounced",
    "service": "email",
    "data": {
        "email_id": "em_3mKpLvRw9nQx",
        "from": "Acme <billing@acme.test>",
        "to": ["ada@example.test"],
        "subject": "Invoice #1042 — überfällig",
        "bounce_type": "hard",
        "bounce_message": "550 5.1.1 no such user",
    },
    "livemode": False,
    "createdAt": NOW * 1000 - 1_377,
}
BODY = json.dumps(ENVELOPE, ensure_ascii=False).encode("utf-8")


def signed(
    body: bytes = BODY, *, timestamp: int = NOW, msg_id: str = MSG_ID, secret: str = SECRET
) -> Dict[str, str]:
    return {
        "webhook-id": msg_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": Webhooks.sign(secret, msg_id, timestamp, body),
    }


def wrong_signature(body: bytes = BODY) -> str:
    return Webhooks.sign(OTHER_SECRET, MSG_ID, NOW, body)


def expected_event() -> WebhookEvent:
    return WebhookEvent(
        id=MSG_ID,
        type="email.bounced",
        service="email",
        data=ENVELOPE["data"],
        livemode=False,
        created_at=EPOCH + timedelta(milliseconds=ENVELOPE["createdAt"]),
        webhook_id=MSG_ID,
        timestamp=NOW,
        raw=BODY,
    )


def assert_secret_hidden(error: BaseException, *secrets: str) -> None:
    shown = f"{error} {error!r} {error.args!r}"
    for secret in secrets:
        assert secret not in shown
        assert secret.removeprefix("whsec_").rstrip("=") not in shown


# -- bodies ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [BODY, bytearray(BODY), memoryview(BODY), BODY.decode("utf-8")],
    ids=["bytes", "bytearray", "memoryview", "str"],
)
def test_every_body_type_gives_the_same_event(body: Any) -> None:
    event = Webhooks.verify(body, signed(), SECRET, now=NOW)
    assert event == expected_event()
    assert event.raw == BODY and isinstance(event.raw, bytes)
    assert Webhooks.verify_raw(body, signed(), SECRET, now=NOW) is None


def test_a_memoryview_slice_is_the_bytes_it_shows() -> None:
    padded = b"xx" + BODY + b"yy"
    assert Webhooks.verify(memoryview(padded)[2:-2], signed(), SECRET, now=NOW) == expected_event()


@pytest.mark.parametrize("parsed", [ENVELOPE, [ENVELOPE]], ids=["dict", "list"])
def test_a_parsed_body_is_refused_with_a_hint_to_pass_the_raw_body(parsed: Any) -> None:
    for call in (
        lambda: Webhooks.verify(parsed, signed(), SECRET, now=NOW),
        lambda: Webhooks.verify_raw(parsed, signed(), SECRET, now=NOW),
        lambda: Webhooks.sign(SECRET, MSG_ID, NOW, parsed),
    ):
        with pytest.raises(TypeError) as raised:
            call()
        message = str(raised.value)
        assert "raw" in message and "body" in message
        assert type(parsed).__name__ in message


def test_a_body_of_another_type_is_a_type_error() -> None:
    with pytest.raises(TypeError, match="bytes or str"):
        Webhooks.verify(12345, signed(), SECRET, now=NOW)  # type: ignore[arg-type]


def test_a_non_utf8_body_verifies_raw_but_is_no_event() -> None:
    body = b"\xff\xfe\x00binary"
    headers = signed(body)
    Webhooks.verify_raw(body, headers, SECRET, now=NOW)
    with pytest.raises(WebhookVerificationError) as raised:
        Webhooks.verify(body, headers, SECRET, now=NOW)
    assert raised.value.kind == "invalid_payload"


def test_a_created_at_beyond_the_calendar_is_an_invalid_payload() -> None:
    body = json.dumps({"type": "email.sent", "createdAt": 2**63 - 1}).encode()
    with pytest.raises(WebhookVerificationError) as raised:
        Webhooks.verify(body, signed(body), SECRET, now=NOW)
    assert raised.value.kind == "invalid_payload"


# -- header containers -----------------------------------------------------------------------------


def http_message(pairs: List[Tuple[str, str]]) -> http.client.HTTPMessage:
    raw = "".join(f"{name}: {value}\r\n" for name, value in pairs) + "\r\n"
    return http.client.parse_headers(io.BytesIO(raw.encode("latin-1")))


def rotated_pairs() -> List[Tuple[str, str]]:
    """The headers with the signature header sent twice: a wrong entry first, the right one second."""
    headers = signed()
    return [
        ("Webhook-Id", headers["webhook-id"]),
        ("Webhook-Timestamp", headers["webhook-timestamp"]),
        ("Webhook-Signature", wrong_signature()),
        ("Webhook-Signature", headers["webhook-signature"]),
        ("Content-Type", "application/json"),
    ]


def test_headers_as_a_dict_with_any_case() -> None:
    headers = signed()
    for transform in (str.lower, str.upper, str.title):
        mixed = {transform(name): value for name, value in headers.items()}
        assert Webhooks.verify(BODY, mixed, SECRET, now=NOW) == expected_event()


def test_headers_as_a_dict_with_list_values_are_joined() -> None:
    headers: Dict[str, Any] = dict(signed())
    headers["webhook-signature"] = [wrong_signature(), headers["webhook-signature"]]
    assert Webhooks.verify(BODY, headers, SECRET, now=NOW) == expected_event()


def test_headers_as_a_list_of_pairs_with_repeats() -> None:
    assert Webhooks.verify(BODY, rotated_pairs(), SECRET, now=NOW) == expected_event()
    assert Webhooks.verify(BODY, list(reversed(rotated_pairs())), SECRET, now=NOW) == expected_event()
    as_tuple = tuple(rotated_pairs())
    assert Webhooks.verify(BODY, as_tuple, SECRET, now=NOW) == expected_event()


def test_headers_as_bytes_pairs_like_asgi_scopes() -> None:
    pairs = [(name.lower().encode(), value.encode()) for name, value in rotated_pairs()]
    assert Webhooks.verify(BODY, pairs, SECRET, now=NOW) == expected_event()


def test_headers_as_http_client_message_with_repeated_signatures() -> None:
    message = http_message(rotated_pairs())
    assert message.get_all("webhook-signature") is not None
    assert len(message.get_all("webhook-signature") or []) == 2
    assert Webhooks.verify(BODY, message, SECRET, now=NOW) == expected_event()


def test_headers_as_email_message_with_repeated_signatures() -> None:
    message = email.message.Message()
    for name, value in rotated_pairs():
        message[name] = value  # Message.__setitem__ appends: repeats are kept
    assert Webhooks.verify(BODY, message, SECRET, now=NOW) == expected_event()
    parsed = email.parser.HeaderParser().parsestr("".join(f"{n}: {v}\n" for n, v in rotated_pairs()) + "\n")
    assert Webhooks.verify(BODY, parsed, SECRET, now=NOW) == expected_event()


def test_headers_as_werkzeug_headers_with_repeats() -> None:
    headers = Headers()
    for name, value in rotated_pairs():
        headers.add(name, value)
    assert headers.getlist("webhook-signature")[1] == signed()["webhook-signature"]
    assert Webhooks.verify(BODY, headers, SECRET, now=NOW) == expected_event()


def test_headers_as_werkzeug_environ_headers() -> None:
    headers = signed()
    environ = {
        "REQUEST_METHOD": "POST",
        "CONTENT_TYPE": "application/json",
        "HTTP_WEBHOOK_ID": headers["webhook-id"],
        "HTTP_WEBHOOK_TIMESTAMP": headers["webhook-timestamp"],
        # One header holding two entries, as send0 sends during a rotation.
        "HTTP_WEBHOOK_SIGNATURE": f"{wrong_signature()} {headers['webhook-signature']}",
    }
    assert Webhooks.verify(BODY, EnvironHeaders(environ), SECRET, now=NOW) == expected_event()


def test_a_flask_request() -> None:
    app = flask.Flask(__name__)
    with app.test_request_context("/hook", method="POST", data=BODY, headers=rotated_pairs()):
        request = flask.request
        event = Webhooks.verify(request.get_data(), request.headers, SECRET, now=NOW)
    assert event == expected_event()


def test_missing_headers_name_the_header() -> None:
    for missing in ("webhook-id", "webhook-timestamp", "webhook-signature"):
        headers = {name: value for name, value in signed().items() if name != missing}
        with pytest.raises(WebhookVerificationError) as raised:
            Webhooks.verify(BODY, headers, SECRET, now=NOW)
        assert raised.value.kind == "missing_header"
        assert missing in str(raised.value)


def test_headers_that_are_not_headers() -> None:
    with pytest.raises(TypeError):
        Webhooks.verify(BODY, None, SECRET, now=NOW)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        Webhooks.verify(BODY, ["webhook-id"], SECRET, now=NOW)  # type: ignore[list-item]


# -- secrets ---------------------------------------------------------------------------------------


def test_secret_as_str_list_or_tuple() -> None:
    headers = signed()
    assert Webhooks.verify(BODY, headers, SECRET, now=NOW) == expected_event()
    assert Webhooks.verify(BODY, headers, [OTHER_SECRET, SECRET], now=NOW) == expected_event()
    assert Webhooks.verify(BODY, headers, (SECRET, OTHER_SECRET), now=NOW) == expected_event()
    # The bare base64 works as well as the whsec_ form.
    assert Webhooks.verify(BODY, headers, SECRET.removeprefix("whsec_"), now=NOW) == expected_event()


def test_rotation_both_secrets_in_both_places() -> None:
    headers = signed()
    headers["webhook-signature"] += " " + Webhooks.sign(OTHER_SECRET, MSG_ID, NOW, BODY)
    assert Webhooks.verify(BODY, headers, OTHER_SECRET, now=NOW) == expected_event()
    assert Webhooks.verify(BODY, headers, [SECRET], now=NOW) == expected_event()


def test_a_list_without_the_right_secret_fails() -> None:
    with pytest.raises(WebhookVerificationError) as raised:
        Webhooks.verify(BODY, signed(), [OTHER_SECRET], now=NOW)
    assert raised.value.kind == "invalid_signature"
    assert_secret_hidden(raised.value, OTHER_SECRET)


def test_secrets_of_the_wrong_type() -> None:
    for bad in (b"whsec_abc", [SECRET, 7], 42, None):
        with pytest.raises(TypeError):
            Webhooks.verify(BODY, signed(), bad, now=NOW)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        Webhooks.sign(["whsec_x"], MSG_ID, NOW, BODY)  # type: ignore[arg-type]


def test_no_secret_at_all_is_an_invalid_secret() -> None:
    with pytest.raises(WebhookVerificationError) as raised:
        Webhooks.verify(BODY, signed(), [], now=NOW)
    assert raised.value.kind == "invalid_secret"


# -- clock and tolerance ---------------------------------------------------------------------------


def test_now_as_int_or_aware_datetime() -> None:
    utc = EPOCH + timedelta(seconds=NOW)
    elsewhere = utc.astimezone(timezone(timedelta(hours=5, minutes=30)))
    for now in (NOW, utc, elsewhere, utc + timedelta(milliseconds=900)):
        assert Webhooks.verify(BODY, signed(), SECRET, now=now) == expected_event()


def test_a_naive_now_is_a_value_error() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        Webhooks.verify(BODY, signed(), SECRET, now=datetime(2026, 4, 12, 10, 30))
    with pytest.raises(TypeError):
        Webhooks.verify(BODY, signed(), SECRET, now="1775989800")  # type: ignore[arg-type]


def test_the_default_clock_is_the_system_clock() -> None:
    now = int(datetime.now(timezone.utc).timestamp())
    event = Webhooks.verify(BODY, signed(timestamp=now), SECRET)
    assert event.timestamp == now
    with pytest.raises(WebhookVerificationError) as raised:
        Webhooks.verify(BODY, signed(timestamp=now - 3600), SECRET)
    assert raised.value.kind == "timestamp_too_old"


def test_tolerance_as_int_or_timedelta() -> None:
    headers = signed(timestamp=NOW - 400)
    with pytest.raises(WebhookVerificationError) as raised:
        Webhooks.verify(BODY, headers, SECRET, now=NOW)  # default 300 s
    assert raised.value.kind == "timestamp_too_old"
    for tolerance in (400, 500, timedelta(minutes=7), timedelta(seconds=400)):
        assert Webhooks.verify(BODY, headers, SECRET, now=NOW, tolerance=tolerance).timestamp == NOW - 400
    with pytest.raises(WebhookVerificationError) as raised:
        Webhooks.verify(BODY, headers, SECRET, now=NOW, tolerance=timedelta(seconds=399))
    assert raised.value.kind == "timestamp_too_old"
    future = signed(timestamp=NOW + 61)
    with pytest.raises(WebhookVerificationError) as raised:
        Webhooks.verify(BODY, future, SECRET, now=NOW, tolerance=timedelta(minutes=1))
    assert raised.value.kind == "timestamp_too_new"


def test_a_negative_tolerance_is_a_value_error() -> None:
    for tolerance in (-1, timedelta(seconds=-5)):
        with pytest.raises(ValueError):
            Webhooks.verify(BODY, signed(), SECRET, now=NOW, tolerance=tolerance)


# -- sign ------------------------------------------------------------------------------------------


def test_sign_with_int_or_datetime_timestamps() -> None:
    by_int = Webhooks.sign(SECRET, MSG_ID, NOW, BODY)
    assert by_int.startswith("v1,") and len(base64.b64decode(by_int[3:])) == 32
    at = EPOCH + timedelta(seconds=NOW)
    assert Webhooks.sign(SECRET, MSG_ID, at, BODY) == by_int
    assert Webhooks.sign(SECRET, MSG_ID, at.astimezone(timezone(timedelta(hours=-7))), BODY) == by_int
    assert Webhooks.sign(SECRET, MSG_ID, NOW, BODY.decode()) == by_int
    assert Webhooks.sign(SECRET, MSG_ID, NOW, bytearray(BODY)) == by_int
    assert Webhooks.sign(SECRET, MSG_ID, NOW + 1, BODY) != by_int
    with pytest.raises(ValueError, match="timezone-aware"):
        Webhooks.sign(SECRET, MSG_ID, datetime(2026, 4, 12), BODY)
    with pytest.raises(TypeError):
        Webhooks.sign(SECRET, MSG_ID, True, BODY)


def test_sign_with_an_invalid_secret_names_no_secret() -> None:
    bad = "whsec_not$a$valid$secret$value"
    with pytest.raises(WebhookVerificationError) as raised:
        Webhooks.sign(bad, MSG_ID, NOW, BODY)
    assert raised.value.kind == "invalid_secret"
    assert_secret_hidden(raised.value, bad)


@settings(max_examples=150, deadline=None)
@given(
    key=st.binary(min_size=1, max_size=64),
    msg_id=st.text(alphabet=st.characters(min_codepoint=33, max_codepoint=126), min_size=1, max_size=40),
    timestamp=st.integers(min_value=0, max_value=2**40),
    body=st.binary(max_size=512),
)
def test_what_we_sign_we_verify(key: bytes, msg_id: str, timestamp: int, body: bytes) -> None:
    secret = "whsec_" + base64.b64encode(key).decode()
    headers = {
        "webhook-id": msg_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": Webhooks.sign(secret, msg_id, timestamp, body),
    }
    Webhooks.verify_raw(body, headers, secret, now=timestamp)
    tampered = body + b"x"
    with pytest.raises(WebhookVerificationError):
        Webhooks.verify_raw(tampered, headers, secret, now=timestamp)


@settings(max_examples=150, deadline=None)
@given(created_at=st.integers(min_value=-(10**12), max_value=253_402_300_799_999))
def test_created_at_is_exact_to_the_millisecond(created_at: int) -> None:
    body = json.dumps({"type": "email.sent", "createdAt": created_at}).encode()
    event = Webhooks.verify(body, signed(body), SECRET, now=NOW)
    assert event.created_at == EPOCH + timedelta(milliseconds=created_at)
    assert event.to_dict()["createdAt"] == created_at


# -- the event -------------------------------------------------------------------------------------


def test_the_event_object() -> None:
    event = Webhooks.verify(BODY, signed(), SECRET, now=NOW)
    assert event.id == MSG_ID and event.webhook_id == MSG_ID
    assert event.type == "email.bounced" and event.service == "email"
    assert event.data["bounce_type"] == "hard"
    assert event.livemode is False
    assert event.timestamp == NOW
    assert event.created_at == EPOCH + timedelta(milliseconds=ENVELOPE["createdAt"])
    assert event.created_at.tzinfo is not None
    assert event.raw == BODY
    assert event.to_dict() == ENVELOPE
    assert json.loads(json.dumps(event.to_dict())) == json.loads(BODY)
    shown = repr(event)
    assert shown.startswith("WebhookEvent(") and MSG_ID in shown and "email.bounced" in shown
    assert "bounce_message" not in shown  # the repr stays short: no data
    assert event == expected_event()
    assert event != Webhooks.verify(BODY, signed(timestamp=NOW + 1), SECRET, now=NOW)
    with pytest.raises(TypeError):
        hash(event)


def test_fallbacks_of_a_minimal_envelope() -> None:
    body = b'{"type":"domain.health.degraded"}'
    event = Webhooks.verify(body, signed(body, msg_id="msg_1"), SECRET, now=NOW)
    assert event.id == "msg_1"
    assert event.service == "domain"
    assert event.data is None
    assert event.livemode is False
    assert event.created_at == EPOCH + timedelta(seconds=NOW)


# -- errors ----------------------------------------------------------------------------------------


def kind_cases() -> List[Tuple[str, Any]]:
    good = signed()
    return [
        ("missing_header", lambda: Webhooks.verify(BODY, {**good, "webhook-id": ""}, SECRET, now=NOW)),
        ("invalid_timestamp", lambda: Webhooks.verify(BODY, {**good, "webhook-timestamp": "12.5"}, SECRET, now=NOW)),
        ("timestamp_too_old", lambda: Webhooks.verify(BODY, good, SECRET, now=NOW + 301)),
        ("timestamp_too_new", lambda: Webhooks.verify(BODY, good, SECRET, now=NOW - 301)),
        ("invalid_signature", lambda: Webhooks.verify(BODY + b" ", good, SECRET, now=NOW)),
        ("invalid_secret", lambda: Webhooks.verify(BODY, good, [SECRET, SECRET[:-3] + "-_!"], now=NOW)),
        ("invalid_payload", lambda: Webhooks.verify(b"[1]", signed(b"[1]"), SECRET, now=NOW)),
    ]


@pytest.mark.parametrize("kind,call", kind_cases(), ids=[kind for kind, _ in kind_cases()])
def test_each_error_kind(kind: str, call: Any) -> None:
    with pytest.raises(WebhookVerificationError) as raised:
        call()
    error = raised.value
    assert error.kind == kind
    assert isinstance(error, Send0Error) and isinstance(error, Exception)
    assert isinstance(error, send0.errors.WebhookVerificationError)
    assert error.message and error.message in str(error)
    assert_secret_hidden(error, SECRET, SECRET[:-3] + "-_!")


def test_the_kinds_are_the_documented_ones() -> None:
    assert {kind for kind, _ in kind_cases()} == set(send0.errors.WEBHOOK_KINDS)
