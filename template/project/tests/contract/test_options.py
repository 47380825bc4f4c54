"""OPTIONS: a 405 problem with Allow, or the answer to a CORS preflight from an allowed origin."""

import os
from collections.abc import Iterator

import httpx
import pytest

from tests.conftest import make_settings
from tests.contract.conftest import assert_problem
from tests.support.servers import running_server

ALLOWED_ORIGIN = "https://app.example"
PREFLIGHT = {"Origin": ALLOWED_ORIGIN, "Access-Control-Request-Method": "POST"}


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
    assert "access-control-allow-origin" not in response.headers


@pytest.fixture(scope="module")
def cors_api(migrated_database: str) -> Iterator[httpx.Client]:
    """A client of a server of this project with CORS_ORIGINS set to one origin."""
    if os.environ.get("CONTRACT_BASE_URL"):
        pytest.skip("needs a server started with CORS_ORIGINS, not CONTRACT_BASE_URL")
    settings = make_settings(migrated_database, cors_origins=(ALLOWED_ORIGIN,))
    with running_server(settings) as url, httpx.Client(base_url=url, timeout=30) as client:
        yield client


def test_a_preflight_from_an_allowed_origin_is_answered(cors_api: httpx.Client) -> None:
    response = cors_api.options("/api/v1/products", headers=PREFLIGHT)

    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == ALLOWED_ORIGIN
    assert "POST" in response.headers["access-control-allow-methods"]


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
