"""An OpenID provider for the tests: discovery, JWKS and tokens, served on 127.0.0.1.

The service in OIDC mode (AUTH_MODE=oidc) fetches its keys from here, never from the network.
The keys (RSA and EC) are made when the provider is created; the provider can publish more,
rotate them, fail on purpose and mint every token an identity provider or an attacker could
send: valid ones, forged ones, unsigned ones, HS256 ones keyed with a public key.
"""

import base64
import hashlib
import hmac
import json
import secrets
import socket
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Literal

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from jwt.algorithms import ECAlgorithm, RSAAlgorithm

# The path of the issuer identifier, as Keycloak names a realm: discovery must keep it.
REALM_PATH = "/realms/tests"
DISCOVERY_PATH = REALM_PATH + "/.well-known/openid-configuration"
JWKS_PATH = REALM_PATH + "/protocol/openid-connect/certs"

# "up": documents served; "error": 500 for everything; "garbage": 200 with invalid JSON;
# "drop": the connection closed without an answer.
Mode = Literal["up", "error", "garbage", "drop"]


@dataclass(frozen=True)
class SigningKey:
    """A private key of the provider and how its JWK names it."""

    kid: str
    algorithm: Literal["RS256", "ES256"]
    private: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey

    @classmethod
    def rsa(cls, kid: str | None = None) -> "SigningKey":
        private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        return cls(kid or f"rsa-{secrets.token_hex(4)}", "RS256", private)

    @classmethod
    def ec(cls, kid: str | None = None) -> "SigningKey":
        private = ec.generate_private_key(ec.SECP256R1())
        return cls(kid or f"ec-{secrets.token_hex(4)}", "ES256", private)

    def twin(self) -> "SigningKey":
        """Another key of the same type under the same kid: what a forger would sign with."""
        maker = SigningKey.rsa if self.algorithm == "RS256" else SigningKey.ec
        return maker(self.kid)

    def jwk(self) -> dict[str, Any]:
        """The public JWK, as a provider publishes it."""
        public = self.private.public_key()
        if isinstance(public, rsa.RSAPublicKey):
            jwk: dict[str, Any] = RSAAlgorithm.to_jwk(public, as_dict=True)
        else:
            jwk = ECAlgorithm.to_jwk(public, as_dict=True)
        return {**jwk, "kid": self.kid, "use": "sig", "alg": self.algorithm}

    def public_pem(self) -> bytes:
        return self.private.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )


class Provider:
    """The provider's state: its published keys, its mode and the requests it answered."""

    def __init__(self, audience: str) -> None:
        self.audience = audience
        self.base_url = ""
        self.rsa = SigningKey.rsa()
        self.ec = SigningKey.ec()
        self.mode: Mode = "up"
        self._published = [self.rsa, self.ec]
        self._requests: Counter[str] = Counter()
        self._last_requested: dict[str, float] = {}
        self._lock = threading.Lock()

    @property
    def issuer(self) -> str:
        """The issuer identifier (OIDC_ISSUER): discovery lives under it."""
        return self.base_url + REALM_PATH

    @property
    def jwks_url(self) -> str:
        return self.base_url + JWKS_PATH

    @property
    def jwks_fetches(self) -> int:
        """How many times the JWKS was asked for."""
        with self._lock:
            return self._requests[JWKS_PATH]

    def seconds_since_jwks_fetch(self) -> float:
        """Seconds since the JWKS was last asked for (infinite if never)."""
        with self._lock:
            last = self._last_requested.get(JWKS_PATH)
        return float("inf") if last is None else time.monotonic() - last

    @property
    def discovery_fetches(self) -> int:
        """How many times the discovery document was asked for."""
        with self._lock:
            return self._requests[DISCOVERY_PATH]

    def publish(self, *keys: SigningKey) -> None:
        """Add keys to the JWKS (a provider announcing its next key)."""
        with self._lock:
            self._published = [*self._published, *keys]

    def rotate(self) -> tuple[SigningKey, SigningKey]:
        """Replace every published key with a new RSA and a new EC key, and sign with those."""
        self.rsa, self.ec = SigningKey.rsa(), SigningKey.ec()
        with self._lock:
            self._published = [self.rsa, self.ec]
        return self.rsa, self.ec

    def jwks(self) -> dict[str, Any]:
        with self._lock:
            return {"keys": [key.jwk() for key in self._published]}

    def discovery(self) -> dict[str, Any]:
        return {
            "issuer": self.issuer,
            "jwks_uri": self.jwks_url,
            "id_token_signing_alg_values_supported": ["RS256", "ES256"],
            "subject_types_supported": ["public"],
            "response_types_supported": ["code"],
        }

    def count(self, path: str) -> None:
        with self._lock:
            self._requests[path] += 1
            self._last_requested[path] = time.monotonic()

    def claims(self, subject: str, **changes: Any) -> dict[str, Any]:
        """Valid claims for `subject`, valid for five minutes; a change to None drops a claim."""
        now = int(time.time())
        claims = {
            "iss": self.issuer,
            "aud": self.audience,
            "sub": subject,
            "iat": now,
            "exp": now + 300,
            **changes,
        }
        return {name: value for name, value in claims.items() if value is not None}

    def token(
        self,
        subject: str,
        *,
        key: SigningKey | None = None,
        algorithm: str | None = None,
        headers: dict[str, Any] | None = None,
        **changes: Any,
    ) -> str:
        """A token signed by `key` (the provider's RSA key by default), with its kid.

        `headers` changes the header (a `kid` of None drops it); `changes` the claims.
        """
        key = key or self.rsa
        header = {"typ": "JWT", "kid": key.kid, **(headers or {})}
        header = {name: value for name, value in header.items() if value is not None}
        return jwt.encode(
            self.claims(subject, **changes),
            key.private,
            algorithm=algorithm or key.algorithm,
            headers=header,
        )

    def unsigned_token(self, subject: str, **changes: Any) -> str:
        """`alg: none` and no signature (RFC 8725, 2.1)."""
        header = {"alg": "none", "typ": "JWT", "kid": self.rsa.kid}
        return _signing_input(header, self.claims(subject, **changes)) + "."

    def hmac_token(self, subject: str, **changes: Any) -> str:
        """HS256 keyed with the RSA key's public PEM: the algorithm confusion attack."""
        header = {"alg": "HS256", "typ": "JWT", "kid": self.rsa.kid}
        signing_input = _signing_input(header, self.claims(subject, **changes))
        signature = hmac.new(self.rsa.public_pem(), signing_input.encode(), hashlib.sha256)
        return f"{signing_input}.{_b64(signature.digest())}"


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _signing_input(header: dict[str, Any], claims: dict[str, Any]) -> str:
    def part(value: dict[str, Any]) -> str:
        return _b64(json.dumps(value, separators=(",", ":")).encode())

    return f"{part(header)}.{part(claims)}"


class _Handler(BaseHTTPRequestHandler):
    server: "_ProviderServer"

    def do_GET(self) -> None:
        provider = self.server.provider
        provider.count(self.path)
        documents = {DISCOVERY_PATH: provider.discovery, JWKS_PATH: provider.jwks}
        if provider.mode == "drop":
            self.close_connection = True
        elif self.path not in documents:
            self._answer(404, b'{"error":"not found"}')
        elif provider.mode == "error":
            self._answer(500, b'{"error":"unavailable"}')
        elif provider.mode == "garbage":
            self._answer(200, b"<html>maintenance</html>")
        else:
            self._answer(200, json.dumps(documents[self.path]()).encode())

    def _answer(self, status: int, body: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        pass


class _ProviderServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, provider: Provider) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.provider = provider


@contextmanager
def running_provider(audience: str = "tests-api") -> Iterator[Provider]:
    """A provider on a free port of 127.0.0.1, stopped afterwards."""
    provider = Provider(audience)
    server = _ProviderServer(provider)
    provider.base_url = f"http://127.0.0.1:{server.server_port}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield provider
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


def unreachable_url() -> str:
    """A URL on 127.0.0.1 where nothing listens: connections are refused."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}{REALM_PATH}"
