"""Access tokens: short-lived JWTs (RFC 9068 `at+jwt`) checked as RFC 8725 recommends."""

import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Self

import jwt

from .config import Settings
from .errors import Unauthorized

TOKEN_TYPE = "at+jwt"  # noqa: S105 (the JWT "typ" of access tokens, not a secret)
REQUIRED_CLAIMS = ["sub", "iat", "exp", "iss", "aud", "jti"]
# Verified tokens each process remembers: a client sends the same token on every request
# until it expires, and checking a JWT (PyJWT's segment checks, key preparation, JSON parsing)
# costs far more than looking it up.
VERIFIED_TOKENS_KEPT = 4096


class InvalidToken(Unauthorized):
    def __init__(self) -> None:
        super().__init__("The access token is invalid or has expired.", token_sent=True)


@dataclass(frozen=True, slots=True)
class IssuedToken:
    access_token: str
    expires_in: int


@dataclass(frozen=True, slots=True)
class TokenCodec:
    """Issues and verifies access tokens with one fixed algorithm, issuer and audience."""

    secret: str = field(repr=False)
    algorithm: str
    issuer: str
    audience: str
    ttl_seconds: int
    clock: Callable[[], float] = time.time
    _verified: Callable[[str], tuple[str, float]] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        # Keyed by the whole token, so only the very bytes already verified are ever found;
        # failures raise and are never kept.
        verified = lru_cache(maxsize=VERIFIED_TOKENS_KEPT)(self._verify)
        object.__setattr__(self, "_verified", verified)

    @classmethod
    def from_settings(cls, settings: Settings) -> Self:
        return cls(
            secret=settings.jwt_secret.get_secret_value(),
            algorithm=settings.jwt_algorithm,
            issuer=settings.jwt_issuer,
            audience=settings.jwt_audience,
            ttl_seconds=settings.access_token_ttl_seconds,
        )

    def issue(self, subject: str) -> IssuedToken:
        now = int(self.clock())
        claims = {
            "sub": subject,
            "iat": now,
            "exp": now + self.ttl_seconds,
            "iss": self.issuer,
            "aud": self.audience,
            "jti": uuid.uuid4().hex,
        }
        token = jwt.encode(
            claims, self.secret, algorithm=self.algorithm, headers={"typ": TOKEN_TYPE}
        )
        return IssuedToken(access_token=token, expires_in=self.ttl_seconds)

    def subject(self, token: str) -> str:
        """The `sub` of a valid token; anything else raises `InvalidToken`.

        A token verified before is only checked for expiry again: its signature and claims
        cannot have changed.
        """
        subject, expires_at = self._verified(token)
        if expires_at <= self.clock():  # PyJWT's own test, with no leeway
            raise InvalidToken
        return subject

    def _verify(self, token: str) -> tuple[str, float]:
        try:
            decoded = jwt.decode_complete(
                token,
                self.secret,
                algorithms=[self.algorithm],
                audience=self.audience,
                issuer=self.issuer,
                options={"require": REQUIRED_CLAIMS},
            )
        except jwt.InvalidTokenError as error:
            raise InvalidToken from error
        if str(decoded["header"].get("typ", "")).lower() not in {
            TOKEN_TYPE,
            f"application/{TOKEN_TYPE}",
        }:
            raise InvalidToken
        claims = decoded["payload"]
        subject = claims["sub"]
        if not isinstance(subject, str) or not subject:
            raise InvalidToken
        return subject, float(claims["exp"])
