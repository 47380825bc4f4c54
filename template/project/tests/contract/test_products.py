import uuid
from decimal import Decimal

import httpx
import pytest

from tests.contract.conftest import assert_problem


def create(api: httpx.Client, **fields: object) -> dict[str, object]:
    response = api.post("/api/v1/products", json={"name": "Teapot", "price": 19.99, **fields})
    assert response.status_code == 201, response.text
    body: dict[str, object] = response.json()
    return body


def test_create_returns_the_product_and_its_location(authed: httpx.Client) -> None:
    response = authed.post(
        "/api/v1/products", json={"name": "Teapot", "description": "Blue", "price": 19.99}
    )
    assert response.status_code == 201
    product = response.json()
    assert response.headers["location"] == f"/api/v1/products/{product['id']}"
    assert product["name"] == "Teapot"
    assert product["description"] == "Blue"
    assert product["active"] is True
    assert product["created_at"]
    assert product["updated_at"]
    uuid.UUID(product["id"])


def test_price_is_an_exact_json_number(authed: httpx.Client) -> None:
    response = authed.post("/api/v1/products", json={"name": "Pot", "price": 0.1})
    assert b'"price":0.1' in response.content.replace(b" ", b"")
    fetched = authed.get(response.headers["location"]).json()
    assert Decimal(str(fetched["price"])) == Decimal("0.1")
    big = create(authed, price=1234567890.99)
    assert Decimal(str(big["price"])) == Decimal("1234567890.99")


@pytest.mark.parametrize(
    ("fields", "pointer"),
    [
        ({"price": "19.99"}, "/price"),
        ({"price": 1.999}, "/price"),
        ({"price": 4875350345.251346}, "/price"),
        ({"price": 10_000_000_000}, "/price"),
        ({"price": -1}, "/price"),
        ({"name": ""}, "/name"),
        ({"name": "x" * 201}, "/name"),
        ({"description": "x" * 2001}, "/description"),
        ({"active": "yes please"}, "/active"),
        ({"active": "true"}, "/active"),
        ({"active": 1}, "/active"),
    ],
)
def test_invalid_products_are_422(
    authed: httpx.Client, fields: dict[str, object], pointer: str
) -> None:
    response = authed.post("/api/v1/products", json={"name": "Teapot", "price": 1, **fields})
    body = assert_problem(response, 422)
    assert pointer in [error.get("pointer") for error in body["errors"]]


def test_get_put_patch_delete(authed: httpx.Client) -> None:
    product = create(authed, description="old")
    url = f"/api/v1/products/{product['id']}"
    assert authed.get(url).json() == product

    replaced = authed.put(url, json={"name": "Kettle", "price": 30})
    assert replaced.status_code == 200
    assert replaced.json()["name"] == "Kettle"
    assert replaced.json()["description"] is None  # a full replacement resets omitted fields
    assert replaced.json()["price"] == 30

    patched = authed.patch(url, json={"active": False})
    assert patched.status_code == 200
    assert patched.json()["active"] is False
    assert patched.json()["name"] == "Kettle"

    deleted = authed.delete(url)
    assert deleted.status_code == 204
    assert deleted.content == b""
    assert_problem(authed.get(url), 404)


def test_patch_without_a_body_is_415(authed: httpx.Client) -> None:
    url = f"/api/v1/products/{create(authed)['id']}"
    assert_problem(authed.patch(url), 415)


@pytest.mark.parametrize(
    ("method", "path"),
    [("PUT", "/api/v1/products"), ("PATCH", "/api/v1/products"), ("PUT", "/api/v1/users/me")],
)
def test_an_unsupported_method_is_405_even_without_a_body(
    authed: httpx.Client, method: str, path: str
) -> None:
    response = authed.request(method, path)
    assert_problem(response, 405)
    assert "GET" in response.headers["allow"]


def test_an_unsupported_method_is_405_before_authentication(api: httpx.Client) -> None:
    response = api.put("/api/v1/users/me", content=b"x", headers={"Content-Type": "text/plain"})
    assert_problem(response, 405)
    assert "GET" in response.headers["allow"]


def test_patch_can_clear_the_description_but_not_the_name(authed: httpx.Client) -> None:
    url = f"/api/v1/products/{create(authed, description='x')['id']}"
    assert authed.patch(url, json={"description": None}).json()["description"] is None
    body = assert_problem(authed.patch(url, json={"name": None}), 422)
    assert "/name" in [error.get("pointer") for error in body["errors"]]


def test_put_needs_the_full_body(authed: httpx.Client) -> None:
    url = f"/api/v1/products/{create(authed)['id']}"
    assert_problem(authed.put(url, json={"name": "only a name"}), 422)


@pytest.mark.parametrize(
    "product_id", [str(uuid.uuid4()), "not-a-uuid", "1"], ids=["unknown", "not-a-uuid", "1"]
)
def test_unknown_or_malformed_ids_are_404(authed: httpx.Client, product_id: str) -> None:
    url = f"/api/v1/products/{product_id}"
    assert_problem(authed.get(url), 404)
    assert_problem(authed.patch(url, json={"active": True}), 404)
    assert_problem(authed.put(url, json={"name": "x", "price": 1}), 404)
    assert_problem(authed.delete(url), 404)


def walk_until(api: httpx.Client, wanted: set[object], limit: int) -> list[object]:
    """Ids page by page, newest first, until every wanted id was seen or the pages end."""
    seen: list[object] = []
    cursor = None
    while not wanted <= set(seen):
        query: dict[str, str | int] = {"limit": limit, **({"cursor": cursor} if cursor else {})}
        response = api.get("/api/v1/products", params=query)
        assert response.status_code == 200
        page = response.json()
        seen.extend(item["id"] for item in page["items"])
        cursor = page["next_cursor"]
        if cursor is None:
            assert "link" not in response.headers
            break
        assert response.headers["link"].endswith('; rel="next"')
        assert f"cursor={cursor}" in response.headers["link"]
    return seen


def test_pages_are_newest_first_without_gaps_or_duplicates(authed: httpx.Client) -> None:
    created = [create(authed, name=f"product {i}")["id"] for i in range(7)]
    seen = walk_until(authed, set(created), limit=3)
    assert len(seen) == len(set(seen))
    assert [item for item in seen if item in created] == list(reversed(created))


def test_rows_created_during_a_walk_cause_no_duplicates_or_gaps(authed: httpx.Client) -> None:
    before = [create(authed, name=f"before {i}")["id"] for i in range(5)]
    seen: list[object] = []
    cursor = None
    while not set(before) <= set(seen):
        create(authed, name="created during the walk")
        query: dict[str, str | int] = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        page = authed.get("/api/v1/products", params=query).json()
        seen.extend(item["id"] for item in page["items"])
        cursor = page["next_cursor"]
        assert cursor is not None or set(before) <= set(seen)
    assert len(seen) == len(set(seen))
    assert [item for item in seen if item in before] == list(reversed(before))


def test_default_limit_and_active_filter(authed: httpx.Client) -> None:
    create(authed, active=False)
    page = authed.get("/api/v1/products").json()
    assert len(page["items"]) <= 20
    inactive = authed.get("/api/v1/products", params={"active": "false", "limit": 100}).json()
    assert inactive["items"]
    assert all(item["active"] is False for item in inactive["items"])


@pytest.mark.parametrize("active", ["null", "", "maybe", "2"])
def test_active_other_than_a_boolean_is_422(authed: httpx.Client, active: str) -> None:
    body = assert_problem(authed.get("/api/v1/products", params={"active": active}), 422)
    assert [error.get("parameter") for error in body["errors"]] == ["active"]


@pytest.mark.parametrize("limit", [0, 101, -1])
def test_limit_outside_1_to_100_is_422(authed: httpx.Client, limit: int) -> None:
    body = assert_problem(authed.get("/api/v1/products", params={"limit": limit}), 422)
    assert body["errors"][0]["parameter"] == "limit"


@pytest.mark.parametrize("cursor", ["garbage", "e30", "WyJ4IiwgInkiXQ", "\x00", "e30\x00"])
def test_a_bad_cursor_is_400(authed: httpx.Client, cursor: str) -> None:
    assert_problem(authed.get("/api/v1/products", params={"cursor": cursor}), 400)
