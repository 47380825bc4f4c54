"""Clients of the service under test, each from its own client address."""

import os
import random
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest


def new_client_address() -> str:
    # 198.18.0.0/15 is reserved for benchmarks: never a real client.
    return f"198.{random.randint(18, 19)}.{random.randint(0, 255)}.{random.randint(1, 254)}"  # noqa: S311


@pytest.fixture
def api(base_url: str) -> Iterator[httpx.Client]:
    """A client whose requests come from an address of its own (via a trusted proxy)."""
    headers = {"X-Forwarded-For": new_client_address()}
    with httpx.Client(base_url=base_url, headers=headers, timeout=30) as client:
        yield client


@dataclass(frozen=True)
class Account:
    email: str
    password: str
    token: str


def register(api: httpx.Client) -> Account:
    email = f"user-{uuid.uuid4().hex[:12]}@example.com"
    password = "correct horse battery staple"
    response = api.post("/api/v1/auth/register", json={"email": email, "password": password})
    assert response.status_code == 201, response.text
    response = api.post("/api/v1/auth/token", json={"email": email, "password": password})
    assert response.status_code == 200, response.text
    return Account(email, password, response.json()["access_token"])


@pytest.fixture
def account(api: httpx.Client) -> Account:
    return register(api)


@pytest.fixture
def authed(api: httpx.Client, account: Account) -> httpx.Client:
    """The `api` client, authenticated as a fresh user."""
    api.headers["Authorization"] = f"Bearer {account.token}"
    return api


@dataclass(frozen=True)
class TokenSettings:
    secret: str
    issuer: str
    audience: str


@pytest.fixture
def token_settings(request: pytest.FixtureRequest) -> TokenSettings:
    """What the server signs tokens with: needed to forge tokens it must refuse."""
    if os.environ.get("CONTRACT_BASE_URL"):
        secret = os.environ.get("CONTRACT_JWT_SECRET")
        if not secret:
            pytest.skip(
                "set CONTRACT_JWT_SECRET (and JWT issuer/audience) to forge tokens remotely"
            )
        return TokenSettings(
            secret,
            os.environ.get("CONTRACT_JWT_ISSUER", ""),
            os.environ.get("CONTRACT_JWT_AUDIENCE", ""),
        )
    settings = request.getfixturevalue("settings")
    return TokenSettings(
        settings.jwt_secret.get_secret_value(), settings.jwt_issuer, settings.jwt_audience
    )


def assert_problem(response: httpx.Response, status: int) -> dict[str, Any]:
    """The response is a complete problem document (RFC 9457) with this status."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body: dict[str, Any] = response.json()
    assert {"type", "title", "status", "detail", "instance", "request_id"} <= body.keys()
    assert body["status"] == status
    assert body["instance"] == response.request.url.path
    assert body["request_id"] == response.headers["x-request-id"]
    return body
