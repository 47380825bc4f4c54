"""Problem details (RFC 9457): the one shape every error response of the service has."""

from collections.abc import Sequence
from http import HTTPStatus
from typing import Any

from .errors import ProblemError, status_title

PROBLEM_JSON = "application/problem+json"


def problem(
    status: int,
    *,
    detail: str,
    instance: str,
    request_id: str,
    title: str | None = None,
    type_: str = "about:blank",
    **extensions: Any,
) -> dict[str, Any]:
    """The body of a problem response."""
    return {
        "type": type_,
        "title": title or status_title(status),
        "status": status,
        "detail": detail,
        "instance": instance,
        "request_id": request_id,
        **extensions,
    }


def from_error(error: ProblemError, *, instance: str, request_id: str) -> dict[str, Any]:
    return problem(
        error.status,
        detail=error.detail,
        instance=instance,
        request_id=request_id,
        title=error.title,
        type_=error.type,
        **error.extensions,
    )


def json_pointer(path: Sequence[str | int]) -> str:
    """RFC 6901 pointer to a member of the request body, e.g. ("items", 0) -> "/items/0"."""
    return "".join("/" + str(part).replace("~", "~0").replace("/", "~1") for part in path)


def field_error(source: str, path: Sequence[str | int], message: str) -> dict[str, str]:
    """One entry of a 422's `errors`: a pointer into the body, or the parameter's name."""
    if source == "body":
        return {"pointer": json_pointer(path), "detail": message}
    member = "header" if source == "header" else "parameter"
    return {member: str(path[0]) if path else "", "detail": message}


def internal_error(*, instance: str, request_id: str) -> dict[str, Any]:
    """A 500 that says nothing about internals; the log line with the same request id does."""
    return problem(
        HTTPStatus.INTERNAL_SERVER_ERROR,
        detail="The server could not complete the request.",
        instance=instance,
        request_id=request_id,
    )
