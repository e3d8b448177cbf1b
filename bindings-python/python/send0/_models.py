"""Typed objects of the Webhooks API, built from the JSON the core returns.

Each keeps the API's object as it was sent: a field this SDK does not know yet is an attribute all
the same (``endpoint.new_field``) and is in ``to_dict()``, and an unknown ``status`` keeps its string.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from datetime import datetime, timezone
from typing import Any, Dict, List, Optional, Type, TypeVar

__all__ = [
    "WebhookEndpoint",
    "WebhookEndpointWithSecret",
    "DeletedWebhookEndpoint",
    "TestResult",
    "RotatedSecret",
    "DeliveryAttempt",
]


M = TypeVar("M", bound="_Model")


def _parse_time(value: Optional[str]) -> Optional[datetime]:
    if value is None:
        return None
    # Python 3.9 and 3.10 do not read a trailing "Z".
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def _format_time(value: Optional[datetime]) -> Optional[str]:
    if value is None:
        return None
    return value.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


class _Model:
    """Shared by the models: the API's object as sent, behind the typed fields."""

    @classmethod
    def _build(cls: Type[M], data: Dict[str, Any], **known: Any) -> M:
        model = cls(**known)
        # Frozen dataclasses refuse attribute assignment; the wire object is not a field, so it
        # stays out of repr and equality.
        object.__setattr__(model, "_wire", data)
        return model

    def __getattr__(self, name: str) -> Any:
        # Only called for names that are not fields: a field the API added after this SDK.
        wire = self.__dict__.get("_wire", {})
        if not name.startswith("_") and name in wire:
            return wire[name]
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    def to_dict(self) -> Dict[str, Any]:
        """The API's JSON form: every field it sent, known to this SDK or not."""
        out: Dict[str, Any] = dict(self.__dict__.get("_wire", {}))
        for f in fields(self):  # type: ignore[arg-type]
            value = getattr(self, f.name)
            out[f.name] = _format_time(value) if isinstance(value, datetime) else value
        return out


@dataclass(frozen=True)
class WebhookEndpoint(_Model):
    """A webhook endpoint."""

    id: str
    url: str
    description: Optional[str]
    events: List[str]
    active: bool
    status: str
    """``active``, ``disabled`` or ``paused`` (a status added to the API later keeps its string)."""
    consecutive_failures: int
    last_delivery_at: Optional[datetime]
    last_delivery_status: Optional[int]
    created_at: datetime
    updated_at: datetime
    object: str = "webhook_endpoint"

    @classmethod
    def from_dict(cls, data: Dict[str, Any]) -> "WebhookEndpoint":
        return cls._build(data, **_endpoint_fields(data))


def _endpoint_fields(data: Dict[str, Any]) -> Dict[str, Any]:
    created = _parse_time(data["created_at"])
    updated = _parse_time(data["updated_at"])
    assert created is not None and updated is not None
    return {
        "id": data["id"],
        "url": data["url"],
        "description": data.get("description"),
        "events": list(data["events"]),
        "active": bool(data["active"]),
        "status": data["status"],
        "consecutive_failures": int(data.get("consecutive_failures") or 0),
        "last_delivery_at": _parse_time(data.get("last_delivery_at")),
        "last_delivery_status": data.get("last_delivery_status"),
        "created_at": created,
        "updated_at": updated,
        "object": data.get("object", "webhook_endpoint"),
    }


@dataclass(frozen=True)
class WebhookEndpointWithSecret(WebhookEndpoint):
    """The response to a create: the endpoint and, this once, its signing secret. Store it now."""

    secret: str = field(default="", repr=False)

    @classmethod
    def from_dict(cls, data: Dict[str, Any]) -> "WebhookEndpointWithSecret":
        return cls._build(data, **_endpoint_fields(data), secret=data["secret"])


@dataclass(frozen=True)
class DeletedWebhookEndpoint(_Model):
    """The response to a delete."""

    id: str
    deleted: bool
    object: str = "webhook_endpoint"

    @classmethod
    def from_dict(cls, data: Dict[str, Any]) -> "DeletedWebhookEndpoint":
        return cls._build(data, id=data["id"], deleted=bool(data["deleted"]), object=data.get("object", "webhook_endpoint"))


@dataclass(frozen=True)
class TestResult(_Model):
    """The outcome of sending a ``platform.test`` event to an endpoint."""

    __test__ = False  # not a pytest test class

    success: bool
    event_id: str
    status_code: Optional[int]
    response_time_ms: int
    error: Optional[str]

    @classmethod
    def from_dict(cls, data: Dict[str, Any]) -> "TestResult":
        return cls._build(
            data,
            success=bool(data["success"]),
            event_id=data["event_id"],
            status_code=data.get("status_code"),
            response_time_ms=int(data["response_time_ms"]),
            error=data.get("error"),
        )


@dataclass(frozen=True)
class RotatedSecret(_Model):
    """The response to a secret rotation: the new secret (never shown in repr)."""

    secret: str = field(repr=False)
    previous_secret_expires_at: Optional[datetime]

    @classmethod
    def from_dict(cls, data: Dict[str, Any]) -> "RotatedSecret":
        return cls._build(
            data, secret=data["secret"], previous_secret_expires_at=_parse_time(data.get("previous_secret_expires_at"))
        )


@dataclass(frozen=True)
class DeliveryAttempt(_Model):
    """One delivery attempt of one event to one endpoint."""

    event_id: str
    event_type: str
    attempt: int
    status_code: Optional[int]
    response_time_ms: int
    error: Optional[str]
    attempted_at: datetime
    next_attempt_at: Optional[datetime]

    @classmethod
    def from_dict(cls, data: Dict[str, Any]) -> "DeliveryAttempt":
        attempted = _parse_time(data["attempted_at"])
        assert attempted is not None
        return cls._build(
            data,
            event_id=data["event_id"],
            event_type=data["event_type"],
            attempt=int(data["attempt"]),
            status_code=data.get("status_code"),
            response_time_ms=int(data["response_time_ms"]),
            error=data.get("error"),
            attempted_at=attempted,
            next_attempt_at=_parse_time(data.get("next_attempt_at")),
        )
