# The private native module (Rust, pyo3). Its API may change with any release; use `send0`.
# Hand-written (it holds no wire contract: operations cross as JSON); `make test-python` checks it
# against the built module with mypy's stubtest.
from datetime import timedelta
from typing import Any, Awaitable, Optional, Union, final

from ._webhooks import Body, Headers, Instant, Secret, WebhookEvent

__all__ = [
    "NativeClient",
    "__version__",
    "_after_fork_in_child",
    "_drain_async_at_exit",
    "_panic_for_test",
    "explain",
    "loads",
    "sign",
    "verify",
    "verify_raw",
]
__version__: str

def verify(
    body: Body, headers: Headers, secret: Secret, tolerance: Union[int, timedelta], now: Optional[Instant]
) -> WebhookEvent: ...
def verify_raw(
    body: Body, headers: Headers, secret: Secret, tolerance: Union[int, timedelta], now: Optional[Instant]
) -> None: ...
def explain(
    body: Body, headers: Headers, secret: Secret, tolerance: Union[int, timedelta], now: Optional[Instant]
) -> str: ...
def loads(raw: bytes, start: int, length: int) -> Any: ...
def sign(secret: str, msg_id: str, timestamp: int, body: bytes) -> str: ...
def _after_fork_in_child() -> None: ...
def _drain_async_at_exit() -> None: ...
def _panic_for_test(message: str) -> None: ...

@final
class NativeClient:
    def __new__(
        cls, api_key: Optional[str], base_url: Optional[str], timeout: float, max_retries: int, user_agent: str
    ) -> "NativeClient": ...
    def call(self, request: str) -> str: ...
    def call_async(self, request: str) -> Awaitable[str]: ...
    @property
    def base_url(self) -> str: ...
