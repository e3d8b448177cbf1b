"""The arguments ``send0._native.verify`` reads itself (header containers of every shape, secrets,
tolerance and clock), hostile ones included, and the event's ``data`` built in Rust beside
``json.loads``. Whatever goes wrong must be a Python exception (TypeError, ValueError, or the
container's own), never a ``PanicException``."""

from __future__ import annotations

import json
import math
import types
from collections.abc import Mapping
from datetime import timedelta
from typing import Any, Dict, Iterator, List, Optional, Tuple

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from test_webhooks import BODY, MSG_ID, NOW, SECRET, expected_event, rotated_pairs, signed, wrong_signature

from send0 import WebhookEvent, Webhooks, WebhookVerificationError, _native

NOT_PAIRS = "headers must be a mapping or a list of (name, value) pairs"


def verify(headers: Any, secret: Any = SECRET, **kwargs: Any) -> WebhookEvent:
    return Webhooks.verify(BODY, headers, secret, now=kwargs.pop("now", NOW), **kwargs)


def kind_of(headers: Any) -> str:
    with pytest.raises(WebhookVerificationError) as raised:
        verify(headers)
    return raised.value.kind


class GetList:
    """Werkzeug/Starlette-shaped: only ``getlist``."""

    def __init__(self, pairs: List[Tuple[str, str]]) -> None:
        self.pairs = pairs
        self.asked: List[str] = []

    def getlist(self, name: str) -> List[str]:
        self.asked.append(name)
        return [v for n, v in self.pairs if n.lower() == name]


class GetAll:
    """``email.message``-shaped: ``get_all`` returning None for an absent header."""

    def __init__(self, pairs: List[Tuple[str, str]]) -> None:
        self.pairs = pairs

    def get_all(self, name: str) -> Optional[List[str]]:
        return [v for n, v in self.pairs if n.lower() == name] or None


class Items(Mapping[str, str]):
    """A read-only mapping that is no dict."""

    def __init__(self, data: Dict[str, str]) -> None:
        self.data = data

    def __getitem__(self, key: str) -> str:
        return self.data[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self.data)

    def __len__(self) -> int:
        return len(self.data)


# -- dicts -----------------------------------------------------------------------------------------


def test_a_dict_with_tuple_list_and_single_values() -> None:
    headers: Dict[str, Any] = dict(signed())
    headers["webhook-signature"] = (wrong_signature(), headers["webhook-signature"])
    headers["Content-Type"] = ["application/json"]
    assert verify(headers) == expected_event()
    headers["webhook-signature"] = [headers["webhook-signature"][1]]
    assert verify(headers) == expected_event()


def test_a_dict_with_bytes_names_and_values() -> None:
    headers = {name.upper().encode(): value.encode() for name, value in signed().items()}
    assert verify(headers) == expected_event()
    mixed: Dict[Any, Any] = {b"webhook-id": MSG_ID, "webhook-timestamp": str(NOW).encode()}
    mixed[b"webhook-signature"] = [b"v1,bad", signed()["webhook-signature"].encode()]
    assert verify(mixed) == expected_event()


def test_bytes_are_read_as_latin1() -> None:
    headers: Dict[Any, Any] = dict(signed())
    headers["webhook-id"] = MSG_ID.encode() + b"\xe9"  # é in latin-1: a different id, so no match
    assert kind_of(headers) == "invalid_signature"


def test_non_str_values_are_read_with_str() -> None:
    class Stamp:
        def __str__(self) -> str:
            return str(NOW)

    headers: Dict[str, Any] = dict(signed())
    headers["webhook-timestamp"] = NOW
    assert verify(headers) == expected_event()
    headers["webhook-timestamp"] = Stamp()
    assert verify(headers) == expected_event()
    headers[42] = "ignored"  # type: ignore[index]
    assert verify(headers) == expected_event()


def test_a_dict_subclass_is_read_through_its_items_even_with_getlist() -> None:
    class Odd(Dict[str, str]):
        def getlist(self, name: str) -> List[str]:
            raise AssertionError("a dict is read through items()")

    assert verify(Odd(signed())) == expected_event()


def test_a_dict_changed_while_read_is_a_runtime_error() -> None:
    headers: Dict[str, Any] = {}

    class Grows:
        def __str__(self) -> str:
            headers["x-more"] = "1"
            return "value"

    headers.update(signed())
    headers["webhook-id"] = Grows()
    with pytest.raises(RuntimeError, match="changed size"):
        verify(headers)


def test_mappings_that_are_not_dicts() -> None:
    assert verify(Items(signed())) == expected_event()
    assert verify(types.MappingProxyType(signed())) == expected_event()


# -- multi-value containers ------------------------------------------------------------------------


def test_getlist_is_asked_for_the_three_names_only() -> None:
    headers = GetList(rotated_pairs())
    assert verify(headers) == expected_event()
    assert headers.asked == ["webhook-id", "webhook-timestamp", "webhook-signature"]


def test_get_all_returning_none_is_a_missing_header() -> None:
    assert verify(GetAll(rotated_pairs())) == expected_event()
    pairs = [(n, v) for n, v in rotated_pairs() if n.lower() != "webhook-timestamp"]
    assert kind_of(GetAll(pairs)) == "missing_header"


def test_getlist_may_return_any_iterable_of_any_values() -> None:
    headers = signed()

    class Generator:
        def getlist(self, name: str) -> Iterator[Any]:
            yield NOW if name == "webhook-timestamp" else headers[name]

    assert verify(Generator()) == expected_event()


def test_a_falsy_getlist_falls_back_to_get_all() -> None:
    class Both(GetAll):
        getlist = None

    assert verify(Both(rotated_pairs())) == expected_event()


def test_a_getlist_that_is_not_callable_falls_back_to_items_or_pairs() -> None:
    class NotCallable(List[Tuple[str, str]]):
        getlist = "not a method"

    assert verify(NotCallable(rotated_pairs())) == expected_event()


@pytest.mark.parametrize("error", [TypeError("bad"), ValueError("bad"), RuntimeError("bad"), KeyError("bad")])
def test_a_getlist_that_raises_raises_its_own_error(error: Exception) -> None:
    class Raises:
        def getlist(self, name: str) -> List[str]:
            raise error

    with pytest.raises(type(error), match="bad"):
        verify(Raises())


def test_a_getlist_returning_a_non_iterable_is_a_type_error() -> None:
    class Scalar:
        def getlist(self, name: str) -> int:
            return 7

    with pytest.raises(TypeError, match="not iterable"):
        verify(Scalar())


def test_a_value_whose_str_raises_raises_its_own_error() -> None:
    class Bad:
        def __str__(self) -> str:
            raise ValueError("no text")

    class Values:
        def getlist(self, name: str) -> List[Any]:
            return [Bad()]

    with pytest.raises(ValueError, match="no text"):
        verify(Values())
    with pytest.raises(ValueError, match="no text"):
        verify({**signed(), "webhook-id": Bad()})
    # Values of other headers are never read.
    assert verify({**signed(), "x-other": Bad()}) == expected_event()


# -- pairs -----------------------------------------------------------------------------------------


def test_pairs_as_lists_tuples_and_generators() -> None:
    pairs = rotated_pairs()
    assert verify([list(p) for p in pairs]) == expected_event()
    assert verify(tuple(pairs)) == expected_event()
    assert verify(iter(pairs)) == expected_event()
    assert verify((p for p in pairs)) == expected_event()


@pytest.mark.parametrize(
    "entry",
    [("webhook-id",), ("webhook-id", MSG_ID, "extra"), 42, None, b"x"],
    ids=["one", "three", "int", "none", "bytes"],
)
def test_an_entry_that_is_not_a_pair_is_a_type_error(entry: Any) -> None:
    with pytest.raises(TypeError) as raised:
        verify([*rotated_pairs(), entry])
    assert str(raised.value) == NOT_PAIRS


def test_an_entry_whose_iteration_fails_keeps_the_pairs_message_or_its_own_error() -> None:
    class Fails:
        def __init__(self, error: Exception) -> None:
            self.error = error

        def __iter__(self) -> Iterator[str]:
            yield "webhook-id"
            raise self.error

    with pytest.raises(TypeError) as raised:
        verify([Fails(ValueError("inner"))])
    assert str(raised.value) == NOT_PAIRS
    with pytest.raises(KeyError, match="inner"):
        verify([Fails(KeyError("inner"))])


def test_headers_that_are_no_container() -> None:
    with pytest.raises(TypeError, match="headers are required"):
        verify(None)
    for bad in (42, 1.5, object()):
        with pytest.raises(TypeError, match="not iterable"):
            verify(bad)
    with pytest.raises(TypeError) as raised:
        verify("webhook-id")  # a str iterates into 1-character entries
    assert str(raised.value) == NOT_PAIRS


def test_an_items_method_that_raises() -> None:
    class Broken:
        def items(self) -> Any:
            raise ValueError("items failed")

    with pytest.raises(ValueError, match="items failed"):
        verify(Broken())


def test_huge_containers() -> None:
    noise = [(f"x-header-{i}", "v" * 10) for i in range(100_000)]
    assert verify(noise + rotated_pairs()) == expected_event()
    # 100,000 wrong entries before the right one: the core looks at the first 16 entries only.
    many: Dict[str, Any] = dict(signed())
    many["webhook-signature"] = [wrong_signature()] * 100_000 + [many["webhook-signature"]]
    assert kind_of(many) == "invalid_signature"
    huge = dict(signed())
    huge["webhook-id"] = "m" * 10_000_000
    assert kind_of(huge) == "invalid_signature"


def test_unencodable_strings_are_value_errors() -> None:
    headers = dict(signed())
    headers["webhook-id"] = "\ud800"
    with pytest.raises(UnicodeEncodeError):
        verify(headers)
    with pytest.raises(UnicodeEncodeError):
        verify(signed(), "whsec_\udfff")


def test_a_non_ascii_name_is_no_webhook_header() -> None:
    kelvin = "webhoo\u212a-signature"  # lowers to "webhook-signature" in Python, but is not that header
    headers = {n: v for n, v in signed().items() if n != "webhook-signature"}
    headers[kelvin] = signed()["webhook-signature"]
    assert kind_of(headers) == "missing_header"
    assert kind_of({**headers, "webhook-signatur\xe9": "v1,x"}) == "missing_header"


# -- secrets, tolerance, clock ---------------------------------------------------------------------


def test_secret_subclasses_and_sequences() -> None:
    class Text(str):
        pass

    class Secrets(List[str]):
        pass

    assert verify(signed(), Text(SECRET)) == expected_event()
    assert verify(signed(), Secrets([Text(SECRET)])) == expected_event()
    for bad in ([SECRET, b"x"], (SECRET, None), {SECRET}, iter([SECRET])):
        with pytest.raises(TypeError, match="secret must be a string"):
            verify(signed(), bad)


def test_tolerance_and_now_of_every_type() -> None:
    assert verify(signed(), tolerance=0) == expected_event()
    assert verify(signed(), tolerance=0.5) == expected_event()
    assert verify(signed(), tolerance=timedelta(minutes=1)) == expected_event()
    for bad in (-1, True, "300", None, -0.5):
        with pytest.raises(ValueError, match="tolerance"):
            verify(signed(), tolerance=bad)
    with pytest.raises(OverflowError):
        verify(signed(), tolerance=2**64)
    with pytest.raises(OverflowError):
        verify(signed(), now=2**63)
    with pytest.raises(TypeError, match="now must be"):
        verify(signed(), now=True)


def test_the_argument_checks_keep_their_order() -> None:
    with pytest.raises(TypeError, match="body"):
        Webhooks.verify(12345, None, None, tolerance=-1)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="headers are required"):
        Webhooks.verify(BODY, None, None, tolerance=-1)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="secret must be"):
        Webhooks.verify(BODY, signed(), None, tolerance=-1)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="tolerance"):
        Webhooks.verify(BODY, signed(), "whsec_!!", tolerance=-1)
    with pytest.raises(WebhookVerificationError) as raised:
        Webhooks.verify(BODY, {}, "whsec_!!")
    assert raised.value.kind == "invalid_secret"


def test_a_bytes_body_is_kept_as_the_raw_body() -> None:
    class Body(bytes):
        pass

    body = Body(BODY)
    assert Webhooks.verify(body, signed(), SECRET, now=NOW).raw is body
    assert Webhooks.verify(BODY, signed(), SECRET, now=NOW).raw is BODY


# -- data ------------------------------------------------------------------------------------------

JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False)
    | st.text(),
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(st.text(max_size=8), inner, max_size=5),
    max_leaves=30,
)


def same(a: Any, b: Any) -> bool:
    """Equal, and of the same types all the way down (1 and 1.0 and True differ here)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return list(a) == list(b) and all(same(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    if isinstance(a, float) and math.isnan(a):
        return math.isnan(b)
    return bool(a == b)


@settings(max_examples=300, deadline=None)
@given(JSON_VALUES, st.booleans())
def test_data_is_what_json_loads_makes(value: Any, ascii_only: bool) -> None:
    text = json.dumps(value, ensure_ascii=ascii_only).encode()
    padded = b"  " + text + b" "
    assert same(_native.loads(padded, 2, len(text)), json.loads(text))


@pytest.mark.parametrize(
    "text",
    [
        "-0", "0", "1e3", "1.0", "123456789012345678901234567890", "-9223372036854775808", "18446744073709551615",
        "18446744073709551616", '"\\ud800"', '"\\ud83d\\ude00"', '"a\\u0000b\\n"', "NaN", "[Infinity, -Infinity]",
        '{"a": 1, "a": 2}', "[" * 200 + "]" * 200, '"\u00e9\u4e2d\U0001f600"',
    ],
)
def test_data_edge_cases_match_json_loads(text: str) -> None:
    raw = text.encode()
    assert same(_native.loads(raw, 0, len(raw)), json.loads(raw))


def test_data_spans_outside_the_body_are_value_errors() -> None:
    for start, length in ((0, 100), (5, 1), (2**63, 2**63)):
        with pytest.raises(ValueError, match="outside the body"):
            _native.loads(b"[1]", start, length)
    with pytest.raises(json.JSONDecodeError):
        _native.loads(b"[1, ", 0, 4)


def test_data_with_floats_and_big_integers_through_verify() -> None:
    data = {"amount": 12.75, "big": 2**80, "neg": -0.0, "small": 5e-324, "list": [1, 2.5, "x", None, True]}
    body = json.dumps({"type": "payment.settled", "data": data}).encode()
    event = Webhooks.verify(body, signed(body), SECRET, now=NOW)
    assert same(event.data, json.loads(json.dumps(data)))
    assert event.data is event.data
