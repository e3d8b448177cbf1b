"""Webhook verification and signing: Python's types in, the core's verify out."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any, Dict, Iterable, Mapping, Optional, Protocol, Sequence, Tuple, Union

from . import _native
from ._explain import WebhookExplanation

__all__ = ["Webhooks", "WebhookEvent", "Body", "Headers", "Secret", "Instant"]

Body = Union[bytes, bytearray, memoryview, str]


class _MultiValueHeaders(Protocol):
    """Werkzeug/Flask and Starlette/FastAPI headers: ``getlist(name)``."""

    def getlist(self, __key: str) -> Any: ...


class _MessageHeaders(Protocol):
    """``http.client.HTTPMessage`` and ``email.message.Message``: ``get_all(name)``."""

    def get_all(self, __name: str) -> Any: ...


Headers = Union[
    Mapping[str, Any],
    Iterable[Tuple[Union[str, bytes], Union[str, bytes]]],
    _MultiValueHeaders,
    _MessageHeaders,
]
Secret = Union[str, Sequence[str]]
Instant = Union[int, datetime]

_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
_MILLISECOND = timedelta(milliseconds=1)
_RAW_BODY_HINT = (
    "pass the raw request body (bytes or str) exactly as received, not a parsed object: in Flask use "
    "request.get_data(), in FastAPI/Starlette `await request.body()`, in Django request.body"
)


_UNPARSED: Any = object()


class WebhookEvent:
    """A verified send0 event. ``data`` is parsed from its span of ``raw`` when first read (the core
    has already checked that the whole body is valid JSON), so a handler that only looks at ``type``
    never pays for it."""

    __slots__ = (
        "id", "type", "service", "_data", "_data_span", "livemode", "_created_at", "_created_ms", "webhook_id",
        "timestamp", "raw",
    )
    _FIELDS = ("id", "type", "service", "data", "livemode", "created_at", "webhook_id", "timestamp", "raw")

    id: str
    """The event id (``evt_…``)."""
    type: str
    """The event type, e.g. ``email.bounced``."""
    service: str
    """The service, e.g. ``email``."""
    livemode: bool
    webhook_id: str
    """The ``webhook-id`` header: the delivery's message id, stable across retries."""
    timestamp: int
    """The ``webhook-timestamp`` header: Unix seconds of this attempt."""
    raw: bytes
    """The body, exactly as verified."""

    def __init__(
        self,
        *,
        id: str,
        type: str,
        service: str,
        data: Any = _UNPARSED,
        livemode: bool,
        created_at: datetime,
        webhook_id: str,
        timestamp: int,
        raw: bytes,
        data_span: Tuple[int, int] = (0, 0),
    ) -> None:
        self.id = id
        self.type = type
        self.service = service
        self._data = data
        self._data_span = data_span
        self.livemode = livemode
        self._created_at: Optional[datetime] = created_at
        self._created_ms = 0
        self.webhook_id = webhook_id
        self.timestamp = timestamp
        self.raw = raw

    @property
    def created_at(self) -> datetime:
        """When the event happened (timezone-aware, UTC)."""
        if self._created_at is None:
            self._created_at = _EPOCH + timedelta(milliseconds=self._created_ms)
        return self._created_at

    @property
    def data(self) -> Any:
        """The event's data; its shape depends on the type."""
        if self._data is _UNPARSED:
            start, length = self._data_span
            self._data = _native.loads(self.raw, start, length) if length else None
        return self._data

    def to_dict(self) -> Dict[str, Any]:
        """The event in the envelope's JSON form."""
        return {
            "eventId": self.id,
            "type": self.type,
            "service": self.service,
            "data": self.data,
            "livemode": self.livemode,
            # Exact integer arithmetic: `timestamp() * 1000` in floats is sometimes one ms short.
            "createdAt": (self.created_at - _EPOCH) // _MILLISECOND,
        }

    def __repr__(self) -> str:
        return f"WebhookEvent(id={self.id!r}, type={self.type!r}, created_at={self.created_at.isoformat()!r})"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, WebhookEvent):
            return NotImplemented
        return all(getattr(self, name) == getattr(other, name) for name in self._FIELDS)

    __hash__ = None  # type: ignore[assignment]


# The slow paths of `_native.verify`, `_native.verify_raw` and `_native.explain`, which read the
# common argument types themselves (header containers and secrets entirely) and call these for the
# others.


def _body_bytes(body: Any, where: str) -> bytes:
    if isinstance(body, bytes):
        return body
    if isinstance(body, (bytearray, memoryview)):
        return bytes(body)
    if isinstance(body, str):
        return body.encode("utf-8")
    if isinstance(body, (dict, list)):
        raise TypeError(f"{where} got an already parsed {type(body).__name__}: {_RAW_BODY_HINT}")
    raise TypeError(f"{where} needs the body as bytes or str, not {type(body).__name__}: {_RAW_BODY_HINT}")


def _unix_seconds(value: Any, name: str) -> int:
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise ValueError(f"{name} must be a timezone-aware datetime (e.g. datetime.now(timezone.utc))")
        return int(value.timestamp())
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    raise TypeError(f"{name} must be Unix seconds (int) or an aware datetime, not {type(value).__name__}")


def _tolerance(value: Any) -> int:
    if isinstance(value, timedelta):
        value = value.total_seconds()
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
        raise ValueError("tolerance must be a non-negative number of seconds (or a timedelta)")
    return int(value)


class Webhooks:
    """Verify webhook deliveries and sign messages. Every method is a plain synchronous function."""

    @staticmethod
    def verify(
        body: Body, headers: Headers, secret: Secret, *, tolerance: Union[int, timedelta] = 300, now: Optional[Instant] = None
    ) -> WebhookEvent:
        """Verifies a delivery and returns its event.

        Raises :class:`~send0.errors.WebhookVerificationError` (``kind`` says what failed) and
        ``TypeError`` for a body that a framework already parsed.
        """
        return _native.verify(body, headers, secret, tolerance, now)

    @staticmethod
    def verify_raw(
        body: Body, headers: Headers, secret: Secret, *, tolerance: Union[int, timedelta] = 300, now: Optional[Instant] = None
    ) -> None:
        """Checks the signature only, for bodies that are not send0 events."""
        _native.verify_raw(body, headers, secret, tolerance, now)

    @staticmethod
    def explain(
        body: Body, headers: Headers, secret: Secret, *, tolerance: Union[int, timedelta] = 300, now: Optional[Instant] = None
    ) -> WebhookExplanation:
        """Why a delivery verifies or not, when :meth:`verify` says only *that* it failed.

        Takes what :meth:`verify` takes; pass every header of the request as received (the report
        also finds the signature headers under ``svix-*`` and ``HTTP_WEBHOOK_*`` names). The report
        names the cause and its fix: a framework that altered the body (a newline added, the JSON
        re-serialized), a secret with whitespace or the wrong kind of key, a clock or timestamp off,
        headers under other names. It holds no secret. Raises only ``TypeError``/``ValueError``
        for arguments of the wrong type.
        """
        return WebhookExplanation._from_json(_native.explain(body, headers, secret, tolerance, now))

    @staticmethod
    def sign(secret: str, msg_id: str, timestamp: Instant, body: Body) -> str:
        """The ``webhook-signature`` header value (``v1,<base64>``) for a message."""
        if not isinstance(secret, str):
            raise TypeError("secret must be a string (whsec_…)")
        return _native.sign(secret, msg_id, _unix_seconds(timestamp, "timestamp"), _body_bytes(body, "Webhooks.sign"))
