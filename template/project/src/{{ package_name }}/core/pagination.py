"""Opaque keyset cursors: the position after the last item of a page, newest first."""

import base64
import binascii
import json
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Self
from urllib.parse import unquote_plus

from .errors import BadRequest

DEFAULT_LIMIT = 20
MAX_LIMIT = 100


class InvalidCursor(BadRequest):
    def __init__(self) -> None:
        super().__init__("The cursor is malformed; use the next_cursor of a previous page.")


@dataclass(frozen=True, slots=True)
class Cursor:
    """Items strictly older than (`created_at`, `id`) come next; `id` breaks ties."""

    created_at: datetime
    id: uuid.UUID

    def encode(self) -> str:
        raw = json.dumps([self.created_at.isoformat(), str(self.id)]).encode()
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")

    @classmethod
    def decode(cls, token: str) -> Self:
        try:
            raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
            created_at, item_id = json.loads(raw)
            cursor = cls(datetime.fromisoformat(created_at), uuid.UUID(item_id))
        except (binascii.Error, UnicodeDecodeError, ValueError, TypeError) as error:
            raise InvalidCursor from error
        if cursor.created_at.tzinfo is None:
            raise InvalidCursor
        return cursor


def next_page_link(base_url: str, query: str, cursor: str) -> str:
    """The `Link` to the next page: the request's URL (`base_url`, without its query) with its
    raw query as the client wrote it, but for `cursor`, which comes last: the same bytes on
    every framework, whatever order or encoding the client used."""
    kept = [
        part
        for part in query.split("&")
        if part and unquote_plus(part.partition("=")[0]) != "cursor"
    ]
    return f'<{base_url}?{"&".join([*kept, f"cursor={cursor}"])}>; rel="next"'
