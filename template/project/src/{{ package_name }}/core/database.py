"""What a request is told when the database, not the request, is at fault: a 503 to retry."""

from .errors import ServiceUnavailable

RETRY_AFTER_SECONDS = 5
_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class DatabaseUnavailable(ServiceUnavailable):
    """The database did not answer within its timeouts, or the connection broke."""

    def __init__(self, method: str) -> None:
        detail = "The database is not available; retry later."
        if method.upper() not in _SAFE_METHODS:
            detail = (
                "The database failed during this request: whether its change was made is "
                "unknown. Retry it; a create with the same Idempotency-Key is made once."
            )
        super().__init__(detail, headers={"Retry-After": str(RETRY_AFTER_SECONDS)})


class SchemaNotMigrated(ServiceUnavailable):
    """The tables the request needs do not exist yet."""

    def __init__(self) -> None:
        super().__init__(
            "The database schema is not at the latest migration: run the migrations "
            "(`make migrate`).",
            headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
        )
