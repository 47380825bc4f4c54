"""Refresh tokens: opaque random strings that only the client holds.

The service stores a token's SHA-256 digest, never the token: a copy of the database lets no
one resume a session. Each login starts a family; every refresh spends its token and issues the
next one of the family, and presenting a spent token revokes the whole family (the reuse
detection of the OAuth 2.0 Security Best Current Practice, RFC 9700, 4.14).
"""

import hashlib
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from .errors import Unauthorized

TOKEN_BYTES = 32
MAX_TOKEN_LENGTH = 512


class InvalidRefreshToken(Unauthorized):
    def __init__(self) -> None:
        super().__init__("The refresh token is invalid, expired or revoked.")


@dataclass(frozen=True, slots=True)
class NewRefreshToken:
    """A token to hand to the client once, and what the service keeps of it."""

    token: str = field(repr=False)
    token_hash: str
    expires_at: datetime


def new_refresh_token(now: datetime, ttl_seconds: int) -> NewRefreshToken:
    token = secrets.token_urlsafe(TOKEN_BYTES)
    return NewRefreshToken(token, hash_token(token), now + timedelta(seconds=ttl_seconds))


def hash_token(token: str) -> str:
    """The SHA-256 digest of a token, 64 hexadecimal characters."""
    return hashlib.sha256(token.encode()).hexdigest()
