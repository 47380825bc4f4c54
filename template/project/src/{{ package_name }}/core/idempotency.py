"""The rules of the Idempotency-Key header on creates, independent of storage.

A key is scoped to the user who sends it and lives for 24 hours. The first request with a
key claims it; a repeat with the same body replays the stored response once the first has
finished, is refused with 409 while it is still running, and with 422 when the body differs.

A claim is a lease (IDEMPOTENCY_LEASE_SECONDS, longer than any request may run): a request
that can no longer finish (its database connection dropped, its process died) cannot release
its key, so once the lease has expired a retry with the key takes the claim over and runs the
create. The response is stored only while the claim is still held, in the transaction of the
create, so a request that lost its claim creates nothing: a key never creates two rows.
"""

import hashlib
import json
import re
from datetime import timedelta
from typing import Any

from pydantic.config import JsonDict

from .errors import BadRequest, Conflict, UnprocessableContent

HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
TTL = timedelta(hours=24)
MAX_LENGTH = 255

# An RFC 8941 sf-string ("...", with \" and \\ escapes) or a bare run of visible ASCII.
_QUOTED = re.compile(r'"((?:[\x20\x21\x23-\x5b\x5d-\x7e]|\\["\\])*)"')
_BARE = re.compile(r"[\x21\x23-\x2b\x2d-\x5b\x5d-\x7e]+")
# The header as the OpenAPI document describes it: a bare key (the quoted form is accepted too).
KEY_SCHEMA: JsonDict = {"minLength": 1, "maxLength": MAX_LENGTH, "pattern": f"^{_BARE.pattern}$"}
DESCRIPTION = "Makes retried creates safe: the same key and body replay the response."


class InvalidKey(BadRequest):
    def __init__(self) -> None:
        super().__init__(
            f"The {HEADER} header must be 1 to {MAX_LENGTH} printable ASCII characters, "
            'as a quoted string ("key") or a bare token.'
        )


class KeyInFlight(Conflict):
    def __init__(self) -> None:
        super().__init__(f"A request with this {HEADER} is still being processed; retry later.")


class KeyReused(UnprocessableContent):
    def __init__(self) -> None:
        detail = f"This {HEADER} was already used with a different request body."
        # A 422 lists what is wrong; here it is the header (docs/service-contract.md).
        super().__init__(detail, errors=[{"header": HEADER, "detail": detail}])


def parse_key(header: str) -> str:
    """The key carried by an Idempotency-Key header value, or `InvalidKey`."""
    value = header.strip()
    quoted = _QUOTED.fullmatch(value)
    if quoted is not None:
        key = re.sub(r"\\(.)", r"\1", quoted[1])
    elif _BARE.fullmatch(value):
        key = value
    else:
        raise InvalidKey
    if not 1 <= len(key) <= MAX_LENGTH:
        raise InvalidKey
    return key


def fingerprint(body: Any) -> str:
    """A digest of the request body that ignores member order and whitespace."""
    canonical = json.dumps(
        body, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


def check_repeat(*, stored_fingerprint: str, finished: bool, request_fingerprint: str) -> None:
    """Raise unless a repeated key may replay its stored response."""
    if stored_fingerprint != request_fingerprint:
        raise KeyReused
    if not finished:
        raise KeyInFlight
