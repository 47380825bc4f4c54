"""Hostile JSON bodies: a 422 problem before they cost anything, on every route that reads one."""

import json
import uuid
from decimal import Decimal
from typing import Any

import httpx
import pytest

from tests.contract.conftest import assert_problem

# The documented limit: arrays and objects nested deeper are refused before parsing.
MAX_JSON_DEPTH = 32
JSON = {"Content-Type": "application/json"}


def nested(depth: int) -> Any:
    """A value that, as a member of the body's object, nests the body `depth` levels deep."""
    value: Any = "x"
    for _ in range(depth - 1):
        value = [value]
    return value


def pointers(body: dict[str, Any]) -> list[str | None]:
    return [error.get("pointer") for error in body["errors"]]


def raw_object(**members: str) -> str:
    """A JSON object of members written as given: json.dumps cannot write 1e-400 or 19.990."""
    return "{" + ", ".join(f'"{name}": {value}' for name, value in members.items()) + "}"


def registration() -> dict[str, str]:
    return {"email": f"body-{uuid.uuid4().hex[:12]}@example.com", "password": "long enough"}


@pytest.mark.parametrize("path", ["/api/v1/auth/register", "/api/v1/auth/token"])
def test_the_depth_limit_holds_before_authentication(api: httpx.Client, path: str) -> None:
    at_limit = api.post(path, json={"email": nested(MAX_JSON_DEPTH), "password": "long enough"})
    assert pointers(assert_problem(at_limit, 422)) == ["/email"]

    over = api.post(path, json={"email": nested(MAX_JSON_DEPTH + 1), "password": "long enough"})
    body = assert_problem(over, 422)
    assert pointers(body) == [""]
    assert str(MAX_JSON_DEPTH) in body["errors"][0]["detail"]


def test_a_thousand_nested_arrays_are_422_not_a_crash(api: httpx.Client) -> None:
    body = b"[" * 1000 + b"]" * 1000
    response = api.post("/api/v1/auth/register", content=body, headers=JSON)
    assert pointers(assert_problem(response, 422)) == [""]


def test_deep_nesting_inside_strings_is_only_text(api: httpx.Client) -> None:
    fields = registration()
    content = json.dumps({**fields, "password": '[{"' * MAX_JSON_DEPTH})  # [{\" in JSON
    response = api.post("/api/v1/auth/register", content=content, headers=JSON)
    assert response.status_code == 201, response.text


def test_products_refuse_deep_bodies(authed: httpx.Client) -> None:
    response = authed.post(
        "/api/v1/products", json={"name": "Lamp", "price": nested(MAX_JSON_DEPTH + 1)}
    )
    assert pointers(assert_problem(response, 422)) == [""]


def test_a_json_string_holding_an_object_is_not_an_object(authed: httpx.Client) -> None:
    content = json.dumps(json.dumps({"name": "Lamp", "price": 1}))
    response = authed.post("/api/v1/products", content=content, headers=JSON)
    assert pointers(assert_problem(response, 422)) == [""]


@pytest.mark.parametrize("charset", ["utf-16", "utf-16-le", "latin-1", "iso-8859-1", "utf-32"])
def test_charsets_other_than_utf_8_are_422(api: httpx.Client, charset: str) -> None:
    content = json.dumps(registration()).encode(charset)
    response = api.post(
        "/api/v1/auth/register",
        content=content,
        headers={"Content-Type": f"application/json; charset={charset}"},
    )
    assert pointers(assert_problem(response, 422)) == [""]


@pytest.mark.parametrize(
    "content_type",
    ["application/json", "application/json; charset=utf-8", "application/json; charset=UTF-8"],
)
def test_utf_8_json_is_accepted(api: httpx.Client, content_type: str) -> None:
    content = json.dumps(registration()).encode()
    response = api.post(
        "/api/v1/auth/register", content=content, headers={"Content-Type": content_type}
    )
    assert response.status_code == 201, response.text


@pytest.mark.parametrize(
    "number", ["1e-400", "1e400", "-1e400", "NaN", "Infinity", "-Infinity", "1e-3", "1E+10"]
)
def test_prices_that_break_its_rules_are_422_at_the_price(
    authed: httpx.Client, number: str
) -> None:
    content = raw_object(name='"Lamp"', price=number)
    created = authed.post("/api/v1/products", content=content, headers=JSON)
    assert pointers(assert_problem(created, 422)) == ["/price"]

    product = authed.post("/api/v1/products", json={"name": "Lamp", "price": 1})
    patched = authed.patch(
        product.headers["location"], content=raw_object(price=number), headers=JSON
    )
    assert pointers(assert_problem(patched, 422)) == ["/price"]


@pytest.mark.parametrize(("number", "price"), [("19.990", "19.99"), ("1E+2", "100"), ("0e5", "0")])
def test_prices_are_read_exactly_as_written(authed: httpx.Client, number: str, price: str) -> None:
    content = raw_object(name='"Lamp"', price=number)
    response = authed.post("/api/v1/products", content=content, headers=JSON)
    assert response.status_code == 201, response.text
    assert Decimal(str(response.json()["price"])) == Decimal(price)


def test_unknown_members_are_reported_after_the_errors_of_the_known_ones(
    authed: httpx.Client,
) -> None:
    response = authed.post("/api/v1/products", json={"name": "", "price": -1, "colour": "red"})

    assert pointers(assert_problem(response, 422)) == ["/name", "/price", "/colour"]
