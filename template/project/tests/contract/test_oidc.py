"""OIDC resource-server mode (AUTH_MODE=oidc): the provider's tokens, and only them, are accepted.

The service runs as `make serve` starts it, configured against an OpenID provider these tests
serve on 127.0.0.1 (tests/support/oidc.py) with keys made at test time: no network.
"""

import os
import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractContextManager
from typing import Any

import httpx
import pytest

from tests.contract.conftest import assert_problem, new_client_address
from tests.support.oidc import Mode, Provider, SigningKey, running_provider
from tests.support.processes import gunicorn

# The contract: an unknown kid refetches the JWKS at most once per 5 seconds per process.
REFETCH_INTERVAL_SECONDS = 5
# OIDC_LEEWAY_SECONDS's default.
LEEWAY_SECONDS = 30
LOCAL_ACCOUNT_OPERATIONS = [
    ("POST", "/api/v1/auth/register"),
    ("POST", "/api/v1/auth/token"),
    ("POST", "/api/v1/auth/refresh"),
    ("POST", "/api/v1/auth/logout"),
    ("PUT", "/api/v1/users/me/password"),
]


def oidc_server(
    request: pytest.FixtureRequest, provider: Provider, **variables: str
) -> AbstractContextManager[str]:
    """The service in OIDC mode against `provider`, trusting the tests' forwarded addresses."""
    if os.environ.get("CONTRACT_BASE_URL"):
        pytest.skip("needs a server started in OIDC mode against the tests' provider")
    return gunicorn(
        request.getfixturevalue("settings"),
        AUTH_MODE="oidc",
        OIDC_ISSUER=provider.issuer,
        OIDC_AUDIENCE=provider.audience,
        TRUSTED_PROXIES="127.0.0.1/32",
        **variables,
    )


@pytest.fixture(scope="module")
def provider() -> Iterator[Provider]:
    with running_provider() as provider:
        yield provider


@pytest.fixture(scope="module")
def oidc_url(request: pytest.FixtureRequest, provider: Provider) -> Iterator[str]:
    """The service, finding the JWKS through the provider's discovery document."""
    with oidc_server(request, provider) as url:
        yield url


def client(url: str) -> httpx.Client:
    """A client of `url` whose requests come from an address of its own."""
    return httpx.Client(base_url=url, headers={"X-Forwarded-For": new_client_address()}, timeout=30)


@pytest.fixture
def oidc_api(oidc_url: str) -> Iterator[httpx.Client]:
    with client(oidc_url) as api:
        yield api


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def new_subject() -> str:
    return f"subject-{uuid.uuid4().hex}"


def me(api: httpx.Client, token: str) -> httpx.Response:
    return api.get("/api/v1/users/me", headers=bearer(token))


def wait_until_a_refetch_is_allowed(provider: Provider) -> None:
    """Lets the refetch interval pass since the JWKS was last fetched."""
    fetches = provider.jwks_fetches
    time.sleep(max(0.0, REFETCH_INTERVAL_SECONDS + 0.5 - provider.seconds_since_jwks_fetch()))
    assert provider.jwks_fetches == fetches, "the JWKS was fetched without a reason"


def test_a_token_of_the_provider_provisions_its_user_once(
    oidc_api: httpx.Client, provider: Provider
) -> None:
    subject = new_subject()
    email = f"{uuid.uuid4().hex[:12]}@example.com"

    first = me(oidc_api, provider.token(subject, email=email))
    again = me(oidc_api, provider.token(subject, email=email))

    assert first.status_code == 200, first.text
    assert first.json()["email"] == email
    uuid.UUID(first.json()["id"])
    assert again.json() == first.json()
    assert provider.discovery_fetches >= 1


@pytest.mark.parametrize(
    ("key", "header"),
    [("rsa", {}), ("ec", {}), ("rsa", {"typ": "at+jwt"}), ("ec", {"typ": None})],
    ids=["RS256", "ES256", "typ-at+jwt", "no-typ"],
)
def test_each_allowed_algorithm_and_token_type_is_accepted(
    oidc_api: httpx.Client, provider: Provider, key: str, header: dict[str, Any]
) -> None:
    token = provider.token(new_subject(), key=getattr(provider, key), headers=header)

    assert me(oidc_api, token).status_code == 200


def test_a_user_without_an_email_claim_has_no_email(
    oidc_api: httpx.Client, provider: Provider
) -> None:
    response = me(oidc_api, provider.token(new_subject()))

    assert response.status_code == 200
    assert response.json()["email"] is None


def test_an_email_another_user_has_is_not_taken_over(
    oidc_api: httpx.Client, provider: Provider
) -> None:
    email = f"{uuid.uuid4().hex[:12]}@example.com"
    owner, other = new_subject(), new_subject()

    assert me(oidc_api, provider.token(owner, email=email)).json()["email"] == email
    second = me(oidc_api, provider.token(other, email=email))

    assert second.status_code == 200
    assert second.json()["email"] is None
    assert me(oidc_api, provider.token(owner)).json()["email"] == email


def test_concurrent_first_uses_provision_one_user(oidc_url: str, provider: Provider) -> None:
    token = provider.token(new_subject())

    def first_use(_: int) -> httpx.Response:
        with client(oidc_url) as api:
            return me(api, token)

    with ThreadPoolExecutor(max_workers=8) as pool:
        responses = list(pool.map(first_use, range(8)))

    assert [response.status_code for response in responses] == [200] * 8
    assert len({response.json()["id"] for response in responses}) == 1


def test_the_provisioned_user_writes_resources_idempotently(
    oidc_api: httpx.Client, provider: Provider
) -> None:
    token = provider.token(new_subject())
    headers = {**bearer(token), "Idempotency-Key": uuid.uuid4().hex}
    product = {"name": "Widget", "price": 9.5}

    created = oidc_api.post("/api/v1/products", json=product, headers=headers)
    replayed = oidc_api.post("/api/v1/products", json=product, headers=headers)

    assert created.status_code == 201, created.text
    assert replayed.headers["idempotent-replayed"] == "true"
    assert replayed.json() == created.json()
    fetched = oidc_api.get(created.headers["location"], headers=bearer(token))
    assert fetched.status_code == 200


def bad_token(case: str, provider: Provider, subject: str) -> str:
    now = int(time.time())
    late = now + LEEWAY_SECONDS + 60
    if case == "forged signature":
        return provider.token(subject, key=provider.rsa.twin())
    if case == "forged EC signature":
        return provider.token(subject, key=provider.ec.twin())
    if case == "unknown kid":
        return provider.token(subject, key=SigningKey.rsa())
    if case == "no kid":
        return provider.token(subject, headers={"kid": None})
    if case == "alg none":
        return provider.unsigned_token(subject)
    if case == "HS256 keyed with the public key":
        return provider.hmac_token(subject)
    if case == "algorithm not allowed":
        return provider.token(subject, algorithm="RS512")
    if case == "algorithm of another key type":
        # Signed with an EC key, but naming the RSA key.
        return provider.token(subject, key=provider.ec, headers={"kid": provider.rsa.kid})
    if case == "expired":
        return provider.token(subject, iat=now - 600, exp=now - LEEWAY_SECONDS - 60)
    if case == "not yet valid":
        return provider.token(subject, nbf=late, iat=now, exp=late + 300)
    if case == "issued in the future":
        return provider.token(subject, iat=late, exp=late + 300)
    if case == "wrong audience":
        return provider.token(subject, aud="another-api")
    if case == "audiences without ours":
        return provider.token(subject, aud=["another-api", "a-third-api"])
    if case == "wrong issuer":
        return provider.token(subject, iss=provider.issuer + "-other")
    if case.startswith("no "):
        return provider.token(subject, **{case.removeprefix("no "): None})
    if case == "empty sub":
        return provider.token("")
    return "not.a.token"


@pytest.mark.parametrize(
    "case",
    [
        "forged signature",
        "forged EC signature",
        "unknown kid",
        "no kid",
        "alg none",
        "HS256 keyed with the public key",
        "algorithm not allowed",
        "algorithm of another key type",
        "expired",
        "not yet valid",
        "issued in the future",
        "wrong audience",
        "audiences without ours",
        "wrong issuer",
        "no exp",
        "no sub",
        "no iss",
        "no aud",
        "empty sub",
        "garbage",
    ],
)
def test_refused_tokens_are_401_invalid_token(
    oidc_api: httpx.Client, provider: Provider, case: str
) -> None:
    token = bad_token(case, provider, new_subject())

    for path in ["/api/v1/users/me", "/api/v1/products"]:
        response = oidc_api.get(path, headers=bearer(token))
        assert_problem(response, 401)
        assert response.headers["www-authenticate"] == 'Bearer error="invalid_token"'


def test_a_missing_token_is_401_with_a_bearer_challenge(oidc_api: httpx.Client) -> None:
    response = oidc_api.get("/api/v1/users/me")

    assert_problem(response, 401)
    assert response.headers["www-authenticate"] == "Bearer"


LENIENT_CLAIMS: dict[str, Callable[[int, Provider], dict[str, Any]]] = {
    "expired-within-leeway": lambda now, _: {"iat": now - 300, "exp": now - 10},
    "nbf-within-leeway": lambda now, _: {"nbf": now + 10},
    "iat-within-leeway": lambda now, _: {"iat": now + 10},
    "audience-list": lambda _, provider: {"aud": ["another-api", provider.audience]},
}


@pytest.mark.parametrize("case", LENIENT_CLAIMS)
def test_clock_skew_within_the_leeway_and_audience_lists_are_accepted(
    oidc_api: httpx.Client, provider: Provider, case: str
) -> None:
    claims = LENIENT_CLAIMS[case](int(time.time()), provider)

    assert me(oidc_api, provider.token(new_subject(), **claims)).status_code == 200


@pytest.mark.parametrize(("method", "path"), LOCAL_ACCOUNT_OPERATIONS)
def test_local_account_endpoints_are_not_routed(
    oidc_api: httpx.Client, provider: Provider, method: str, path: str
) -> None:
    body = {"email": "someone@example.com", "password": "long enough", "refresh_token": "x"}
    response = oidc_api.request(
        method, path, json=body, headers=bearer(provider.token(new_subject()))
    )

    assert_problem(response, 404)


def test_the_openapi_document_has_no_local_account_operations(oidc_api: httpx.Client) -> None:
    document = oidc_api.get("/openapi.json").json()

    assert "/api/v1/users/me" in document["paths"]
    assert "/api/v1/products" in document["paths"]
    for _, path in LOCAL_ACCOUNT_OPERATIONS:
        assert path not in document["paths"]
    assert "/api/v1/auth/" not in str(document)


def test_rotated_keys_are_fetched_and_removed_keys_refused(
    oidc_api: httpx.Client, provider: Provider
) -> None:
    subject = new_subject()
    old_token = provider.token(subject)
    assert me(oidc_api, old_token).status_code == 200
    wait_until_a_refetch_is_allowed(provider)

    provider.rotate()
    fetches = provider.jwks_fetches
    new_rsa = me(oidc_api, provider.token(subject))
    new_ec = me(oidc_api, provider.token(subject, key=provider.ec))

    assert (new_rsa.status_code, new_ec.status_code) == (200, 200)
    assert provider.jwks_fetches == fetches + 1
    assert new_rsa.json() == new_ec.json()
    refused = me(oidc_api, old_token)
    assert_problem(refused, 401)


def test_a_storm_of_unknown_kids_refetches_at_most_once_per_interval(
    oidc_url: str, provider: Provider
) -> None:
    wait_until_a_refetch_is_allowed(provider)
    fetches = provider.jwks_fetches
    tokens = [provider.token(new_subject(), key=SigningKey.ec()) for _ in range(30)]

    def attempt(token: str) -> int:
        with client(oidc_url) as api:
            return me(api, token).status_code

    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=6) as pool:
        statuses = list(pool.map(attempt, tokens))
    elapsed = time.monotonic() - started

    assert set(statuses) == {401}
    assert 1 <= provider.jwks_fetches - fetches <= 1 + int(elapsed // REFETCH_INTERVAL_SECONDS)
    # The provider's real keys still work.
    with client(oidc_url) as api:
        assert me(api, provider.token(new_subject())).status_code == 200


@pytest.fixture(scope="module")
def failing_provider() -> Iterator[Provider]:
    with running_provider() as provider:
        provider.mode = "error"
        yield provider


@pytest.fixture(scope="module")
def failing_url(request: pytest.FixtureRequest, failing_provider: Provider) -> Iterator[str]:
    """The service, told where the JWKS is (OIDC_JWKS_URL), against a provider in trouble."""
    with oidc_server(request, failing_provider, OIDC_JWKS_URL=failing_provider.jwks_url) as url:
        yield url


@pytest.mark.parametrize("mode", ["error", "garbage", "drop"])
def test_an_unavailable_jwks_is_a_503_never_an_accepted_token(
    failing_url: str, failing_provider: Provider, mode: Mode
) -> None:
    failing_provider.mode = mode
    wait_until_a_refetch_is_allowed(failing_provider)
    fetches = failing_provider.jwks_fetches

    with client(failing_url) as api:
        response = me(api, failing_provider.token(new_subject()))

    assert_problem(response, 503)
    assert int(response.headers["retry-after"]) >= 1
    assert failing_provider.jwks_fetches > fetches


def test_the_service_recovers_when_the_jwks_is_back(
    failing_url: str, failing_provider: Provider
) -> None:
    failing_provider.mode = "up"
    wait_until_a_refetch_is_allowed(failing_provider)

    with client(failing_url) as api:
        response = me(api, failing_provider.token(new_subject()))

    assert response.status_code == 200, response.text
    assert failing_provider.discovery_fetches == 0
