"""The OpenAPI document states what the service checks, so that generated requests are valid."""

import re
from typing import Any

import pytest

from tests.integration.conftest import client_from

PRODUCT = "/api/v1/products/{product_id}"


@pytest.fixture
def document() -> dict[str, Any]:
    response = client_from().get("/openapi.json")
    assert response.status_code == 200
    body: dict[str, Any] = response.json()
    return body


def request_schema(
    document: dict[str, Any], method: str, path: str, media_type: str = "application/json"
) -> dict[str, Any]:
    body = document["paths"][path][method]["requestBody"]
    name = body["content"][media_type]["schema"]["$ref"].rpartition("/")[2]
    schema: dict[str, Any] = document["components"]["schemas"][name]
    return schema


def parameter(document: dict[str, Any], method: str, path: str, name: str) -> dict[str, Any]:
    parameters: list[dict[str, Any]] = document["paths"][path][method]["parameters"]
    (found,) = (p for p in parameters if p["name"] == name)
    return found


BODIES = [
    ("post", "/api/v1/auth/register"),
    ("post", "/api/v1/auth/token"),
    ("post", "/api/v1/products"),
    ("put", PRODUCT),
    ("patch", PRODUCT),
]


@pytest.mark.parametrize(("method", "path"), BODIES)
def test_json_bodies_are_required_and_refuse_unknown_members(
    document: dict[str, Any], method: str, path: str
) -> None:
    assert document["paths"][path][method]["requestBody"]["required"] is True
    assert request_schema(document, method, path)["additionalProperties"] is False


@pytest.mark.parametrize("method", ["post", "put", "patch"])
def test_product_fields_have_the_limits_the_service_checks(
    document: dict[str, Any], method: str
) -> None:
    path = "/api/v1/products" if method == "post" else PRODUCT
    fields = request_schema(document, method, path)["properties"]
    assert fields["price"]["minimum"] == 0
    assert fields["price"]["maximum"] == 9999999999.99
    assert fields["price"]["multipleOf"] == 0.01
    assert "exclusiveMaximum" not in fields["price"]
    assert (fields["name"]["minLength"], fields["name"]["maxLength"]) == (1, 200)
    assert fields["description"]["maxLength"] == 2000
    for name in ("name", "description"):
        assert not re.fullmatch(fields[name]["pattern"], "a\x00b")


def test_the_password_form_documents_the_login_rules(document: dict[str, Any]) -> None:
    form = request_schema(
        document, "post", "/api/v1/auth/token", "application/x-www-form-urlencoded"
    )
    assert set(form["required"]) == {"username", "password"}
    assert form["properties"]["username"]["maxLength"] == 320
    assert form["properties"]["password"]["maxLength"] == 128
    assert "additionalProperties" not in form  # OAuth 2 clients may send scope, client_id...


def test_the_idempotency_key_header_has_its_limits(document: dict[str, Any]) -> None:
    schema = parameter(document, "post", "/api/v1/products", "Idempotency-Key")["schema"]
    assert (schema["minLength"], schema["maxLength"]) == (1, 255)
    assert re.fullmatch(schema["pattern"], "order-42_retry.1")
    for refused in ("two words", "a,b", "\x7f"):
        assert not re.fullmatch(schema["pattern"], refused)


def test_the_list_parameters_are_documented(document: dict[str, Any]) -> None:
    cursor = parameter(document, "get", "/api/v1/products", "cursor")
    assert cursor["schema"]["type"] == "string"
    assert cursor["description"]
    assert parameter(document, "get", "/api/v1/products", "active")["schema"]["type"] == "boolean"
