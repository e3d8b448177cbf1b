"""send0: verify send0 webhook deliveries and manage webhook endpoints.

>>> from send0 import Send0, Webhooks
>>> event = Webhooks.verify(raw_body, request.headers, secret)   # doctest: +SKIP
"""

import atexit as _atexit
import os as _os

from . import _events, _explain, _native, errors
from ._events import *  # noqa: F403 - the generated event catalog, listed by its __all__
from ._explain import *  # noqa: F403 - the typed report of Webhooks.explain, listed by its __all__
from ._client import NOT_GIVEN, AsyncPage, AsyncSend0, NotGiven, Send0, SyncPage
from ._models import (
    DeletedWebhookEndpoint,
    DeliveryAttempt,
    RotatedSecret,
    TestResult,
    WebhookEndpoint,
    WebhookEndpointWithSecret,
)
from ._version import __version__
from ._webhooks import WebhookEvent, Webhooks
from .errors import (
    APIConnectionError,
    APIError,
    APIResponseDecodeError,
    APITimeoutError,
    AuthenticationError,
    ConflictError,
    InternalServerError,
    InvalidArgumentError,
    InvalidRequestError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    Send0Error,
    WebhookVerificationError,
)

__all__ = [
    "Send0",
    "AsyncSend0",
    "Webhooks",
    "WebhookEvent",
    "WebhookEndpoint",
    "WebhookEndpointWithSecret",
    "DeletedWebhookEndpoint",
    "TestResult",
    "RotatedSecret",
    "DeliveryAttempt",
    "SyncPage",
    "AsyncPage",
    "NOT_GIVEN",
    "NotGiven",
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
    "errors",
    "__version__",
]
__all__ += _explain.__all__
__all__ += _events.__all__

# tokio's threads do not survive fork(): a child starts a fresh runtime on its first call.
if hasattr(_os, "register_at_fork"):
    _os.register_at_fork(after_in_child=_native._after_fork_in_child)

# Async calls finish handing their results back on runtime threads; let them before finalization.
_atexit.register(_native._drain_async_at_exit)
