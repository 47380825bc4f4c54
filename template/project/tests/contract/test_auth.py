import base64
import json
import time
import uuid
from typing import Any

import httpx
import jwt
import pytest

from tests.contract.conftest import Account, TokenSettings, assert_problem


def new_email() -> str:
    return f"someone-{uuid.uuid4().hex[:12]}@example.com"


def test_register_returns_the_user_without_secrets(api: httpx.Client) -> None:
    email = new_email()
    response = api.post("/api/v1/auth/register", json={"email": email, "password": "long enough"})
    assert response.status_code == 201
    body = response.json()
    assert set(body) == {"id", "email", "created_at"}
    assert body["email"] == email
    uuid.UUID(body["id"])
    assert body["created_at"].endswith(("Z", "+00:00"))


def test_email_is_taken_case_insensitively(api: httpx.Client, account: Account) -> None:
    response = api.post(
        "/api/v1/auth/register", json={"email": account.email.upper(), "password": "long enough"}
    )
    assert_problem(response, 409)


@pytest.mark.parametrize(
    ("email", "password", "pointer"),
    [
        ("not-an-email", "long enough", "/email"),
        ("ok@example.com", "short", "/password"),
        ("ok@example.com", "x" * 129, "/password"),
    ],
)
def test_invalid_registrations_are_422(
    api: httpx.Client, email: str, password: str, pointer: str
) -> None:
    response = api.post("/api/v1/auth/register", json={"email": email, "password": password})
    body = assert_problem(response, 422)
    assert pointer in [error.get("pointer") for error in body["errors"]]


def test_token_from_json_is_not_cached(api: httpx.Client, account: Account) -> None:
    response = api.post(
        "/api/v1/auth/token", json={"email": account.email, "password": account.password}
    )
    assert response.status_code == 200
    body = response.json()
    assert body["token_type"] == "bearer"
    assert body["expires_in"] > 0
    assert response.headers["cache-control"] == "no-store"


def test_token_from_the_oauth2_password_form(api: httpx.Client, account: Account) -> None:
    form = {"grant_type": "password", "username": account.email, "password": account.password}
    response = api.post("/api/v1/auth/token", data=form)
    assert response.status_code == 200
    assert response.json()["access_token"]


def test_wrong_password_and_unknown_email_look_the_same(
    api: httpx.Client, account: Account
) -> None:
    wrong = api.post("/api/v1/auth/token", json={"email": account.email, "password": "wrong one!"})
    unknown = api.post("/api/v1/auth/token", json={"email": new_email(), "password": "wrong one!"})
    first, second = assert_problem(wrong, 401), assert_problem(unknown, 401)
    assert (first["title"], first["detail"]) == (second["title"], second["detail"])


def test_me_returns_the_token_owner(api: httpx.Client, account: Account) -> None:
    response = api.get("/api/v1/users/me", headers={"Authorization": f"Bearer {account.token}"})
    assert response.status_code == 200
    assert response.json()["email"] == account.email


def test_missing_token_is_401_with_a_bearer_challenge(api: httpx.Client) -> None:
    for path in ["/api/v1/users/me", "/api/v1/products"]:
        response = api.get(path)
        assert_problem(response, 401)
        assert response.headers["www-authenticate"] == "Bearer"


def claims_of(account: Account, **changes: Any) -> dict[str, Any]:
    """The claims of the account's real token, freshly dated, with some changed."""
    claims: dict[str, Any] = jwt.decode(account.token, options={"verify_signature": False})
    now = int(time.time())
    return {**claims, "iat": now, "exp": now + 300, **changes}


def sign(claims: dict[str, Any], key: str, algorithm: str = "HS256") -> str:
    return jwt.encode(claims, key, algorithm=algorithm, headers={"typ": "at+jwt"})


def unsigned(claims: dict[str, Any]) -> str:
    def part(data: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")

    return f"{part({'alg': 'none', 'typ': 'at+jwt'})}.{part(claims)}."


def assert_refused(api: httpx.Client, token: str) -> None:
    response = api.get("/api/v1/users/me", headers={"Authorization": f"Bearer {token}"})
    assert_problem(response, 401)
    assert response.headers["www-authenticate"] == 'Bearer error="invalid_token"'


def test_a_correctly_forged_token_is_accepted(
    api: httpx.Client, account: Account, token_settings: TokenSettings
) -> None:
    # Proves the forging below is faithful, so each refusal is for the one thing changed.
    algorithm = jwt.get_unverified_header(account.token)["alg"]
    token = sign(claims_of(account), token_settings.secret, algorithm)
    response = api.get("/api/v1/users/me", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200


def bad_token(case: str, claims: dict[str, Any], secret: str) -> str:
    now = int(time.time())
    if case == "alg none":
        return unsigned(claims)
    if case == "other algorithm":
        return sign(claims, secret, "HS512")
    if case == "bad signature":
        return sign(claims, "another secret of at least thirty-two bytes")
    if case == "expired":
        return sign({**claims, "iat": now - 120, "exp": now - 60}, secret)
    if case.startswith("no "):
        missing = case.removeprefix("no ")
        return sign({name: value for name, value in claims.items() if name != missing}, secret)
    if case.startswith("wrong "):
        return sign({**claims, case.removeprefix("wrong "): "someone-else"}, secret)
    return "not.a.token"


@pytest.mark.parametrize(
    "case",
    [
        "alg none",
        "other algorithm",
        "bad signature",
        "expired",
        "no exp",
        "no sub",
        "no iat",
        "no jti",
        "no iss",
        "no aud",
        "wrong iss",
        "wrong aud",
        "garbage",
    ],
)
def test_bad_tokens_are_refused(
    api: httpx.Client, account: Account, token_settings: TokenSettings, case: str
) -> None:
    assert_refused(api, bad_token(case, claims_of(account), token_settings.secret))
