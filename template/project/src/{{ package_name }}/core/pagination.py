"""Opaque keyset cursors: the position after the last item of a page, newest first."""

import base64
import binascii
import json
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Self

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
