"""What every model of ``_models`` (generated from openapi.yaml) shares: built from the API's JSON,
keeping that object as it was sent behind the typed fields."""

from __future__ import annotations

from dataclasses import fields
from datetime import datetime, timezone
from typing import Any, ClassVar, Dict, FrozenSet, Optional, Type, TypeVar

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

    # The fields that are RFC 3339 times on the wire and datetimes here, and those that may be null.
    _times: ClassVar[FrozenSet[str]] = frozenset()
    _nullable: ClassVar[FrozenSet[str]] = frozenset()

    @classmethod
    def from_dict(cls: Type[M], data: Dict[str, Any]) -> M:
        """The model of an API object; a field it needs but that is missing is a ``KeyError``."""
        known: Dict[str, Any] = {}
        for f in fields(cls):  # type: ignore[arg-type]
            value = data.get(f.name) if f.name in cls._nullable else data[f.name]
            known[f.name] = _parse_time(value) if f.name in cls._times else value
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
