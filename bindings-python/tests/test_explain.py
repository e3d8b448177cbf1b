"""``Webhooks.explain`` on every case of ``tests/fixtures/explain/explain.json`` (its README gives
the schema; ``core/tests/explain.rs`` plays the same cases in Rust), the typed report against the
core's JSON, ``WebhookVerificationError.hint``, header containers, hostile input, and the example
receivers, which log the hint and never answer with it."""

from __future__ import annotations

import email.message
import http.client
import json
import sys
import threading
import time
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Dict, Iterator, List, Mapping, Optional, Tuple

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from werkzeug.datastructures import Headers

import send0
from send0 import Diagnosis, WebhookExplanation, Webhooks, WebhookVerificationError, _native

REPO_ROOT = Path(__file__).resolve().parent.parent.parent
CASES: List[Dict[str, Any]] = json.loads((REPO_ROOT / "tests/fixtures/explain/explain.json").read_text())["cases"]
BY_NAME = {case["name"]: case for case in CASES}
Pairs = List[Tuple[str, str]]

# The first diagnoses for which verify has what explain needs (the headers under their own names,
# secrets that parse): there a failed verify's hint is the report's summary.
HINTED_PREFIXES = ("body_", "timestamp_")
HINTED_CODES = ("no_match", "public_key_for_v1", "hmac_secret_for_v1a")


def pairs(case: Dict[str, Any]) -> Pairs:
    return [(name, value) for name, value in case["headers"]]


def explain(case: Dict[str, Any], headers: Any = None) -> WebhookExplanation:
    return Webhooks.explain(
        case["body"].encode("utf-8"), pairs(case) if headers is None else headers, case["secrets"], now=case["now"]
    )


def core_json(case: Dict[str, Any]) -> Dict[str, Any]:
    """The core's report as JSON, untouched by the typed layer."""
    text = _native.explain(case["body"].encode("utf-8"), pairs(case), case["secrets"], 300, case["now"])
    data: Dict[str, Any] = json.loads(text)
    return data


def verify_error(case: Dict[str, Any]) -> Optional[WebhookVerificationError]:
    try:
        Webhooks.verify_raw(case["body"].encode("utf-8"), pairs(case), case["secrets"], now=case["now"])
    except WebhookVerificationError as error:
        return error
    return None


def observed(report: WebhookExplanation, expect: Dict[str, Any]) -> Dict[str, Any]:
    """The report in the form of a case's ``expect`` (as core/tests/explain.rs builds it)."""
    got: Dict[str, Any] = {
        "verified": report.verified,
        "diagnoses": [d.code for d in report.diagnoses],
        "matched_secrets": [e.matched_secret for e in report.entries],
        "altered": report.body.altered,
    }
    if "fix_mentions" in expect:
        wanted = expect["fix_mentions"]
        fix = (report.diagnoses[0].fix if report.diagnoses else None) or ""
        got["fix_mentions"] = wanted if wanted in fix else fix
    return got


def windows(secret: str, size: int = 12) -> Iterator[str]:
    """Every ``size``-character run of a secret's material (its prefixes and whitespace off)."""
    material = secret.strip()
    for prefix in ("whsec_", "whsec_", "whpk_", "sk_test_"):
        material = material.removeprefix(prefix)
    for start in range(len(material) - size + 1):
        yield material[start : start + size]


def test_the_fixtures_cover_every_diagnosis() -> None:
    codes = {code for case in CASES for code in case["expect"]["diagnoses"]}
    assert len(CASES) >= 25
    assert codes >= {"verified", "no_match", "body_newline_added", "svix_headers", "secret_whitespace"}


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_every_fixture_gets_its_report(case: Dict[str, Any]) -> None:
    report = explain(case)
    assert observed(report, case["expect"]) == case["expect"], report.summary
    assert report.summary
    assert report.codes == case["expect"]["diagnoses"]
    assert isinstance(report.diagnoses[0], Diagnosis)


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_to_dict_is_the_core_json(case: Dict[str, Any]) -> None:
    # A field the typed layer forgot (or the core added) makes these differ.
    report = explain(case)
    assert report.to_dict() == core_json(case)
    assert json.loads(json.dumps(report.to_dict())) == core_json(case)


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_verified_is_what_verify_raw_answers(case: Dict[str, Any]) -> None:
    assert explain(case).verified == (verify_error(case) is None)


def test_no_report_or_hint_holds_a_secret() -> None:
    for case in CASES:
        report = explain(case)
        error = verify_error(case)
        shown = " ".join(
            [repr(report), json.dumps(report.to_dict()), repr(error), str(error), str(error and error.hint)]
        )
        for secret in case["secrets"]:
            for window in windows(secret):
                assert window not in shown, f"{case['name']}: part of a secret shows: {shown}"


def test_a_failed_verify_hints_at_the_cause_explain_finds() -> None:
    hinted = 0
    for case in CASES:
        report = explain(case)
        first = report.diagnoses[0].code
        if report.verified or not (first.startswith(HINTED_PREFIXES) or first in HINTED_CODES):
            continue
        error = verify_error(case)
        assert error is not None
        assert error.hint == report.summary, case["name"]
        # `verify` carries the same hint as `verify_raw`.
        with pytest.raises(WebhookVerificationError) as raised:
            Webhooks.verify(case["body"], pairs(case), case["secrets"], now=case["now"])
        assert raised.value.hint == report.summary
        hinted += 1
    assert hinted >= 10, f"only {hinted} cases compared"


def test_every_failed_verify_of_a_delivery_carries_a_hint() -> None:
    # An unusable secret fails before a delivery is looked at (invalid_secret, no hint); every
    # other failure has one.
    for case in CASES:
        error = verify_error(case)
        if error is None:
            continue
        if error.kind == "invalid_secret":
            assert error.hint is None, case["name"]
        else:
            assert isinstance(error.hint, str) and error.hint, case["name"]


def test_a_verified_delivery_and_a_hand_built_error_have_no_hint() -> None:
    assert verify_error(BY_NAME["verified"]) is None
    assert WebhookVerificationError("no", kind="invalid_signature").hint is None
    assert WebhookVerificationError("no", kind="invalid_signature", hint="h").hint == "h"


# -- header containers -----------------------------------------------------------------------------


class CaseInsensitive(Mapping[str, str]):
    """A framework-like read-only mapping: names kept as given, looked up in any case."""

    def __init__(self, items: Pairs) -> None:
        self._items = items

    def __getitem__(self, name: str) -> str:
        for key, value in self._items:
            if key.lower() == name.lower():
                return value
        raise KeyError(name)

    def __iter__(self) -> Iterator[str]:
        return iter(name for name, _ in self._items)

    def __len__(self) -> int:
        return len(self._items)


class GetListOnly:
    """Only ``getlist`` (the Werkzeug/Starlette protocol), no ``items``: asked by name."""

    def __init__(self, items: Pairs) -> None:
        self._items = items

    def getlist(self, name: str) -> List[str]:
        return [v for n, v in self._items if n.lower() == name.lower()]


def message_headers(items: Pairs) -> email.message.Message:
    message = email.message.Message()
    for name, value in items:
        message[name] = value
    return message


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_every_header_container_gives_the_same_report(case: Dict[str, Any]) -> None:
    items = pairs(case)
    expected = explain(case).to_dict()
    for headers in (
        dict(items),
        items,
        tuple(items),
        [(n.encode("latin-1"), v.encode("latin-1")) for n, v in items],  # an ASGI scope's pairs
        CaseInsensitive(items),
        Headers(items),
        message_headers(items),
    ):
        assert explain(case, headers).to_dict() == expected, type(headers).__name__
    # Asked by name, a container shows only the signature headers (not content-type, nor
    # HTTP_WEBHOOK_* names): the verdict and the findings are the same wherever those decide.
    if case["name"] not in ("underscored_headers", "no_signature_headers"):
        report = explain(case, GetListOnly(items))
        assert (report.verified, report.codes) == (case["expect"]["verified"], case["expect"]["diagnoses"])


def test_a_wsgi_environ_is_diagnosed_and_a_mapping_of_lists_is_read() -> None:
    case = BY_NAME["verified"]
    environ = {"REQUEST_METHOD": "POST", **{"HTTP_" + n.upper().replace("-", "_"): v for n, v in pairs(case)}}
    report = explain(case, environ)
    assert (report.verified, report.codes[0], report.headers.source) == (False, "underscored_headers", "underscored")
    assert "request.headers" in (report.diagnoses[0].fix or "")
    assert explain(case, {n: [v] for n, v in pairs(case)}).verified


# -- the report's types ----------------------------------------------------------------------------


def test_the_report_is_typed_frozen_and_exported() -> None:
    report = explain(BY_NAME["body_newline_added"])
    assert not report.verified and report.body.altered == "newline_added"
    assert report.summary.startswith(report.diagnoses[0].message)
    assert report.headers.source == "webhook" and report.headers.id is not None
    assert report.timestamp is not None and report.timestamp.within_tolerance
    assert report.secrets[0].kind == "whsec" and report.secrets[0].key_length == 32
    assert report.entries[0].version == "v1" and report.entries[0].matched_secret == 0
    with pytest.raises(AttributeError):
        report.verified = True  # type: ignore[misc]
    for name in ("WebhookExplanation", "Diagnosis", "HeadersReport", "TimestampReport", "SecretReport",
                 "EntryReport", "BodyReport"):
        assert name in send0.__all__ and getattr(send0, name).__module__ == "send0._explain"
    # to_dict is a copy: changing it leaves the report as it was.
    data = report.to_dict()
    data["diagnoses"].clear()
    assert report.diagnoses


def test_no_timestamp_is_none() -> None:
    report = explain(BY_NAME["no_signature_headers"])
    assert report.timestamp is None and report.to_dict()["timestamp"] is None


def test_explain_takes_what_verify_takes() -> None:
    case = BY_NAME["verified"]
    body = case["body"]
    for given_body in (body, body.encode(), bytearray(body.encode()), memoryview(body.encode())):
        assert Webhooks.explain(given_body, pairs(case), case["secrets"][0], now=case["now"]).verified
    # A clock far off, given as a datetime, and a tolerance as a timedelta.
    later = datetime.fromtimestamp(case["now"] + 3600, timezone.utc)
    assert not Webhooks.explain(body, pairs(case), case["secrets"], now=later).verified
    report = Webhooks.explain(body, pairs(case), case["secrets"], now=later, tolerance=timedelta(hours=2))
    assert report.verified and report.timestamp is not None and report.timestamp.tolerance_seconds == 7200


def test_a_large_body_is_explained_with_the_gil_released() -> None:
    # Over the binding's threshold for releasing the GIL, under the core's 1 MiB for altered bodies.
    secret = BY_NAME["verified"]["secrets"][0]
    body = json.dumps({"type": "email.opened", "data": {"pad": "x" * 200_000}}).encode()
    headers = {
        "webhook-id": "msg_1",
        "webhook-timestamp": "1700000000",
        "webhook-signature": Webhooks.sign(secret, "msg_1", 1_700_000_000, body),
    }
    assert Webhooks.explain(body, headers, secret, now=1_700_000_000).verified
    report = Webhooks.explain(body + b"\n", headers, secret, now=1_700_000_000)
    assert report.codes[0] == "body_newline_added"


# -- hostile input ---------------------------------------------------------------------------------


def report_or_clean_error(*args: Any, **kwargs: Any) -> Optional[WebhookExplanation]:
    """A report, or None for a TypeError or ValueError; anything else (a PanicException, which
    is a BaseException) fails the test."""
    try:
        return Webhooks.explain(*args, **kwargs)
    except (TypeError, ValueError):
        return None


def test_hostile_input_gets_a_report() -> None:
    case = BY_NAME["verified"]
    huge = "v1," + "A" * 2_000_000
    junk_secrets = ["", " ", "whsec_", "whpk_", "sk_", "\x00", "whsec_\x00", "🙂" * 1000, "whsec_whsec_"] + [
        "whpk_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="
    ] * 40
    header_sets: List[Any] = [
        [],
        {},
        {"webhook-id": "", "webhook-timestamp": "", "webhook-signature": ""},
        {"webhook-id": "m", "webhook-timestamp": "9" * 400, "webhook-signature": huge},
        {"webhook-id": "a\x00b", "webhook-timestamp": "-1", "webhook-signature": "v1a,AAAA\x00v1,"},
        [(b"webhook-id", b"\xff\xfe"), (b"\xff", b"\x00"), ("svix-id", "ü"), ("HTTP_WEBHOOK_TIMESTAMP", "٣")],
        {"x-" + str(i): "y" * 100 for i in range(2000)},
    ]
    bodies: List[Any] = [b"", b"\xff\xfe\x00\x80", "[" * 50_000 + "]" * 50_000, b'{"a":1e999999}', "[object Object]"]
    for headers in header_sets:
        for secrets in ([], junk_secrets, ["whsec_" + "A" * 100_000], case["secrets"]):
            for body in bodies:
                for now in (None, 0, -(2**63), 2**63 - 1):
                    report = Webhooks.explain(body, headers, secrets, now=now)
                    assert not report.verified and report.summary
                    assert len(report.secrets) <= 16


@pytest.mark.parametrize(
    "call",
    [
        lambda c: Webhooks.explain({"type": "x"}, pairs(c), c["secrets"]),  # type: ignore[arg-type]
        lambda c: Webhooks.explain(None, pairs(c), c["secrets"]),  # type: ignore[arg-type]
        lambda c: Webhooks.explain(c["body"], None, c["secrets"]),  # type: ignore[arg-type]
        lambda c: Webhooks.explain(c["body"], 42, c["secrets"]),  # type: ignore[arg-type]
        lambda c: Webhooks.explain(c["body"], [("only-a-name",)], c["secrets"]),  # type: ignore[list-item]
        lambda c: Webhooks.explain(c["body"], pairs(c), 42),  # type: ignore[arg-type]
        lambda c: Webhooks.explain(c["body"], pairs(c), [b"whsec_x"]),  # type: ignore[list-item]
        lambda c: Webhooks.explain(c["body"], pairs(c), None),  # type: ignore[arg-type]
        lambda c: Webhooks.explain(c["body"], pairs(c), "whsec_\ud800"),  # a lone surrogate
        lambda c: Webhooks.explain(c["body"], [("webhook-id", "\udfff")], c["secrets"]),
        lambda c: Webhooks.explain(c["body"], pairs(c), c["secrets"], tolerance=-1),
        lambda c: Webhooks.explain(c["body"], pairs(c), c["secrets"], now="now"),  # type: ignore[arg-type]
        lambda c: Webhooks.explain(c["body"], pairs(c), c["secrets"], now=2**64),
    ],
)
def test_wrong_types_are_a_type_or_value_error(call: Any) -> None:
    # (A clock beyond 64 bits is an OverflowError, as for verify.)
    with pytest.raises((TypeError, ValueError, OverflowError)):
        call(BY_NAME["verified"])


@settings(max_examples=150, deadline=None)
@given(
    body=st.binary(max_size=300),
    headers=st.lists(
        st.tuples(
            st.sampled_from(["webhook-id", "Webhook-Timestamp", "webhook-signature", "svix-id", "HTTP_WEBHOOK_ID", "x"])
            | st.text(max_size=20),
            st.text(max_size=60) | st.sampled_from(["v1,", "v1a,", "1700000000", "v1," + "A" * 43]),
        ),
        max_size=8,
    ),
    secrets=st.lists(st.text(max_size=60) | st.sampled_from(["whsec_", "whpk_", "whsec_whsec_AAAA"]), max_size=4),
    now=st.none() | st.integers(min_value=-(2**63), max_value=2**63 - 1),
)
def test_any_input_gets_a_report_or_a_clean_error(
    body: bytes, headers: Pairs, secrets: List[str], now: Optional[int]
) -> None:
    report = report_or_clean_error(body, headers, secrets, now=now)
    if report is not None:
        assert report.summary and report.to_dict()["summary"] == report.summary


# -- the example receivers log the hint and never answer with it ----------------------------------


EXAMPLES = str(REPO_ROOT / "examples" / "python")
SECRET = BY_NAME["verified"]["secrets"][0]
SIGNED_BODY = b'{"type":"email.opened","data":{}}'


@contextmanager
def examples_importable() -> Iterator[None]:
    sys.path.insert(0, EXAMPLES)
    try:
        yield
    finally:
        sys.path.remove(EXAMPLES)


def newline_added_now() -> Tuple[bytes, Dict[str, str], str]:
    """A delivery signed now (the receivers verify against the clock) that gained a trailing
    newline on the way, and the hint its failed verify carries."""
    now = int(time.time())
    headers = {
        "webhook-id": "msg_1",
        "webhook-timestamp": str(now),
        "webhook-signature": Webhooks.sign(SECRET, "msg_1", now, SIGNED_BODY),
    }
    body = SIGNED_BODY + b"\n"
    hint = Webhooks.explain(body, headers, SECRET, now=now).summary
    assert hint.startswith("the body matches once its trailing newline is removed")
    return body, headers, hint


def assert_answered_without_the_hint(status: int, answer: str, hint: str, logged: str) -> None:
    assert status == 400
    assert json.loads(answer)["error"] == "invalid_signature"
    assert hint not in answer and "newline" not in answer
    assert "receiver: rejected" in logged and hint in logged


def test_the_flask_receiver_answers_without_the_hint_and_logs_it(capsys: pytest.CaptureFixture[str]) -> None:
    with examples_importable():
        from receiver_flask import Tally, create_app
    body, headers, hint = newline_added_now()
    tally = Tally(expect=None)
    answer = create_app([SECRET], tally.on_event, tally.on_rejected).test_client().post(
        "/webhooks/send0", data=body, headers=headers
    )
    assert_answered_without_the_hint(answer.status_code, answer.get_data(as_text=True), hint, capsys.readouterr().out)


def test_the_stdlib_receiver_answers_without_the_hint_and_logs_it(capsys: pytest.CaptureFixture[str]) -> None:
    with examples_importable():
        from receiver_stdlib import ReceiverServer
    body, headers, hint = newline_added_now()
    server = ReceiverServer(("127.0.0.1", 0), [SECRET], None)
    serving = threading.Thread(target=server.serve_forever, daemon=True)
    serving.start()
    try:
        connection = http.client.HTTPConnection("127.0.0.1", server.server_port, timeout=10)
        connection.request("POST", "/webhooks/send0", body=body, headers=headers)
        response = connection.getresponse()
        status, answer = response.status, response.read().decode()
        connection.close()
    finally:
        server.shutdown()
        server.server_close()
    assert_answered_without_the_hint(status, answer, hint, capsys.readouterr().out)
