"""JSON request bodies: the limits of the service contract, checked before a body is parsed.

Every framework adapter reads its JSON bodies with `json_document`, so that each refuses the
same hostile bodies with the same 422 problem.
"""

import codecs
import json
from decimal import Decimal
from email.message import Message
from itertools import accumulate
from typing import Any

from . import problems
from .errors import UnprocessableContent

# Arrays and objects nested deeper than this are refused before parsing (the body's own
# object or array is level 1): no client decides how deep a parser recurses.
MAX_JSON_DEPTH = 32

_NOT_BRACKETS = bytes(byte for byte in range(256) if byte not in b"[]{}")
_STEPS = {ord("["): 1, ord("{"): 1, ord("]"): -1, ord("}"): -1}


def json_document(body: bytes, content_type: str | None) -> Any:
    """The JSON document of a request body.

    Numbers with a fraction or an exponent are parsed exactly, as `Decimal` (NaN and Infinity
    too), so that each field's rules judge the number the client wrote, never a rounded float
    (1e-400 is not 0.0).

    Raises:
        UnprocessableContent: a charset other than UTF-8, nesting deeper than
            MAX_JSON_DEPTH, or a body that is not JSON.
    """
    charset = _charset(content_type)
    if charset is not None and not _is_utf_8(charset):
        raise _invalid_body(f"The body must be UTF-8 JSON, not {charset}.")
    if nesting_depth(body) > MAX_JSON_DEPTH:
        raise _invalid_body(f"The body nests arrays and objects over {MAX_JSON_DEPTH} deep.")
    try:
        return json.loads(body.decode(), parse_float=Decimal, parse_constant=Decimal)
    except ValueError:  # UnicodeDecodeError and JSONDecodeError included
        raise _invalid_body("The body is not valid JSON.") from None


def nesting_depth(body: bytes) -> int:
    """How deep arrays and objects nest in a JSON text, counted without parsing it."""
    # Without its escaped backslashes and quotes, every other quote of JSON text opens a string.
    unescaped = body.replace(b"\\\\", b"").replace(b'\\"', b"")
    brackets = b"".join(unescaped.split(b'"')[::2]).translate(None, _NOT_BRACKETS)
    return max(accumulate(map(_STEPS.__getitem__, brackets)), default=0)


def _charset(content_type: str | None) -> str | None:
    message = Message()
    message["content-type"] = content_type or ""
    return message.get_content_charset()


def _is_utf_8(charset: str) -> bool:
    try:
        return codecs.lookup(charset).name == "utf-8"
    except LookupError:
        return False


def _invalid_body(detail: str) -> UnprocessableContent:
    return UnprocessableContent(
        "The request is not valid; see errors.",
        errors=[problems.field_error("body", [], detail)],
    )
