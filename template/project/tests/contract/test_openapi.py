"""The OpenAPI document is the same in every variant: names, security, problems, formats."""

import re
from typing import Any

import httpx
import pytest

OPERATIONS = {
    ("get", "/health/live"): "getLiveness",
    ("get", "/health/ready"): "getReadiness",
    ("post", "/api/v1/auth/register"): "registerUser",
    ("post", "/api/v1/auth/token"): "createToken",
    ("post", "/api/v1/auth/refresh"): "refreshToken",
    ("post", "/api/v1/auth/logout"): "logout",
    ("get", "/api/v1/users/me"): "getCurrentUser",
    ("put", "/api/v1/users/me/password"): "changePassword",
    ("post", "/api/v1/products"): "createProduct",
    ("get", "/api/v1/products"): "listProducts",
    ("get", "/api/v1/products/{product_id}"): "getProduct",
    ("put", "/api/v1/products/{product_id}"): "replaceProduct",
    ("patch", "/api/v1/products/{product_id}"): "updateProduct",
    ("delete", "/api/v1/products/{product_id}"): "deleteProduct",
}
RESOURCE_OPERATION = re.compile(r"(create|list|get|replace|update|delete)[A-Z][A-Za-z0-9]*")
PUBLIC = {"getLiveness", "getReadiness", "registerUser", "createToken", "refreshToken", "logout"}
SCHEMAS = {
    *("Product", "ProductCreate", "ProductUpdate", "ProductPage"),
    *("User", "Registration", "Login", "PasswordGrant", "Token", "Live", "Ready"),
    *("RefreshRequest", "RefreshGrant", "PasswordChange"),
    *("Problem", "ValidationProblem", "FieldError", "UnhealthyProblem"),
}


@pytest.fixture(scope="module")
def document(base_url: str) -> dict[str, Any]:
    response = httpx.get(f"{base_url}/openapi.json", timeout=30)
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


def operations(document: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {
        operation["operationId"]: operation
        for item in document["paths"].values()
        for operation in item.values()
    }


def test_version_operations_and_schema_names(document: dict[str, Any]) -> None:
    assert document["openapi"] == "3.1.0"
    found = {
        (method, path): operation["operationId"]
        for path, item in document["paths"].items()
        for method, operation in item.items()
    }
    assert {key: found.get(key) for key in OPERATIONS} == OPERATIONS
    # Each resource added to the service (`fledge add resource`) brings its own operations.
    others = {found[key] for key in found.keys() - OPERATIONS.keys()}
    assert all(RESOURCE_OPERATION.fullmatch(operation_id) for operation_id in others), others
    assert set(document["components"]["schemas"]) >= SCHEMAS


def test_only_the_private_operations_need_a_token(document: dict[str, Any]) -> None:
    for operation_id, operation in operations(document).items():
        bearer: list[dict[str, list[str]]] = [{"OAuth2PasswordBearer": []}]
        expected = [] if operation_id in PUBLIC else bearer
        assert operation.get("security", []) == expected, operation_id


def test_every_error_is_a_problem(document: dict[str, Any]) -> None:
    for operation_id, operation in operations(document).items():
        for status, response in operation["responses"].items():
            if status.startswith(("4", "5")):
                assert list(response["content"]) == ["application/problem+json"], operation_id
    statuses = set(operations(document)["getProduct"]["responses"])
    assert statuses == {"200", "401", "404", "429", "503"}


@pytest.mark.parametrize("schema", ["Product", "ProductCreate", "ProductUpdate"])
def test_price_is_a_decimal_number_with_two_places(document: dict[str, Any], schema: str) -> None:
    price = document["components"]["schemas"][schema]["properties"]["price"]
    assert price["type"] == "number"
    assert price["multipleOf"] == 0.01
    assert price["minimum"] == 0
    assert "format" not in price


def schemas_in(node: Any) -> list[dict[str, Any]]:
    """Every schema of the document's components, nested ones included."""
    found: list[dict[str, Any]] = []
    pending = list(node.values())
    while pending:
        schema = pending.pop()
        found.append(schema)
        pending.extend(schema.get("properties", {}).values())
        pending.extend(item for item in [schema.get("items")] if isinstance(item, dict))
        pending.extend(schema.get("anyOf", []))
    return found


def test_optional_values_and_constants_are_spelled_one_way(document: dict[str, Any]) -> None:
    schemas = document["components"]["schemas"]
    description = schemas["ProductCreate"]["properties"]["description"]
    assert description["type"] == ["string", "null"]
    assert schemas["Token"]["properties"]["token_type"]["enum"] == ["bearer"]
    for schema in schemas_in(schemas):
        assert "const" not in schema, schema
        assert {"type": "null"} not in schema.get("anyOf", []), schema
        assert schema.get("default", "absent") is not None, schema
        assert not {"title", "readOnly", "writeOnly"} & schema.keys(), schema
        assert schema.get("required", []) == sorted(schema.get("required", [])), schema


def test_parameters_are_sorted_and_never_null(document: dict[str, Any]) -> None:
    parameters = operations(document)["listProducts"]["parameters"]
    assert [(item["in"], item["name"]) for item in parameters] == [
        ("query", "active"),
        ("query", "cursor"),
        ("query", "limit"),
    ]
    for operation in operations(document).values():
        for parameter in operation.get("parameters", []):
            assert isinstance(parameter["required"], bool), parameter
            assert isinstance(parameter["schema"]["type"], str), parameter
