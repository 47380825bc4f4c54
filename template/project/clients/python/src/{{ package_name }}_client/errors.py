"""Every exception this package raises, under one root: `ClientError`.

- `ApiError`: the service answered with an error status. Built from the RFC 9457 problem
  document when there is one, and from the status line and body when there is not (an HTML
  502 from a proxy still gives a useful `ApiError`). Subclasses by status: `Unauthorized`
  (401), `NotFound` (404), `Conflict` (409), `ValidationError` (422, with `errors`) and
  `RateLimited` (429, with `retry_after`). `UnexpectedResponse` is a success status whose body
  is not what the contract promises.
- `TransportError`: no response at all (connection refused or dropped, timeout) after every
  allowed retry. The `httpx` exception is its `__cause__`.
"""

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import httpx

from .retry_after import parse_retry_after

PROBLEM_MEDIA_TYPES = ("application/problem+json", "application/json")
_TAG = re.compile(r"<[^>]*>")


class ClientError(Exception):
    """The root of every exception raised by this package.

    Attributes:
        idempotency_key: set when `create_product` fails: the key all its attempts carried.
            An earlier attempt may have created the product; calling `create_product` again
            with this key and the same fields finishes the create without making a second one.
    """

    idempotency_key: str | None = None


@dataclass(frozen=True, slots=True)
class FieldError:
    """One entry of a 422 problem's `errors`: what is wrong, and where.

    `pointer` is a JSON Pointer into the request body (`/price`), `parameter` a query
    parameter (`limit`) and `header` a request header; usually exactly one is set.
    """

    detail: str
    pointer: str | None = None
    parameter: str | None = None
    header: str | None = None

    @property
    def location(self) -> str:
        """Where the error is, for messages: `/price`, `?limit` or `Idempotency-Key:`."""
        if self.pointer is not None:
            return self.pointer or "/"
        if self.parameter is not None:
            return f"?{self.parameter}"
        if self.header is not None:
            return f"{self.header}:"
        return ""


class ApiError(ClientError):
    """The service answered with an error status.

    Attributes:
        status: the HTTP status code.
        title: the problem's `title` (the reason phrase when the body is not a problem).
        detail: the problem's `detail`, or the start of a non-problem body.
        request_id: the problem's `request_id` (else the `X-Request-ID` header): quote it when
            asking the service's operators, they find the log lines with it.
        errors: field errors of a 422 (empty otherwise).
        retry_after: seconds to wait before trying again, from `Retry-After` (429, 503), or None.
        problem: the problem document as parsed JSON, or None when the body was not one.
        body: the raw response body, decoded as text.
        headers: the response headers.
    """

    def __init__(
        self,
        *,
        status: int,
        title: str,
        detail: str = "",
        request_id: str | None = None,
        errors: tuple[FieldError, ...] = (),
        retry_after: float | None = None,
        problem: Mapping[str, Any] | None = None,
        body: str = "",
        headers: httpx.Headers | None = None,
    ) -> None:
        self.status = status
        self.title = title
        self.detail = detail
        self.request_id = request_id
        self.errors = errors
        self.retry_after = retry_after
        self.problem = problem
        self.body = body
        self.headers = headers if headers is not None else httpx.Headers()
        super().__init__(self._message())

    def _message(self) -> str:
        message = f"{self.status} {self.title}"
        if self.detail:
            message += f": {self.detail}"
        if self.errors:
            message += " (" + "; ".join(f"{e.location} {e.detail}" for e in self.errors) + ")"
        if self.request_id:
            message += f" [request_id={self.request_id}]"
        return message


class Unauthorized(ApiError):
    """401: no token, a token or refresh token the service refuses, or wrong credentials."""


class NotFound(ApiError):
    """404: no such resource (a malformed id is also a 404)."""


class Conflict(ApiError):
    """409: the email is taken, or a create with the same Idempotency-Key is still running."""


class ValidationError(ApiError):
    """422: the request was understood but is invalid; see `errors` for each field."""


class RateLimited(ApiError):
    """429: over the rate limit; `retry_after` says how many seconds to wait (None if unsaid)."""


class UnexpectedResponse(ApiError):
    """A success status whose body is not what the API contract promises."""


class TransportError(ClientError):
    """No response from the service after every allowed retry: connection or timeout failure.

    Attributes:
        method: the HTTP method of the request.
        path: the request path.
        attempts: how many attempts were made.
        maybe_processed: False when the request provably never reached the service (the
            connection could not be made); True when it may have been processed (the
            connection dropped, or timed out, after the request was sent).
    """

    def __init__(
        self, message: str, *, method: str, path: str, attempts: int, maybe_processed: bool
    ) -> None:
        super().__init__(message)
        self.method = method
        self.path = path
        self.attempts = attempts
        self.maybe_processed = maybe_processed


_BY_STATUS: dict[int, type[ApiError]] = {
    401: Unauthorized,
    404: NotFound,
    409: Conflict,
    422: ValidationError,
    429: RateLimited,
}


def error_from_response(response: httpx.Response, *, now: float) -> ApiError:
    """The `ApiError` (subclass) for an error response; `now` is the wall clock, in seconds."""
    problem = _problem(response)
    status = response.status_code
    title = _text(problem, "title") or response.reason_phrase or f"HTTP {status}"
    detail = _text(problem, "detail") or _snippet(response)
    cls = _BY_STATUS.get(status, ApiError)
    return cls(
        status=status,
        title=title,
        detail=detail,
        request_id=_text(problem, "request_id") or response.headers.get("x-request-id"),
        errors=_field_errors(problem),
        retry_after=parse_retry_after(
            response.headers.get("retry-after"), now=now, date=response.headers.get("date")
        ),
        problem=problem,
        body=response.text,
        headers=response.headers,
    )


def unexpected_response(response: httpx.Response, reason: str) -> UnexpectedResponse:
    """An `UnexpectedResponse` for a success response whose body does not fit the contract."""
    return UnexpectedResponse(
        status=response.status_code,
        title="Unexpected response",
        detail=reason,
        request_id=response.headers.get("x-request-id"),
        body=response.text,
        headers=response.headers,
    )


def _problem(response: httpx.Response) -> dict[str, Any] | None:
    media_type = response.headers.get("content-type", "").split(";")[0].strip().lower()
    if media_type not in PROBLEM_MEDIA_TYPES:
        return None
    try:
        document = json.loads(response.content)
    except ValueError:
        return None
    return document if isinstance(document, dict) else None


def _text(problem: Mapping[str, Any] | None, name: str) -> str | None:
    value = problem.get(name) if problem is not None else None
    return value if isinstance(value, str) else None


def _field_errors(problem: Mapping[str, Any] | None) -> tuple[FieldError, ...]:
    entries = problem.get("errors") if problem is not None else None
    if not isinstance(entries, list):
        return ()
    return tuple(
        FieldError(
            detail=_text(entry, "detail") or "",
            pointer=_text(entry, "pointer"),
            parameter=_text(entry, "parameter"),
            header=_text(entry, "header"),
        )
        for entry in entries
        if isinstance(entry, dict)
    )


def _snippet(response: httpx.Response, limit: int = 200) -> str:
    """The start of a non-problem body on one line (an HTML error page, a proxy's message)."""
    text = response.text
    if "html" in response.headers.get("content-type", "").lower():
        text = _TAG.sub(" ", text)
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "\u2026"
