"""The errors of the send0 SDK.

Every error is a :class:`Send0Error` with a stable ``kind`` string, the same in every send0 SDK.
API errors carry what the API said; webhook verification errors say exactly what failed and never
contain the secret.
"""

from __future__ import annotations

import json
from typing import Any, Dict, List, Mapping, Optional, Tuple, Type

__all__ = [
    "Send0Error",
    "APIError",
    "AuthenticationError",
    "PermissionDeniedError",
    "NotFoundError",
    "InvalidRequestError",
    "ConflictError",
    "RateLimitError",
    "InternalServerError",
    "APIConnectionError",
    "APITimeoutError",
    "APIResponseDecodeError",
    "InvalidArgumentError",
    "WebhookVerificationError",
]


class Send0Error(Exception):
    """The base of every send0 error."""

    kind: str
    message: str

    def __init__(self, message: str, *, kind: str = "api") -> None:
        super().__init__(message)
        self.message = message
        self.kind = kind


class APIError(Send0Error):
    """The API refused a request."""

    status: int
    code: Optional[str]
    param: Optional[str]
    request_id: Optional[str]
    body: str
    headers: Dict[str, str]

    def __init__(
        self,
        message: str,
        *,
        kind: str = "api",
        status: int,
        code: Optional[str] = None,
        param: Optional[str] = None,
        request_id: Optional[str] = None,
        body: str = "",
        headers: Optional[Mapping[str, str]] = None,
    ) -> None:
        super().__init__(message, kind=kind)
        self.status = status
        self.code = code
        self.param = param
        self.request_id = request_id
        self.body = body
        self.headers = dict(headers or {})

    def __str__(self) -> str:
        details = ", ".join(
            part
            for part in (f"HTTP {self.status}", self.code, self.request_id and f"request id {self.request_id}")
            if part
        )
        return f"{self.message} ({details})"

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(status={self.status}, code={self.code!r}, "
            f"message={self.message!r}, request_id={self.request_id!r})"
        )


class AuthenticationError(APIError):
    """401: the API key is missing, unknown or revoked."""


class PermissionDeniedError(APIError):
    """403: the key lacks the scope the operation needs (``required_scope``)."""

    required_scope: Optional[str] = None


class NotFoundError(APIError):
    """404: no such object in the key's workspace."""


class InvalidRequestError(APIError):
    """400 (and other 4xx): the request was invalid; ``param`` names the field when there is one."""


class ConflictError(APIError):
    """409: for example an ``Idempotency-Key`` reused with a different body."""


class RateLimitError(APIError):
    """429: too many requests; ``retry_after`` says how long the API asked to wait, in seconds."""

    retry_after: Optional[float] = None


class InternalServerError(APIError):
    """5xx: the API failed; the request may be retried."""


class APIConnectionError(Send0Error):
    """The request got no response: refused, reset, DNS, TLS."""


class APITimeoutError(APIConnectionError):
    """The request took longer than the client's timeout."""


class APIResponseDecodeError(Send0Error):
    """A response arrived but its body was not what the API promises."""


class InvalidArgumentError(Send0Error, ValueError):
    """An argument is unusable (no API key, an empty id, a bad base URL, ...)."""


class WebhookVerificationError(Send0Error):
    """A webhook delivery failed verification.

    ``kind`` is one of ``missing_header``, ``invalid_timestamp``, ``timestamp_too_old``,
    ``timestamp_too_new``, ``invalid_signature``, ``invalid_secret`` or ``invalid_payload``.
    """


_API_CLASSES: Dict[str, Type[APIError]] = {
    "authentication": AuthenticationError,
    "permission": PermissionDeniedError,
    "not_found": NotFoundError,
    "invalid_request": InvalidRequestError,
    "conflict": ConflictError,
    "rate_limited": RateLimitError,
}

_OTHER_CLASSES: Dict[str, Type[Send0Error]] = {
    "connection": APIConnectionError,
    "timeout": APITimeoutError,
    "decode": APIResponseDecodeError,
    "invalid_argument": InvalidArgumentError,
}

WEBHOOK_KINDS: Tuple[str, ...] = (
    "missing_header",
    "invalid_timestamp",
    "timestamp_too_old",
    "timestamp_too_new",
    "invalid_signature",
    "invalid_secret",
    "invalid_payload",
)


def _from_native(description: str) -> Send0Error:
    """Builds the error the core described (its JSON error form); called by ``send0._native``."""
    data: Dict[str, Any] = json.loads(description)
    kind: str = data["kind"]
    message: str = data["message"]
    api: Optional[Dict[str, Any]] = data.get("api")
    if api is not None:
        status = int(api["status"])
        cls = _API_CLASSES.get(kind) or (InternalServerError if status >= 500 else APIError)
        headers: List[Tuple[str, str]] = [(str(name), str(value)) for name, value in api.get("headers") or []]
        error = cls(
            api.get("message") or message,
            kind=kind,
            status=status,
            code=api.get("code"),
            param=api.get("param"),
            request_id=api.get("request_id"),
            body=api.get("body") or "",
            headers=dict(headers),
        )
        if isinstance(error, PermissionDeniedError):
            error.required_scope = api.get("required_scope")
        if isinstance(error, RateLimitError):
            error.retry_after = api.get("retry_after")
        return error
    if kind in WEBHOOK_KINDS:
        return WebhookVerificationError(message, kind=kind)
    return _OTHER_CLASSES.get(kind, Send0Error)(message, kind=kind)
