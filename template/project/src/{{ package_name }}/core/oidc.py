"""OpenID Connect resource-server mode: access tokens of an identity provider, verified with the
keys it publishes (its JWKS), as RFC 8725 and RFC 9068 recommend.

The keys are fetched when first needed and kept in the process. A token signed with a key the
cache does not know (the provider rotated its keys) triggers a refetch, at most one such refetch
per `REFETCH_INTERVAL_SECONDS`, so a storm of such tokens never becomes a storm of fetches; a
refetch replaces the set, so a key the provider withdrew stops working. Keys older than
`MAX_KEY_AGE_SECONDS` are refetched too. A provider that cannot be reached when keys are needed
is a 503 (`IdentityProviderUnavailable`), never an accepted token, and is not asked again
within the interval.

Fetching is plain blocking HTTP (httpx) with a short timeout: an asyncio service calls `verify` in a
worker thread when `verify_cached` says the keys must be fetched first.
"""

import json
import math
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Self

import httpx
import jwt
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from email_validator import EmailNotValidError, validate_email

from .config import Settings
from .errors import ServiceUnavailable
from .tokens import InvalidToken

REFETCH_INTERVAL_SECONDS = 5.0
MAX_KEY_AGE_SECONDS = 3600.0
FETCH_TIMEOUT_SECONDS = 3.0
MAX_DOCUMENT_BYTES = 1024 * 1024
MAX_SUBJECT_LENGTH = 255
MAX_EMAIL_LENGTH = 320
REQUIRED_CLAIMS = ["exp", "iss", "aud", "sub"]
# The curve each ECDSA algorithm is defined on (RFC 7518, 3.4).
_CURVES = {"ES256": "secp256r1", "ES384": "secp384r1", "ES512": "secp521r1"}


class IdentityProviderUnavailable(ServiceUnavailable):
    def __init__(self) -> None:
        super().__init__(
            "The identity provider's signing keys cannot be fetched; retry later.",
            headers={"Retry-After": str(round(REFETCH_INTERVAL_SECONDS))},
        )


@dataclass(frozen=True, slots=True)
class Identity:
    """Who a verified token speaks for: the provider's `sub`, and its `email` when it sent one."""

    subject: str
    email: str | None


PublicKey = rsa.RSAPublicKey | ec.EllipticCurvePublicKey
Fetch = Callable[[str], Mapping[str, Any]]


def fetch_json(url: str) -> Mapping[str, Any]:
    """GET a JSON object over HTTP(S) within FETCH_TIMEOUT_SECONDS.

    Raises:
        IdentityProviderUnavailable: no answer, an error status, or not a JSON object.
    """
    if not url.startswith(("https://", "http://")):
        raise IdentityProviderUnavailable
    headers = {"Accept": "application/json"}
    try:
        with httpx.stream(
            "GET", url, headers=headers, timeout=FETCH_TIMEOUT_SECONDS, follow_redirects=True
        ) as response:
            response.raise_for_status()
            body = bytearray()
            for chunk in response.iter_bytes():
                body += chunk
                if len(body) > MAX_DOCUMENT_BYTES:
                    raise IdentityProviderUnavailable
        document = json.loads(body)
    # Transport errors, timeouts and error statuses are HTTPErrors; bad JSON a ValueError.
    except (httpx.HTTPError, httpx.InvalidURL, ValueError) as error:
        raise IdentityProviderUnavailable from error
    if not isinstance(document, dict):
        raise IdentityProviderUnavailable
    return document


class _FetchNeeded(Exception):
    """The cached keys cannot answer: they must be fetched first."""


@dataclass(frozen=True, slots=True)
class SigningKey:
    """A public key of the provider, and the algorithm it was published for, if it says."""

    public_key: PublicKey
    algorithm: str | None

    def suits(self, algorithm: str) -> bool:
        """The key is of the algorithm's type (and curve), and was published for it if it says."""
        if self.algorithm is not None and self.algorithm != algorithm:
            return False
        if algorithm.startswith(("RS", "PS")):
            return isinstance(self.public_key, rsa.RSAPublicKey)
        if not isinstance(self.public_key, ec.EllipticCurvePublicKey):
            return False
        return self.public_key.curve.name == _CURVES.get(algorithm)


class KeyCache:
    """The provider's signing keys by `kid`, fetched when needed, shared by every thread."""

    def __init__(
        self,
        issuer: str,
        jwks_url: str | None,
        *,
        fetch: Fetch = fetch_json,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._issuer = issuer
        self._jwks_url = jwks_url
        self._fetch = fetch
        self._clock = clock
        self._lock = threading.Lock()
        self._keys: dict[str, SigningKey] = {}
        self._fetched_at: float | None = None  # when the keys held were fetched
        # No unknown kid triggers a fetch before then: set by such a fetch, and by a failure.
        self._quiet_until = -math.inf
        self._failed = False  # the last fetch failed

    def key(self, kid: str, *, may_fetch: bool = True) -> SigningKey:
        """The key named `kid`, fetching the set when it is unknown or old.

        Raises:
            InvalidToken: no such key, even after a refetch.
            IdentityProviderUnavailable: keys are needed and the provider does not give them.
            _FetchNeeded: `may_fetch` is False and the keys must be fetched first (or another
                thread is fetching them: the caller must not wait for it on an event loop).
        """
        if not self._lock.acquire(blocking=may_fetch):
            raise _FetchNeeded
        try:
            now = self._clock()
            stale = self._fetched_at is None or now - self._fetched_at >= MAX_KEY_AGE_SECONDS
            quiet = now < self._quiet_until
            if stale and quiet:  # the provider failed moments ago: do not ask again yet
                raise IdentityProviderUnavailable
            if not stale and (kid in self._keys or quiet):
                return self._known(kid)
            if not may_fetch:
                raise _FetchNeeded
            if not stale:  # for an unknown kid: the next such fetch waits for the interval
                self._quiet_until = now + REFETCH_INTERVAL_SECONDS
            self._refetch(now)
            return self._known(kid)
        finally:
            self._lock.release()

    def _known(self, kid: str) -> SigningKey:
        if kid not in self._keys:
            if self._failed:
                raise IdentityProviderUnavailable
            raise InvalidToken
        return self._keys[kid]

    def _refetch(self, now: float) -> None:
        """Replaces the keys with the provider's current set."""
        try:
            keys = _signing_keys(self._fetch(self._jwks_url or self._discover()))
        except IdentityProviderUnavailable:
            self._failed = True
            self._quiet_until = now + REFETCH_INTERVAL_SECONDS
            raise
        self._keys, self._fetched_at, self._failed = keys, now, False

    def _discover(self) -> str:
        jwks_uri = self._fetch(discovery_url(self._issuer)).get("jwks_uri")
        if not isinstance(jwks_uri, str):
            raise IdentityProviderUnavailable
        self._jwks_url = jwks_uri
        return jwks_uri


def _signing_keys(document: Mapping[str, Any]) -> dict[str, SigningKey]:
    """The keys of a JWK Set (RFC 7517) that can verify signatures and have a `kid`."""
    entries = document.get("keys")
    if not isinstance(entries, list):
        raise IdentityProviderUnavailable
    keys: dict[str, SigningKey] = {}
    for entry in entries:
        if not isinstance(entry, dict) or entry.get("use", "sig") != "sig":
            continue
        kid, algorithm = entry.get("kid"), entry.get("alg")
        try:
            public_key = jwt.PyJWK(entry).key
        except (jwt.PyJWKError, jwt.InvalidKeyError):  # a key type this service cannot use
            continue
        if isinstance(kid, str) and kid and isinstance(public_key, PublicKey):
            keys[kid] = SigningKey(public_key, algorithm if isinstance(algorithm, str) else None)
    return keys


@dataclass(frozen=True, slots=True)
class OidcVerifier:
    """Verifies the provider's access tokens: the signature with a key of its JWKS, an
    allow-listed asymmetric algorithm that suits the key, `iss`, `aud`, `exp`, `nbf`, `iat`."""

    issuer: str
    audience: str
    algorithms: tuple[str, ...]
    leeway_seconds: int
    keys: KeyCache

    @classmethod
    def from_settings(cls, settings: Settings) -> Self:
        if settings.oidc_issuer is None or settings.oidc_audience is None:
            raise ValueError("OIDC_ISSUER and OIDC_AUDIENCE are required in oidc mode")
        return cls(
            issuer=settings.oidc_issuer,
            audience=settings.oidc_audience,
            algorithms=settings.oidc_algorithms,
            leeway_seconds=settings.oidc_leeway_seconds,
            keys=KeyCache(settings.oidc_issuer, settings.oidc_jwks_url),
        )

    def verify(self, token: str) -> Identity:
        """The identity of a valid token, fetching the provider's keys when needed.

        Raises:
            InvalidToken: the token is not one of the provider's valid access tokens.
            IdentityProviderUnavailable: the keys are needed and cannot be fetched.
        """
        return self._verify(token, may_fetch=True)

    def verify_cached(self, token: str) -> Identity | None:
        """`verify` with the keys at hand; None when they must be fetched first."""
        try:
            return self._verify(token, may_fetch=False)
        except _FetchNeeded:
            return None

    def _verify(self, token: str, *, may_fetch: bool) -> Identity:
        try:
            header = jwt.get_unverified_header(token)
        except jwt.InvalidTokenError as error:
            raise InvalidToken from error
        algorithm, kid = header.get("alg"), header.get("kid")
        if algorithm not in self.algorithms or not isinstance(kid, str) or not kid:
            raise InvalidToken
        key = self.keys.key(kid, may_fetch=may_fetch)
        if not key.suits(algorithm):
            raise InvalidToken
        try:
            claims = jwt.decode(
                token,
                key.public_key,
                algorithms=[algorithm],
                audience=self.audience,
                issuer=self.issuer,
                leeway=self.leeway_seconds,
                options={"require": REQUIRED_CLAIMS},
            )
        except jwt.InvalidTokenError as error:
            raise InvalidToken from error
        subject = claims["sub"]
        if not isinstance(subject, str) or not 0 < len(subject) <= MAX_SUBJECT_LENGTH:
            raise InvalidToken
        return Identity(subject, _email_address(claims.get("email")))


def _email_address(claim: object) -> str | None:
    """The `email` claim lower-cased (as accounts store it) when it is a valid address."""
    if not isinstance(claim, str) or len(claim) > MAX_EMAIL_LENGTH:
        return None
    try:
        validate_email(claim, check_deliverability=False)
    except EmailNotValidError:
        return None
    return claim.lower()


def discovery_url(issuer: str) -> str:
    """The OpenID Connect discovery document of an issuer (OpenID Connect Discovery 1.0, 4)."""
    return issuer.rstrip("/") + "/.well-known/openid-configuration"
