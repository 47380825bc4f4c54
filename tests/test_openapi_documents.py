"""The three frameworks publish one OpenAPI document: rendered, the same resources added
(`fledge add resource`: every type and option, references, an owned resource), installed and
asked for it, their documents are equal once their prose (titles, descriptions, summaries,
examples) is dropped; key order aside, nothing else is rewritten."""

from __future__ import annotations

import json
from typing import Any

import pytest
from typer.testing import CliRunner

from fledge.cli import app
from tests.helpers import git
from tests.test_generated_project import assert_ok, run, uv_command

pytestmark = pytest.mark.slow

FRAMEWORKS = ("fastapi", "flask", "drf")
PROSE = {"title", "description", "summary", "examples", "example"}
# Every type and every option of a field, each default kind among them.
ORDERS = (
    "code:str:unique:min=3:max=20",
    "note:text:optional:min=2:max=500",
    "quantity:int:min=1:max=1000:default=1",
    "total:decimal:min=0:max=99999.99:places=2",
    "discount:decimal:optional:default=0.5:places=1",
    "paid:bool:default=false",
    "placed_on:date:default=2026-01-31",
    "shipped_at:datetime:optional:default=2026-01-31T09:30:00Z",
    "tracking:uuid:unique:optional",
    "batch:uuid:default=3fa85f64-5717-4562-b3fc-2c963f66afa6",
    "contact:email:unique",
    "reply_to:email:optional:default=ann@example.com",
    "status:enum=open,paid,shipped:default=open",
    "product_id:ref=products",
)
# Owned rows with references: to the users, to another resource, optional.
DEVICES = (
    "title:str:unique",
    "serial:uuid:unique",
    "enabled:bool:default=false",
    "seen_at:datetime:optional",
    "contact:email:unique",
    "user_id:ref=users",
    "order_id:ref=orders:optional",
)
RESOURCES = {"orders": (ORDERS, ()), "devices": (DEVICES, ("--owned",))}

# Writes the document the service serves at /openapi.json, asked in process, to argv[1].
DUMP = {
    "fastapi": """
import sys
from pathlib import Path
from fastapi.testclient import TestClient
from shop.main import app
Path(sys.argv[1]).write_text(TestClient(app).get("/openapi.json").text)
""",
    "flask": """
import sys
from pathlib import Path
from shop.main import app
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
    dest = tmp_path_factory.mktemp(framework) / "shop"
    result = CliRunner().invoke(app, ["new", str(dest), "--defaults", "--framework", framework])
    assert result.exit_code == 0, result.output
    for name, (fields, options) in RESOURCES.items():
        command = ["add", "resource", name, *fields, *options, "--path", str(dest)]
        result = CliRunner().invoke(app, command)
        assert result.exit_code == 0, result.output
        git(dest, "add", "--all")
        git(dest, "commit", "--quiet", "--message", f"Add {name}")
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
        DJANGO_SETTINGS_MODULE="shop.settings",
    )
    assert_ok(dumped)
    document: dict[str, Any] = json.loads((dest / "openapi.json").read_text())
    return document


@pytest.fixture(scope="module")
def documents(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, Any]]:
    return {framework: document_of(tmp_path_factory, framework) for framework in FRAMEWORKS}


def without_prose(node: Any, *, members: bool = False) -> Any:
    """`node` without titles, descriptions, summaries and examples (`members`: `node` maps
    property names, such as `description`, to their schemas, so none of its keys is prose)."""
    if isinstance(node, list):
        return [without_prose(item) for item in node]
    if not isinstance(node, dict):
        return node
    return {
        key: without_prose(value, members=key == "properties" and not members)
        for key, value in node.items()
        if members or key not in PROSE
    }


def normalised(document: dict[str, Any]) -> dict[str, Any]:
    """The document as a whole, less its prose: nothing else is rewritten."""
    kept: dict[str, Any] = without_prose(document)
    return kept


def text(node: Any) -> str:
    """`node` as JSON text, keys sorted: `1` and `1.0` differ, as they do to other languages."""
    return json.dumps(node, sort_keys=True, indent=1)


@pytest.mark.parametrize("framework", ["flask", "drf"])
def test_the_document_is_the_same_as_fastapis(
    documents: dict[str, dict[str, Any]], framework: str
) -> None:
    expected = normalised(documents["fastapi"])
    found = normalised(documents[framework])

    assert found["openapi"] == expected["openapi"] == "3.1.0"
    assert found.keys() == expected.keys()
    assert found["info"] == expected["info"]
    for name, schema in expected["components"]["schemas"].items():
        assert text(found["components"]["schemas"].get(name)) == text(schema), name
    assert text(found["components"]) == text(expected["components"])
    assert found["paths"].keys() == expected["paths"].keys()
    for path, item in expected["paths"].items():
        assert found["paths"][path].keys() == item.keys(), path
        for method, operation in item.items():
            assert text(found["paths"][path][method]) == text(operation), (method, path)


def test_the_contracts_names_and_no_unused_schema(documents: dict[str, dict[str, Any]]) -> None:
    paths = documents["fastapi"]["paths"]
    operations = [operation for item in paths.values() for operation in item.values()]
    assert {operation["operationId"] for operation in operations} == {
        *("getLiveness", "getReadiness", "registerUser", "createToken", "getCurrentUser"),
        *("refreshToken", "logout", "changePassword"),
        *(
            f"{verb}{name}"
            for name in ("Product", "Order", "Device")
            for verb in ("create", "get", "replace", "update", "delete")
        ),
        *("listProducts", "listOrders", "listDevices"),
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
