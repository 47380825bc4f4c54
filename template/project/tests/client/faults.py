"""httpx transports that forward to the live service and inject faults on the way.

A fault decides the fate of one request: answer in the service's place (`respond`,
`problem`), fail before sending (`refuse_connection`), or let the service process it and then
lose the answer (`lose_response`): the row IS created, the client never hears of it.
"""

import asyncio
import itertools
import json
import threading
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import httpx

Forward = Callable[[httpx.Request], httpx.Response]
Fault = Callable[[httpx.Request, Forward], httpx.Response]


def respond(
    status: int,
    body: str = "",
    *,
    content_type: str = "text/plain",
    headers: Mapping[str, str] | None = None,
) -> Fault:
    def fault(request: httpx.Request, forward: Forward) -> httpx.Response:
        return httpx.Response(
            status, headers={"Content-Type": content_type, **(headers or {})}, text=body
        )

    return fault


def problem(status: int, headers: Mapping[str, str] | None = None, **members: Any) -> Fault:
    """A problem-details answer in the service's place, as a proxy or the service would give."""
    body = {"type": "about:blank", "title": f"HTTP {status}", "status": status, **members}
    return respond(
        status, json.dumps(body), content_type="application/problem+json", headers=headers
    )


def refuse_connection() -> Fault:
    def fault(request: httpx.Request, forward: Forward) -> httpx.Response:
        raise httpx.ConnectError("connection refused (injected)", request=request)

    return fault


def lose_response(error: type[httpx.TransportError] = httpx.ReadError) -> Fault:
    """The service processes the request; its answer is lost on the way back."""

    def fault(request: httpx.Request, forward: Forward) -> httpx.Response:
        forward(request)
        raise error("connection dropped after the request was sent (injected)", request=request)

    return fault


class FaultyTransport(httpx.BaseTransport):
    """Forwards to the real service; the requests that `when` selects meet the `plan` first.

    The plan is consumed one entry per selected request (None: forward untouched); once it is
    exhausted, every request is forwarded. `requests` records every request, in order.
    """

    def __init__(
        self,
        plan: Iterable[Fault | None] = (),
        *,
        when: Callable[[httpx.Request], bool] = lambda request: True,
    ) -> None:
        self.requests: list[httpx.Request] = []
        self._plan = iter(plan)
        self._when = when
        self._lock = threading.Lock()
        self._real = httpx.HTTPTransport()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        with self._lock:
            self.requests.append(request)
            fault = next(self._plan, None) if self._when(request) else None
        if fault is None:
            return self._forward(request)
        return fault(request, self._forward)

    def sent(self, method: str, path: str) -> list[httpx.Request]:
        return [r for r in self.requests if r.method == method and r.url.path == path]

    def close(self) -> None:
        self._real.close()

    def _forward(self, request: httpx.Request) -> httpx.Response:
        response = self._real.handle_request(request)
        try:
            raw = b"".join(response.iter_raw())
        finally:
            response.close()
        return httpx.Response(
            response.status_code,
            headers=response.headers,
            stream=httpx.ByteStream(raw),
            extensions=response.extensions,
        )


class AsyncFaultyTransport(httpx.AsyncBaseTransport):
    """`FaultyTransport` for `AsyncClient`: the same plan, run in a worker thread."""

    def __init__(
        self,
        plan: Iterable[Fault | None] = (),
        *,
        when: Callable[[httpx.Request], bool] = lambda request: True,
    ) -> None:
        self.sync = FaultyTransport(plan, when=when)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        return await asyncio.to_thread(self.sync.handle_request, request)

    async def aclose(self) -> None:
        self.sync.close()


def to(method: str, path: str) -> Callable[[httpx.Request], bool]:
    """Select the requests with this method to this path."""
    return lambda request: request.method == method and request.url.path == path


def always(fault: Fault) -> Iterable[Fault]:
    return itertools.repeat(fault)
