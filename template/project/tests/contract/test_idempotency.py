import uuid

import httpx
import pytest

from tests.contract.conftest import assert_problem, register

PRODUCT = {"name": "Idempotent teapot", "price": 12.5}


def post(api: httpx.Client, key: str, body: dict[str, object] = PRODUCT) -> httpx.Response:
    return api.post("/api/v1/products", json=body, headers={"Idempotency-Key": key})


def test_a_repeat_replays_the_first_response_without_a_second_row(authed: httpx.Client) -> None:
    key = f'"{uuid.uuid4()}"'
    first, again = post(authed, key), post(authed, key)
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again.headers["location"] == first.headers["location"]
    assert again.headers["idempotent-replayed"] == "true"
    assert "idempotent-replayed" not in first.headers
    body = {"name": f"{uuid.uuid4()}", "price": 1}
    bare = uuid.uuid4().hex
    ids = {post(authed, bare, body).json()["id"] for _ in range(3)}
    assert len(ids) == 1


def test_the_same_key_with_another_body_is_422(authed: httpx.Client) -> None:
    key = uuid.uuid4().hex
    assert post(authed, key).status_code == 201
    assert_problem(post(authed, key, {**PRODUCT, "price": 13}), 422)


def test_keys_belong_to_their_user(api: httpx.Client, authed: httpx.Client) -> None:
    key = uuid.uuid4().hex
    first = post(authed, key)
    other = register(api)
    second = api.post(
        "/api/v1/products",
        json=PRODUCT,
        headers={"Idempotency-Key": key, "Authorization": f"Bearer {other.token}"},
    )
    assert second.status_code == 201
    assert second.json()["id"] != first.json()["id"]


@pytest.mark.parametrize("key", ['""', "x" * 256, '"unterminated', "caf\u00e9", "two words"])
def test_a_malformed_key_is_400(authed: httpx.Client, key: str) -> None:
    response = authed.post(
        "/api/v1/products",
        json=PRODUCT,
        headers={b"Idempotency-Key": key.encode()},
    )
    assert_problem(response, 400)


def test_requests_without_a_key_create_every_time(authed: httpx.Client) -> None:
    first = authed.post("/api/v1/products", json=PRODUCT)
    second = authed.post("/api/v1/products", json=PRODUCT)
    assert first.json()["id"] != second.json()["id"]
