"""Errors the service answers with a problem-details response (RFC 9457).

Each framework adapter turns a `ProblemError` into an `application/problem+json` response;
everything else a request raises becomes an opaque 500.
"""

from collections.abc import Mapping
from http import HTTPStatus
from typing import Any, ClassVar


class ProblemError(Exception):
    """An error with an HTTP status, a human-readable detail and optional extension members."""

    status: ClassVar[int] = HTTPStatus.INTERNAL_SERVER_ERROR
    type: ClassVar[str] = "about:blank"
    headers: dict[str, str]

    def __init__(
        self, detail: str, *, headers: Mapping[str, str] | None = None, **extensions: Any
    ) -> None:
        super().__init__(detail)
        self.detail = detail
        self.headers = dict(headers or {})
        self.extensions = extensions

    @property
    def title(self) -> str:
        return HTTPStatus(self.status).phrase


class BadRequest(ProblemError):
    status = HTTPStatus.BAD_REQUEST


class Unauthorized(ProblemError):
    status = HTTPStatus.UNAUTHORIZED

    def __init__(self, detail: str, *, token_sent: bool = False) -> None:
        challenge = 'Bearer error="invalid_token"' if token_sent else "Bearer"
        super().__init__(detail, headers={"WWW-Authenticate": challenge})


class NotFound(ProblemError):
    status = HTTPStatus.NOT_FOUND


class Conflict(ProblemError):
    status = HTTPStatus.CONFLICT


class PayloadTooLarge(ProblemError):
    status = HTTPStatus.REQUEST_ENTITY_TOO_LARGE


class UnsupportedMediaType(ProblemError):
    status = HTTPStatus.UNSUPPORTED_MEDIA_TYPE


class UnprocessableContent(ProblemError):
    status = HTTPStatus.UNPROCESSABLE_ENTITY


class TooManyRequests(ProblemError):
    status = HTTPStatus.TOO_MANY_REQUESTS


class ServiceUnavailable(ProblemError):
    status = HTTPStatus.SERVICE_UNAVAILABLE
