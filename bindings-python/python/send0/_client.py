"""The API clients: :class:`Send0` (blocking) and :class:`AsyncSend0` (asyncio), over one native
client each. Requests, retries, idempotency keys and errors are the core's; this module names the
operation and builds typed objects from the answer."""

from __future__ import annotations

import json
from typing import (
    Any,
    AsyncIterator,
    Awaitable,
    Callable,
    Dict,
    Generator,
    Generic,
    Iterator,
    List,
    Optional,
    TypeVar,
    Union,
)

from . import _native
from ._models import (
    DeletedWebhookEndpoint,
    DeliveryAttempt,
    RotatedSecret,
    TestResult,
    WebhookEndpoint,
    WebhookEndpointWithSecret,
)
from ._version import __version__
from ._webhooks import Webhooks

__all__ = ["Send0", "AsyncSend0", "SyncPage", "AsyncPage", "NOT_GIVEN", "NotGiven"]

T = TypeVar("T")
Json = Dict[str, Any]


class NotGiven:
    """The type of :data:`NOT_GIVEN`: tells an argument left out from one given as ``None``."""

    _instance: Optional["NotGiven"] = None

    def __new__(cls) -> "NotGiven":
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __bool__(self) -> bool:
        return False

    def __repr__(self) -> str:
        return "NOT_GIVEN"


NOT_GIVEN = NotGiven()

_USER_AGENT = f"send0-python/{__version__}"


def _request(op: str, id: Optional[str] = None, params: Optional[Json] = None, idempotency_key: Optional[str] = None) -> str:
    request: Json = {"op": op}
    if id is not None:
        if not isinstance(id, str):
            raise TypeError(f"the endpoint id must be a string, not {type(id).__name__}")
        request["id"] = id
    if params:
        request["params"] = params
    if idempotency_key is not None:
        request["options"] = {"idempotency_key": idempotency_key}
    return json.dumps(request)


def _given(**fields: Any) -> Json:
    return {name: value for name, value in fields.items() if not isinstance(value, NotGiven)}


def _create_request(
    url: str, events: Optional[List[str]], description: Optional[str], active: bool, idempotency_key: Optional[str]
) -> str:
    params = _given(url=url, active=active)
    if events is not None:
        params["events"] = list(events)
    if description is not None:
        params["description"] = description
    return _request("create_webhook", params=params, idempotency_key=idempotency_key)


def _update_request(id: str, **fields: Any) -> str:
    return _request("update_webhook", id, params=_given(**fields))


def _rotate_request(id: str, expire_previous_in: int) -> str:
    return _request("rotate_secret", id, params={"expire_previous_in": expire_previous_in})


def _paging(limit: Optional[int], cursor: Optional[str]) -> Json:
    params: Json = {}
    if limit is not None:
        params["limit"] = limit
    if cursor is not None:
        params["cursor"] = cursor
    return params


def _page_parts(answer: Json, item: Callable[[Json], T]) -> "tuple[List[T], bool, Optional[str], Optional[str]]":
    """A list answer of the core: the page as the API sent it, and the request for the next page
    (None after the last), which the core checks for a repeated cursor before handing it out."""
    page: Json = answer["page"]
    following = answer.get("next")
    return (
        [item(entry) for entry in page["data"]],
        bool(page["has_more"]),
        page.get("cursor"),
        None if following is None else json.dumps(following),
    )


class SyncPage(Generic[T]):
    """One page of a list. Iterating it walks every item of every page, fetching lazily."""

    def __init__(self, answer: Json, item: Callable[[Json], T], fetch: Callable[[str], "SyncPage[T]"]) -> None:
        self.data, self.has_more, self.cursor, self._next = _page_parts(answer, item)
        self._fetch = fetch

    def has_next_page(self) -> bool:
        return self._next is not None

    def next_page(self) -> "SyncPage[T]":
        if self._next is None:
            raise StopIteration("this is the last page")
        return self._fetch(self._next)

    def iter_pages(self) -> Iterator["SyncPage[T]"]:
        page: SyncPage[T] = self
        while True:
            yield page
            if not page.has_next_page():
                return
            page = page.next_page()

    def __iter__(self) -> Iterator[T]:
        for page in self.iter_pages():
            yield from page.data

    def __repr__(self) -> str:
        return f"SyncPage(data=[{len(self.data)} items], has_more={self.has_more})"


class AsyncPage(Generic[T]):
    """One page of a list. ``async for`` over it walks every item of every page."""

    def __init__(
        self, answer: Json, item: Callable[[Json], T], fetch: Callable[[str], Awaitable["AsyncPage[T]"]]
    ) -> None:
        self.data, self.has_more, self.cursor, self._next = _page_parts(answer, item)
        self._fetch = fetch

    def has_next_page(self) -> bool:
        return self._next is not None

    async def next_page(self) -> "AsyncPage[T]":
        if self._next is None:
            raise StopAsyncIteration("this is the last page")
        return await self._fetch(self._next)

    async def iter_pages(self) -> AsyncIterator["AsyncPage[T]"]:
        page: AsyncPage[T] = self
        while True:
            yield page
            if not page.has_next_page():
                return
            page = await page.next_page()

    async def __aiter__(self) -> AsyncIterator[T]:
        async for page in self.iter_pages():
            for item in page.data:
                yield item

    def __repr__(self) -> str:
        return f"AsyncPage(data=[{len(self.data)} items], has_more={self.has_more})"


class AsyncPageRequest(Generic[T]):
    """What ``AsyncSend0`` list methods return: ``await`` it for the first page, or ``async for`` over
    it directly to walk every item."""

    def __init__(self, first: Callable[[], Awaitable[AsyncPage[T]]]) -> None:
        self._first = first

    def __await__(self) -> Generator[Any, None, AsyncPage[T]]:
        return self._first().__await__()

    async def __aiter__(self) -> AsyncIterator[T]:
        page = await self._first()
        async for item in page:
            yield item


class WebhooksResource(Webhooks):
    """``client.webhooks``: endpoints, tests, secret rotation and delivery logs (and, inherited,
    ``verify``/``verify_raw``/``sign``)."""

    def __init__(self, call: Callable[[str], str]) -> None:
        self._call = call

    def _json(self, request: str) -> Json:
        result: Json = json.loads(self._call(request))
        return result

    def _page(self, request: str, item: Callable[[Json], T]) -> SyncPage[T]:
        return SyncPage(self._json(request), item, lambda following: self._page(following, item))

    def create(
        self,
        *,
        url: str,
        events: Optional[List[str]] = None,
        description: Optional[str] = None,
        active: bool = True,
        idempotency_key: Optional[str] = None,
    ) -> WebhookEndpointWithSecret:
        """Creates an endpoint. The response alone carries its signing secret: store it."""
        request = _create_request(url, events, description, active, idempotency_key)
        return WebhookEndpointWithSecret.from_dict(self._json(request))

    def get(self, id: str) -> WebhookEndpoint:
        return WebhookEndpoint.from_dict(self._json(_request("get_webhook", id)))

    def list(self, *, limit: Optional[int] = None, cursor: Optional[str] = None) -> SyncPage[WebhookEndpoint]:
        """One page of endpoints, newest first; iterating the page walks every page."""
        return self._page(_request("list_webhooks", params=_paging(limit, cursor)), WebhookEndpoint.from_dict)

    def update(
        self,
        id: str,
        *,
        url: Union[str, NotGiven] = NOT_GIVEN,
        events: Union[List[str], NotGiven] = NOT_GIVEN,
        description: Union[str, None, NotGiven] = NOT_GIVEN,
        active: Union[bool, NotGiven] = NOT_GIVEN,
        paused: Union[bool, NotGiven] = NOT_GIVEN,
    ) -> WebhookEndpoint:
        """Changes only the given fields; ``description=None`` clears it; ``paused=False`` unpauses."""
        request = _update_request(id, url=url, events=events, description=description, active=active, paused=paused)
        return WebhookEndpoint.from_dict(self._json(request))

    def delete(self, id: str) -> DeletedWebhookEndpoint:
        return DeletedWebhookEndpoint.from_dict(self._json(_request("delete_webhook", id)))

    def test(self, id: str) -> TestResult:
        """Delivers a ``platform.test`` event now and reports the outcome."""
        return TestResult.from_dict(self._json(_request("test_webhook", id)))

    def rotate_secret(self, id: str, *, expire_previous_in: int = 86400) -> RotatedSecret:
        """Issues a new secret; the previous one keeps signing for ``expire_previous_in`` seconds."""
        return RotatedSecret.from_dict(self._json(_rotate_request(id, expire_previous_in)))

    def deliveries(
        self, id: str, *, limit: Optional[int] = None, cursor: Optional[str] = None
    ) -> SyncPage[DeliveryAttempt]:
        """One page of delivery attempts, newest first; iterating the page walks every page."""
        return self._page(_request("list_deliveries", id, params=_paging(limit, cursor)), DeliveryAttempt.from_dict)


class AsyncWebhooksResource(Webhooks):
    """``client.webhooks`` of :class:`AsyncSend0`: the same operations, awaitable."""

    def __init__(self, call: Callable[[str], Awaitable[str]]) -> None:
        self._call = call

    async def _json(self, request: str) -> Json:
        result: Json = json.loads(await self._call(request))
        return result

    async def _page(self, request: str, item: Callable[[Json], T]) -> AsyncPage[T]:
        return AsyncPage(await self._json(request), item, lambda following: self._page(following, item))

    async def create(
        self,
        *,
        url: str,
        events: Optional[List[str]] = None,
        description: Optional[str] = None,
        active: bool = True,
        idempotency_key: Optional[str] = None,
    ) -> WebhookEndpointWithSecret:
        request = _create_request(url, events, description, active, idempotency_key)
        return WebhookEndpointWithSecret.from_dict(await self._json(request))

    async def get(self, id: str) -> WebhookEndpoint:
        return WebhookEndpoint.from_dict(await self._json(_request("get_webhook", id)))

    def list(self, *, limit: Optional[int] = None, cursor: Optional[str] = None) -> AsyncPageRequest[WebhookEndpoint]:
        request = _request("list_webhooks", params=_paging(limit, cursor))
        return AsyncPageRequest(lambda: self._page(request, WebhookEndpoint.from_dict))

    async def update(
        self,
        id: str,
        *,
        url: Union[str, NotGiven] = NOT_GIVEN,
        events: Union[List[str], NotGiven] = NOT_GIVEN,
        description: Union[str, None, NotGiven] = NOT_GIVEN,
        active: Union[bool, NotGiven] = NOT_GIVEN,
        paused: Union[bool, NotGiven] = NOT_GIVEN,
    ) -> WebhookEndpoint:
        request = _update_request(id, url=url, events=events, description=description, active=active, paused=paused)
        return WebhookEndpoint.from_dict(await self._json(request))

    async def delete(self, id: str) -> DeletedWebhookEndpoint:
        return DeletedWebhookEndpoint.from_dict(await self._json(_request("delete_webhook", id)))

    async def test(self, id: str) -> TestResult:
        return TestResult.from_dict(await self._json(_request("test_webhook", id)))

    async def rotate_secret(self, id: str, *, expire_previous_in: int = 86400) -> RotatedSecret:
        return RotatedSecret.from_dict(await self._json(_rotate_request(id, expire_previous_in)))

    def deliveries(
        self, id: str, *, limit: Optional[int] = None, cursor: Optional[str] = None
    ) -> AsyncPageRequest[DeliveryAttempt]:
        request = _request("list_deliveries", id, params=_paging(limit, cursor))
        return AsyncPageRequest(lambda: self._page(request, DeliveryAttempt.from_dict))


class Send0:
    """The send0 API client (blocking). Thread-safe: share one across threads.

    ``api_key`` defaults to ``SEND0_API_KEY``; ``base_url`` to ``SEND0_BASE_URL``, else
    ``https://api.send0.dev``. ``timeout`` is per attempt, in seconds; ``max_retries`` retries
    connection errors, timeouts, 408, 409, 429 and 5xx with backoff, honouring ``Retry-After``.
    """

    webhooks: WebhooksResource

    def __init__(
        self, api_key: Optional[str] = None, *, base_url: Optional[str] = None, timeout: float = 60.0, max_retries: int = 2
    ) -> None:
        self._native = _native.NativeClient(api_key, base_url, float(timeout), int(max_retries), _USER_AGENT)
        self.webhooks = WebhooksResource(self._native.call)

    @property
    def base_url(self) -> str:
        return self._native.base_url

    def close(self) -> None:
        """Nothing to release: connections close when the client is garbage-collected."""

    def __enter__(self) -> "Send0":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"Send0({self._native!r})"


class AsyncSend0:
    """The send0 API client for asyncio: the surface of :class:`Send0` with ``await``.
    Cancelling the task of a call cancels the request."""

    webhooks: AsyncWebhooksResource

    def __init__(
        self, api_key: Optional[str] = None, *, base_url: Optional[str] = None, timeout: float = 60.0, max_retries: int = 2
    ) -> None:
        self._native = _native.NativeClient(api_key, base_url, float(timeout), int(max_retries), _USER_AGENT)
        self.webhooks = AsyncWebhooksResource(self._native.call_async)

    @property
    def base_url(self) -> str:
        return self._native.base_url

    async def close(self) -> None:
        """Nothing to release: connections close when the client is garbage-collected."""

    async def __aenter__(self) -> "AsyncSend0":
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    def __repr__(self) -> str:
        return f"AsyncSend0({self._native!r})"
