"""Sessions of local accounts: refresh-token rotation, reuse detection, logout, password change
and expiry (docs/service-contract.md, "Users and tokens")."""

import os
import threading
import time
from collections.abc import Iterator
from typing import Any

import httpx
import jwt
import pytest

from tests.conftest import make_settings
from tests.contract.conftest import Account, assert_problem, new_client_address, register
from tests.support.servers import running_server

REFUSED = "The refresh token is invalid, expired or revoked."
FORM = "application/x-www-form-urlencoded"


def login(api: httpx.Client, account: Account, password: str | None = None) -> dict[str, Any]:
    """A new session of the account: the body of a successful POST /auth/token."""
    credentials = {"email": account.email, "password": password or account.password}
    response = api.post("/api/v1/auth/token", json=credentials)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def refresh(api: httpx.Client, refresh_token: str) -> httpx.Response:
    return api.post("/api/v1/auth/refresh", json={"refresh_token": refresh_token})


def refreshed(api: httpx.Client, refresh_token: str) -> dict[str, Any]:
    response = refresh(api, refresh_token)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def assert_refused(response: httpx.Response) -> None:
    assert assert_problem(response, 401)["detail"] == REFUSED


def me(api: httpx.Client, access_token: str) -> httpx.Response:
    return api.get("/api/v1/users/me", headers={"Authorization": f"Bearer {access_token}"})


def test_login_also_issues_an_opaque_refresh_token(api: httpx.Client, account: Account) -> None:
    tokens = login(api, account)

    assert set(tokens) == {
        "access_token",
        "token_type",
        "expires_in",
        "refresh_token",
        "refresh_expires_in",
    }
    assert tokens["refresh_expires_in"] > 0
    assert tokens["refresh_token"] != login(api, account)["refresh_token"]
    with pytest.raises(jwt.DecodeError):  # a random string, not a JWT
        jwt.get_unverified_header(tokens["refresh_token"])


def test_a_refresh_rotates_both_tokens(api: httpx.Client, account: Account) -> None:
    first = login(api, account)

    response = refresh(api, first["refresh_token"])

    assert response.status_code == 200, response.text
    assert response.headers["cache-control"] == "no-store"
    second = response.json()
    assert set(second) == set(first)
    assert second["token_type"] == "bearer"
    assert second["refresh_token"] != first["refresh_token"]
    assert me(api, second["access_token"]).json()["email"] == account.email
    # The new refresh token is good for the next refresh in turn.
    assert refresh(api, second["refresh_token"]).status_code == 200


def test_the_oauth2_refresh_token_grant_form_is_accepted(
    api: httpx.Client, account: Account
) -> None:
    form = {"grant_type": "refresh_token", "refresh_token": login(api, account)["refresh_token"]}

    response = api.post("/api/v1/auth/refresh", data=form)

    assert response.status_code == 200, response.text
    assert response.headers["cache-control"] == "no-store"
    assert response.json()["refresh_token"] != form["refresh_token"]


def test_a_form_of_another_grant_is_422_at_grant_type(api: httpx.Client, account: Account) -> None:
    form = {"grant_type": "password", "refresh_token": login(api, account)["refresh_token"]}

    body = assert_problem(api.post("/api/v1/auth/refresh", data=form), 422)

    assert "/grant_type" in [error.get("pointer") for error in body["errors"]]


@pytest.mark.parametrize(
    ("body", "pointer"),
    [
        ({}, "/refresh_token"),
        ({"refresh_token": ""}, "/refresh_token"),
        ({"refresh_token": "x" * 513}, "/refresh_token"),
        ({"refresh_token": 42}, "/refresh_token"),
        ({"refresh_token": "abc", "scope": "all"}, "/scope"),
    ],
    ids=["missing", "empty", "too-long", "not-a-string", "unknown-member"],
)
@pytest.mark.parametrize("path", ["/api/v1/auth/refresh", "/api/v1/auth/logout"])
def test_malformed_bodies_are_422(
    api: httpx.Client, path: str, body: dict[str, Any], pointer: str
) -> None:
    response = api.post(path, json=body)

    assert pointer in [error.get("pointer") for error in assert_problem(response, 422)["errors"]]


def test_logout_takes_json_only(api: httpx.Client) -> None:
    response = api.post("/api/v1/auth/logout", data={"refresh_token": "abc"})

    assert_problem(response, 415)


def test_an_unknown_refresh_token_is_refused(api: httpx.Client) -> None:
    response = refresh(api, "not-a-token-this-service-issued")

    assert_refused(response)
    assert response.headers["www-authenticate"].startswith("Bearer")


def test_tokens_are_not_interchangeable(api: httpx.Client, account: Account) -> None:
    tokens = login(api, account)

    assert_refused(refresh(api, tokens["access_token"]))
    assert_problem(me(api, tokens["refresh_token"]), 401)


def test_a_spent_token_revokes_its_whole_family(api: httpx.Client, account: Account) -> None:
    first = login(api, account)
    second = refreshed(api, first["refresh_token"])

    assert_refused(refresh(api, first["refresh_token"]))  # replayed: stolen, or a bug

    # The newest token of the family, unspent, is revoked with it; so is every later refresh.
    assert_refused(refresh(api, second["refresh_token"]))
    assert_refused(refresh(api, first["refresh_token"]))


def test_reuse_revokes_only_that_family(api: httpx.Client, account: Account) -> None:
    stolen = login(api, account)
    other_session = login(api, account)
    refreshed(api, stolen["refresh_token"])

    assert_refused(refresh(api, stolen["refresh_token"]))

    assert refresh(api, other_session["refresh_token"]).status_code == 200


# The race depends on timing: it is run several times, each with a login of its own.
@pytest.mark.parametrize("race", range(5))
def test_concurrent_refreshes_with_one_token_succeed_once(
    race: int, base_url: str, api: httpx.Client, account: Account
) -> None:
    token = login(api, account)["refresh_token"]
    attempts = 6
    barrier = threading.Barrier(attempts)
    responses: list[httpx.Response] = []

    def attempt() -> None:
        # Each from its own client address, so that the `auth` rate limit counts them apart.
        with client_of(base_url) as client:
            barrier.wait()
            responses.append(refresh(client, token))

    threads = [threading.Thread(target=attempt) for _ in range(attempts)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    # None failed (two losers revoking the family at once must not deadlock), one won.
    winners = [response for response in responses if response.status_code == 200]
    assert len(winners) == 1, [response.status_code for response in responses]
    for response in responses:
        if response is not winners[0]:
            assert_refused(response)
    # The losers presented a spent token: the family is revoked, the winner's token with it.
    assert_refused(refresh(api, winners[0].json()["refresh_token"]))


def client_of(base_url: str) -> httpx.Client:
    """A client of its own address (via a trusted proxy), like the `api` fixture's."""
    headers = {"X-Forwarded-For": new_client_address()}
    return httpx.Client(base_url=base_url, headers=headers, timeout=30)


def test_logout_revokes_the_family_and_is_idempotent(api: httpx.Client, account: Account) -> None:
    first = login(api, account)
    second = refreshed(api, first["refresh_token"])

    # No access token needed; a spent token of the family ends it too.
    response = api.post("/api/v1/auth/logout", json={"refresh_token": first["refresh_token"]})

    assert response.status_code == 204
    assert response.content == b""
    assert_refused(refresh(api, second["refresh_token"]))
    again = api.post("/api/v1/auth/logout", json={"refresh_token": second["refresh_token"]})
    assert again.status_code == 204


def test_logout_of_an_unknown_token_is_204(api: httpx.Client) -> None:
    response = api.post("/api/v1/auth/logout", json={"refresh_token": "never-issued"})

    assert response.status_code == 204


def test_logout_ends_one_session_only(api: httpx.Client, account: Account) -> None:
    phone, laptop = login(api, account), login(api, account)

    api.post("/api/v1/auth/logout", json={"refresh_token": phone["refresh_token"]})

    assert_refused(refresh(api, phone["refresh_token"]))
    assert refresh(api, laptop["refresh_token"]).status_code == 200


def change_password(api: httpx.Client, access_token: str, current: str, new: str) -> httpx.Response:
    return api.put(
        "/api/v1/users/me/password",
        json={"current_password": current, "new_password": new},
        headers={"Authorization": f"Bearer {access_token}"},
    )


def test_a_password_change_ends_every_session(api: httpx.Client, account: Account) -> None:
    phone, laptop = login(api, account), login(api, account)
    laptop_next = refreshed(api, laptop["refresh_token"])
    new_password = "a brand new passphrase"

    response = change_password(api, phone["access_token"], account.password, new_password)

    assert response.status_code == 204
    assert response.content == b""
    assert_refused(refresh(api, phone["refresh_token"]))
    assert_refused(refresh(api, laptop_next["refresh_token"]))
    api.headers["X-Forwarded-For"] = new_client_address()  # more than `auth` allows a minute
    old = api.post(
        "/api/v1/auth/token", json={"email": account.email, "password": account.password}
    )
    assert_problem(old, 401)
    assert refresh(api, login(api, account, new_password)["refresh_token"]).status_code == 200
    # Access tokens are stateless: issued ones stay valid until they expire (minutes).
    assert me(api, phone["access_token"]).status_code == 200


def test_a_wrong_current_password_is_refused_like_a_failed_login(
    api: httpx.Client, account: Account
) -> None:
    tokens = login(api, account)

    response = change_password(api, tokens["access_token"], "not the password", "whatever long")

    refused = assert_problem(response, 401)
    failed_login = assert_problem(
        api.post("/api/v1/auth/token", json={"email": account.email, "password": "not it!"}), 401
    )
    assert (refused["title"], refused["detail"]) == (failed_login["title"], failed_login["detail"])
    assert refresh(api, tokens["refresh_token"]).status_code == 200  # nothing was revoked


def test_a_password_change_needs_an_access_token(api: httpx.Client, account: Account) -> None:
    response = api.put(
        "/api/v1/users/me/password",
        json={"current_password": account.password, "new_password": "a new passphrase"},
    )

    assert_problem(response, 401)
    assert response.headers["www-authenticate"] == "Bearer"


@pytest.mark.parametrize(
    ("body", "pointer"),
    [
        ({"current_password": "x", "new_password": "short"}, "/new_password"),
        ({"current_password": "x", "new_password": "x" * 129}, "/new_password"),
        ({"current_password": "", "new_password": "long enough"}, "/current_password"),
        ({"new_password": "long enough"}, "/current_password"),
        ({"current_password": "x", "new_password": "long enough", "id": 1}, "/id"),
    ],
    ids=["short", "too-long", "empty-current", "missing-current", "unknown-member"],
)
def test_invalid_password_changes_are_422(
    authed: httpx.Client, body: dict[str, Any], pointer: str
) -> None:
    response = authed.put("/api/v1/users/me/password", json=body)

    assert pointer in [error.get("pointer") for error in assert_problem(response, 422)["errors"]]


def test_a_password_change_counts_against_the_auth_rate_limit(
    authed: httpx.Client, account: Account
) -> None:
    response = authed.put(
        "/api/v1/users/me/password",
        json={"current_password": "wrong password", "new_password": "long enough"},
    )

    assert_problem(response, 401)
    assert response.headers["ratelimit-policy"].startswith('"auth"')


# Short enough for a test to wait it out, long enough for a loaded machine's requests.
SHORT_TTL_SECONDS = 4


@pytest.fixture(scope="module")
def short_lived_server(migrated_database: str) -> Iterator[str]:
    """The URL of a server of this project whose refresh tokens last SHORT_TTL_SECONDS."""
    if os.environ.get("CONTRACT_BASE_URL"):
        pytest.skip("needs a server started with REFRESH_TOKEN_TTL_SECONDS, not CONTRACT_BASE_URL")
    settings = make_settings(migrated_database, refresh_token_ttl_seconds=SHORT_TTL_SECONDS)
    with running_server(settings) as url:
        yield url


@pytest.fixture
def short_lived(short_lived_server: str) -> Iterator[httpx.Client]:
    with client_of(short_lived_server) as client:
        yield client


def test_a_refresh_token_expires(short_lived: httpx.Client) -> None:
    tokens = login(short_lived, register(short_lived))
    assert tokens["refresh_expires_in"] == SHORT_TTL_SECONDS

    time.sleep(SHORT_TTL_SECONDS + 1)

    assert_refused(refresh(short_lived, tokens["refresh_token"]))


def test_each_refresh_token_has_a_full_lifetime(short_lived: httpx.Client) -> None:
    first = login(short_lived, register(short_lived))
    time.sleep(SHORT_TTL_SECONDS * 0.6)
    second = refreshed(short_lived, first["refresh_token"])
    assert second["refresh_expires_in"] == SHORT_TTL_SECONDS

    time.sleep(SHORT_TTL_SECONDS * 0.6)  # past the first token's expiry, not the second's

    assert refresh(short_lived, second["refresh_token"]).status_code == 200
