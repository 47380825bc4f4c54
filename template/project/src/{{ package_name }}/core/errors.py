"""Errors the service answers with a problem-details response (RFC 9457).

Each framework adapter turns a `ProblemError` into an `application/problem+json` response;
everything else a request raises becomes an opaque 500.
"""

from collections.abc import Mapping
from http import HTTPStatus
from typing import Any, ClassVar

# The `title` of each status, fixed here rather than taken from `http.HTTPStatus`, whose
# phrases change between Python versions (3.13 renamed 413 and 422): the RFC 9110 names.
TITLES = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    406: "Not Acceptable",
    408: "Request Timeout",
    409: "Conflict",
    410: "Gone",
    411: "Length Required",
    412: "Precondition Failed",
    413: "Content Too Large",
    414: "URI Too Long",
    415: "Unsupported Media Type",
    416: "Range Not Satisfiable",
    417: "Expectation Failed",
    421: "Misdirected Request",
    422: "Unprocessable Content",
    426: "Upgrade Required",
    428: "Precondition Required",
    429: "Too Many Requests",
    431: "Request Header Fields Too Large",
    500: "Internal Server Error",
    501: "Not Implemented",
    502: "Bad Gateway",
    503: "Service Unavailable",
    504: "Gateway Timeout",
    505: "HTTP Version Not Supported",
}


def status_title(status: int) -> str:
    """The problem title of an HTTP status; "Error" for one the service never answers."""
    return TITLES.get(status, "Error")


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
        return status_title(self.status)


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
