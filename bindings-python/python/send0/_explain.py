"""The report of :meth:`send0.Webhooks.explain`: why a delivery verifies or not, typed.

The core writes the report (the same in every send0 SDK) and guarantees it holds no secret and no
key bytes; these classes only type it. ``to_dict()`` gives back the core's JSON form.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, fields
from typing import Any, Dict, List, Optional, Type, TypeVar

__all__ = [
    "WebhookExplanation",
    "Diagnosis",
    "HeadersReport",
    "TimestampReport",
    "SecretReport",
    "EntryReport",
    "BodyReport",
]

T = TypeVar("T")


def _build(cls: Type[T], data: Dict[str, Any]) -> T:
    """A report class from its JSON object (the fields it knows; the suite checks it knows all)."""
    return cls(**{f.name: data[f.name] for f in fields(cls)})  # type: ignore[arg-type]


@dataclass(frozen=True)
class Diagnosis:
    """One finding: a stable ``code``, what it means for this delivery, and how to fix it."""

    code: str
    """Stable across releases and languages: ``verified``, ``missing_header``, ``svix_headers``,
    ``underscored_headers``, ``timestamp_not_digits``, ``timestamp_in_milliseconds``,
    ``timestamp_too_old``, ``timestamp_too_new``, ``no_secret``, ``secret_invalid``,
    ``secret_whitespace``, ``secret_doubled_prefix``, ``secret_is_api_key``, ``secret_too_short``,
    ``public_key_for_v1``, ``hmac_secret_for_v1a``, ``no_signature_entries``,
    ``body_newline_added``, ``body_newline_removed``, ``body_line_endings_changed``,
    ``body_reserialized``, ``body_object_object``, ``body_empty`` or ``no_match``."""
    message: str
    """What was found, naming a secret or signature entry by its position."""
    fix: Optional[str]
    """What to change, when something should change."""


@dataclass(frozen=True)
class HeadersReport:
    """The signature headers found, and under which names (their values are not secret)."""

    source: str
    """``webhook``, ``svix``, ``underscored`` (``HTTP_WEBHOOK_*``, ``webhook_*``) or ``none``."""
    names: List[str]
    """The names of the signature headers seen, as given."""
    id: Optional[str]
    timestamp: Optional[str]
    signature: Optional[str]


@dataclass(frozen=True)
class TimestampReport:
    """``webhook-timestamp`` against the clock."""

    unix_seconds: Optional[int]
    """The value as a number, when it is digits that fit."""
    now: int
    """The clock the report used, Unix seconds."""
    skew_seconds: Optional[int]
    """``now - timestamp``: positive when the timestamp is in the past."""
    tolerance_seconds: int
    within_tolerance: bool
    looks_like_milliseconds: bool
    """Whether it reads as Unix milliseconds close to now."""


@dataclass(frozen=True)
class SecretReport:
    """One secret given, described without its value or key bytes."""

    kind: str
    """``whsec``, ``whpk``, ``base64`` (a bare HMAC key), ``api_key`` or ``invalid``."""
    usable: bool
    """Whether verify can use it exactly as given."""
    key_length: Optional[int]
    """The decoded key's length in bytes, when it decodes (after the repair ``repaired`` names)."""
    repaired: Optional[str]
    """The mistake undone to read it (``whitespace``, ``doubled_prefix``), when one was."""


@dataclass(frozen=True)
class EntryReport:
    """One entry of ``webhook-signature``."""

    version: str
    """``v1``, ``v1a``, ...; empty when the entry has no comma."""
    well_formed: bool
    problem: Optional[str]
    """Why it is not well formed."""
    matched_secret: Optional[int]
    """The position of the secret it matches, when one does."""


@dataclass(frozen=True)
class BodyReport:
    """The body's size, and how a framework altered it when only an altered form matched."""

    length: int
    json: bool
    """Whether it parses as JSON."""
    altered: Optional[str]
    """``newline_added``, ``newline_removed``, ``line_endings_changed`` or ``reserialized``."""


@dataclass(frozen=True)
class WebhookExplanation:
    """Why a delivery verifies or not. Log ``summary``; ``diagnoses`` lists every finding, the
    cause of a failure first. Holds no secret."""

    verified: bool
    """Exactly what ``Webhooks.verify_raw`` would answer with the same arguments."""
    summary: str
    """The first diagnosis and its fix, in one line."""
    diagnoses: List[Diagnosis]
    headers: HeadersReport
    timestamp: Optional[TimestampReport]
    """None when there was no timestamp."""
    secrets: List[SecretReport]
    """Each secret given, in order."""
    entries: List[EntryReport]
    """Each entry of ``webhook-signature`` looked at, in order."""
    body: BodyReport

    @classmethod
    def _from_json(cls, text: str) -> WebhookExplanation:
        data: Dict[str, Any] = json.loads(text)
        timestamp = data["timestamp"]
        return cls(
            verified=data["verified"],
            summary=data["summary"],
            diagnoses=[_build(Diagnosis, d) for d in data["diagnoses"]],
            headers=_build(HeadersReport, data["headers"]),
            timestamp=None if timestamp is None else _build(TimestampReport, timestamp),
            secrets=[_build(SecretReport, s) for s in data["secrets"]],
            entries=[_build(EntryReport, e) for e in data["entries"]],
            body=_build(BodyReport, data["body"]),
        )

    @property
    def codes(self) -> List[str]:
        """The diagnoses' codes, in order."""
        return [d.code for d in self.diagnoses]

    def to_dict(self) -> Dict[str, Any]:
        """The report in its JSON form, the same in every send0 SDK."""
        return asdict(self)
