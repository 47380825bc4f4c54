"""OPTIONS: a 405 problem with Allow, or the answer to a CORS preflight from an allowed origin;
and the CORS headers of every other response (core/cors.py), the same on every framework."""

import os
from collections.abc import Iterator

import httpx
import pytest

from tests.conftest import make_settings
from tests.contract.conftest import assert_problem
from tests.support.servers import running_server

ALLOWED_ORIGIN = "https://app.example"
PREFLIGHT = {"Origin": ALLOWED_ORIGIN, "Access-Control-Request-Method": "POST"}
EXPOSED = (
    "Idempotent-Replayed, Link, Location, RateLimit, RateLimit-Policy, Retry-After, X-Request-ID"
)


def cors_headers(response: httpx.Response) -> dict[str, str]:
    return {
        name: value
        for name, value in response.headers.items()
        if name.startswith("access-control-")
    }


def allowed(response: httpx.Response) -> set[str]:
    return {method.strip() for method in response.headers["allow"].split(",")}


@pytest.mark.parametrize(
    ("path", "methods"),
    [
        ("/health/live", {"GET"}),
        ("/api/v1/products", {"GET", "POST"}),
        ("/api/v1/auth/token", {"POST"}),
    ],
)
def test_options_is_a_405_problem_with_allow_even_without_a_token(
    api: httpx.Client, path: str, methods: set[str]
) -> None:
    response = api.options(path)

    assert_problem(response, 405)
    assert methods <= allowed(response)
    assert "OPTIONS" not in allowed(response)


def test_a_preflight_is_a_405_when_cors_is_not_configured(api: httpx.Client) -> None:
    response = api.options("/api/v1/products", headers=PREFLIGHT)

    assert_problem(response, 405)
    assert cors_headers(response) == {}
    assert "vary" not in response.headers


def test_without_cors_no_response_varies_by_origin(api: httpx.Client) -> None:
    response = api.get("/health/live", headers={"Origin": ALLOWED_ORIGIN})

    assert cors_headers(response) == {}
    assert "vary" not in response.headers


@pytest.fixture(scope="module")
def cors_api(migrated_database: str) -> Iterator[httpx.Client]:
    """A client of a server of this project with CORS_ORIGINS set to one origin."""
    if os.environ.get("CONTRACT_BASE_URL"):
        pytest.skip("needs a server started with CORS_ORIGINS, not CONTRACT_BASE_URL")
    settings = make_settings(migrated_database, cors_origins=(ALLOWED_ORIGIN,))
    with running_server(settings) as url, httpx.Client(base_url=url, timeout=30) as client:
        yield client


def test_a_preflight_from_an_allowed_origin_is_answered(cors_api: httpx.Client) -> None:
    asked = {"Access-Control-Request-Headers": "Authorization, Content-Type, Idempotency-Key"}
    response = cors_api.options("/api/v1/products", headers={**PREFLIGHT, **asked})

    assert response.status_code == 200
    assert response.content == b""
    assert response.headers["content-length"] == "0"
    assert "content-type" not in response.headers
    assert "allow" not in response.headers
    assert cors_headers(response) == {
        "access-control-allow-origin": ALLOWED_ORIGIN,
        "access-control-allow-methods": "GET, HEAD, POST, PUT, PATCH, DELETE",
        "access-control-allow-headers": "authorization, content-type, idempotency-key",
        "access-control-max-age": "600",
        "access-control-expose-headers": EXPOSED,
    }
    assert response.headers["vary"] == (
        "Access-Control-Request-Method, Access-Control-Request-Headers, Origin"
    )


@pytest.mark.parametrize("path", ["/health/live", "/api/v1/products", "/nowhere"])
@pytest.mark.parametrize(
    "origin", [ALLOWED_ORIGIN, "https://elsewhere.example", None], ids=["allowed", "other", "none"]
)
def test_every_response_varies_by_origin_and_only_an_allowed_one_may_read_it(
    cors_api: httpx.Client, path: str, origin: str | None
) -> None:
    response = cors_api.get(path, headers={"Origin": origin} if origin else {})

    assert response.headers["vary"] == "Origin"
    if origin == ALLOWED_ORIGIN:
        expected = {
            "access-control-allow-origin": ALLOWED_ORIGIN,
            "access-control-expose-headers": EXPOSED,
        }
        assert cors_headers(response) == expected
    else:
        assert cors_headers(response) == {}


@pytest.mark.parametrize(
    "headers",
    [
        {"Origin": "https://elsewhere.example", "Access-Control-Request-Method": "POST"},
        {"Origin": ALLOWED_ORIGIN},
        {},
    ],
    ids=["other-origin", "not-a-preflight", "no-origin"],
)
def test_any_other_options_request_is_a_405_under_cors(
    cors_api: httpx.Client, headers: dict[str, str]
) -> None:
    response = cors_api.options("/api/v1/products", headers=headers)

    assert_problem(response, 405)
    assert {"GET", "POST"} <= allowed(response)
    assert response.headers["vary"] == "Origin"
