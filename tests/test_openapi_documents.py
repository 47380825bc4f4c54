"""The three frameworks publish one OpenAPI document: rendered, installed and asked for it,
their documents are equal once normalised (prose dropped, `$ref`s resolved, and the ways
OpenAPI has to say the same thing written one way)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from typer.testing import CliRunner

from fledge.cli import app
from tests.test_generated_project import assert_ok, run, uv_command

pytestmark = pytest.mark.slow

FRAMEWORKS = ("fastapi", "flask", "drf")
PROSE = {"title", "description", "summary", "tags", "examples", "example", "readOnly", "writeOnly"}

# Writes the document the service serves at /openapi.json, asked in process, to argv[1].
DUMP = {
    "fastapi": """
import sys
from pathlib import Path
from fastapi.testclient import TestClient
from orders.main import app
Path(sys.argv[1]).write_text(TestClient(app).get("/openapi.json").text)
""",
    "flask": """
import sys
from pathlib import Path
from orders.main import app
Path(sys.argv[1]).write_text(app.test_client().get("/openapi.json").text)
""",
    "drf": """
import sys
from pathlib import Path
import django
django.setup()
from django.test import Client
Path(sys.argv[1]).write_bytes(Client().get("/openapi.json").content)
""",
}


def document_of(tmp_path_factory: pytest.TempPathFactory, framework: str) -> dict[str, Any]:
    dest = tmp_path_factory.mktemp(framework) / "orders"
    result = CliRunner().invoke(app, ["new", str(dest), "--defaults", "--framework", framework])
    assert result.exit_code == 0, result.output
    assert_ok(run(dest, uv_command(), "sync", "--locked"))
    dumped = run(
        dest,
        uv_command(),
        "run",
        "python",
        "-c",
        DUMP[framework],
        str(dest / "openapi.json"),
        APP_ENV="test",
        LOG_LEVEL="ERROR",
        DJANGO_SETTINGS_MODULE="orders.settings",
    )
    assert_ok(dumped)
    document: dict[str, Any] = json.loads((dest / "openapi.json").read_text())
    return document


@pytest.fixture(scope="module")
def documents(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, Any]]:
    return {framework: document_of(tmp_path_factory, framework) for framework in FRAMEWORKS}


def resolved(document: dict[str, Any], node: Any) -> Any:
    """`node` with every `$ref` replaced by its target and the prose dropped."""
    if isinstance(node, list):
        return [resolved(document, item) for item in node]
    if not isinstance(node, dict):
        return node
    if "$ref" in node:
        target: Any = document
        for part in node["$ref"].removeprefix("#/").split("/"):
            target = target[part]
        return resolved(document, target)
    kept = {key: resolved(document, value) for key, value in node.items() if key not in PROSE}
    return canonical(kept)


def canonical(schema: dict[str, Any]) -> dict[str, Any]:
    """One spelling for what OpenAPI 3.1 and pydantic or drf-spectacular say differently."""
    if schema.get("default", "absent") is None:  # pydantic's "optional"
        del schema["default"]
    if "const" in schema:
        schema["enum"] = [schema.pop("const")]
    alternatives = schema.get("anyOf", [])
    if len(alternatives) == 2 and {"type": "null"} in alternatives:
        (other,) = (item for item in alternatives if item != {"type": "null"})
        del schema["anyOf"]
        schema.update(other)
        schema["type"] = [other["type"], "null"]
    if isinstance(schema.get("type"), list):
        schema["type"] = sorted(schema["type"])
    if isinstance(schema.get("required"), list):
        schema["required"] = sorted(schema["required"])
    return schema


def parameter(document: dict[str, Any], raw: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """A parameter's key and rules; `null` is dropped, as a query or header cannot carry it."""
    item = resolved(document, raw)
    schema = item["schema"]
    if isinstance(schema.get("type"), list):
        (schema["type"],) = (kind for kind in schema["type"] if kind != "null")
    return f"{item['in']} {item['name']}", {"required": item.get("required", False), **schema}


def normalised(document: dict[str, Any]) -> dict[str, Any]:
    operations = {}
    for path, item in document["paths"].items():
        for method, operation in item.items():
            operations[f"{method.upper()} {path}"] = {
                "operationId": operation["operationId"],
                "security": operation.get("security", []),
                "parameters": dict(
                    parameter(document, raw) for raw in operation.get("parameters", [])
                ),
                "requestBody": resolved(document, operation.get("requestBody")),
                "responses": {
                    status: resolved(document, response).get("content")
                    for status, response in operation["responses"].items()
                },
            }
    components = document["components"]
    return {
        "openapi": document["openapi"],
        "schemas": sorted(components["schemas"]),
        "securitySchemes": components.get("securitySchemes"),
        "operations": operations,
    }


@pytest.mark.parametrize("framework", ["flask", "drf"])
def test_the_document_is_the_same_as_fastapis(
    documents: dict[str, dict[str, Any]], framework: str
) -> None:
    expected = normalised(documents["fastapi"])
    found = normalised(documents[framework])

    assert found["openapi"] == expected["openapi"] == "3.1.0"
    assert found["schemas"] == expected["schemas"]
    assert found["securitySchemes"] == expected["securitySchemes"]
    assert set(found["operations"]) == set(expected["operations"])
    for operation, parts in expected["operations"].items():
        for part, value in parts.items():
            assert found["operations"][operation][part] == value, (operation, part)


def test_the_contracts_names_and_no_unused_schema(documents: dict[str, dict[str, Any]]) -> None:
    operations = normalised(documents["fastapi"])["operations"]
    assert {operation["operationId"] for operation in operations.values()} == {
        *("getLiveness", "getReadiness", "registerUser", "createToken", "getCurrentUser"),
        *("createProduct", "listProducts", "getProduct"),
        *("replaceProduct", "updateProduct", "deleteProduct"),
    }
    used = json.dumps(documents["fastapi"]["paths"])
    for name in documents["fastapi"]["components"]["schemas"]:
        if name != "FieldError":  # used by ValidationProblem
            assert f"#/components/schemas/{name}" in used, name


def test_price_is_a_decimal_number(documents: dict[str, dict[str, Any]]) -> None:
    for framework, document in documents.items():
        price = document["components"]["schemas"]["Product"]["properties"]["price"]
        assert price["multipleOf"] == 0.01, framework
        assert price["minimum"] == 0, framework
        assert price["type"] == "number", framework
