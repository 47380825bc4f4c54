"""The parts of the OpenAPI document that every variant writes the same way: the problems.

Each framework documents its operations (operationId, parameters, bodies, success responses)
from its routes; `document_problems` then gives each operation exactly the problem responses
(RFC 9457) of `problem_responses`, drops unused schemas, and writes in one way what Pydantic and
drf-spectacular spell differently (see `_one_spelling`). To document a new error of an
operation, add its status here: all three variants follow.
"""

import re
from copy import deepcopy
from decimal import Decimal
from typing import Any

from .errors import status_title
from .oidc import discovery_url
from .problems import PROBLEM_JSON

# Fixed like the problem titles, so that the document is the same on every Python version.
SUCCESS_DESCRIPTIONS = {"200": "OK", "201": "Created", "204": "No Content"}


def _problems(*statuses: int) -> dict[int, str]:
    return {status: "ValidationProblem" if status == 422 else "Problem" for status in statuses}


# operationId -> {status: schema of its problem body}: the operations of every service.
PROBLEM_RESPONSES: dict[str, dict[int, str]] = {
    "getLiveness": {},
    "getReadiness": {503: "UnhealthyProblem"},
    "registerUser": _problems(409, 413, 415, 422, 429, 503),
    "createToken": _problems(401, 413, 415, 422, 429, 503),
    "refreshToken": _problems(401, 413, 415, 422, 429, 503),
    "logout": _problems(413, 415, 422, 429, 503),
    "getCurrentUser": _problems(401, 429, 503),
    "changePassword": _problems(401, 413, 415, 422, 429, 503),
}
# The operations of every resource, by the verb of their operationId (`createProduct`,
# `listProducts`...). 409: a value of a unique field is taken (create, replace, update), other
# rows still refer to the row (delete), an Idempotency-Key is still in flight (create).
RESOURCE_PROBLEM_RESPONSES: dict[str, dict[int, str]] = {
    "create": _problems(400, 401, 409, 413, 415, 422, 429, 503),
    "list": _problems(400, 401, 422, 429, 503),
    "get": _problems(401, 404, 429, 503),
    "replace": _problems(401, 404, 409, 413, 415, 422, 429, 503),
    "update": _problems(401, 404, 409, 413, 415, 422, 429, 503),
    "delete": _problems(401, 404, 409, 429, 503),
}
_RESOURCE_OPERATION = re.compile(rf"({'|'.join(RESOURCE_PROBLEM_RESPONSES)})[A-Z]\w*")


def problem_responses(operation_id: str) -> dict[int, str]:
    """The problem responses of an operation: {status: schema of its problem body}.

    Raises:
        KeyError: an operation that is neither listed nor a resource's.
    """
    if operation_id in PROBLEM_RESPONSES:
        return PROBLEM_RESPONSES[operation_id]
    resource_operation = _RESOURCE_OPERATION.fullmatch(operation_id)
    if resource_operation is None:
        raise KeyError(operation_id)
    return RESOURCE_PROBLEM_RESPONSES[resource_operation[1]]


_STRING = {"type": "string"}
_PROBLEM_PROPERTIES: dict[str, Any] = {
    "type": {"type": "string", "default": "about:blank"},
    "title": _STRING,
    "status": {"type": "integer"},
    "detail": _STRING,
    "instance": _STRING,
    "request_id": _STRING,
}
_PROBLEM_REQUIRED = ["title", "status", "detail", "instance", "request_id"]


def _problem(**extensions: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": "object",
        "properties": {**_PROBLEM_PROPERTIES, **extensions},
        "required": [*_PROBLEM_REQUIRED, *extensions],
    }


PROBLEM_SCHEMAS: dict[str, dict[str, Any]] = {
    "Problem": _problem(),
    "ValidationProblem": _problem(
        errors={"type": "array", "items": {"$ref": "#/components/schemas/FieldError"}}
    ),
    "FieldError": {
        "description": "One invalid part of the request: a body pointer, a parameter or a header.",
        "type": "object",
        "properties": {
            "detail": _STRING,
            "pointer": _STRING,
            "parameter": _STRING,
            "header": _STRING,
        },
        "required": ["detail"],
    },
    "UnhealthyProblem": _problem(
        checks={"type": "object", "additionalProperties": {"type": "string"}}
    ),
}


def document_problems(document: dict[str, Any]) -> dict[str, Any]:
    """The document with the problem responses of each operation, no unused schema, and every
    schema and parameter spelled one way."""
    schemas = document.setdefault("components", {}).setdefault("schemas", {})
    schemas.update(deepcopy(PROBLEM_SCHEMAS))
    for path_item in document["paths"].values():
        for operation in path_item.values():
            successes = {
                status: {**response, "description": SUCCESS_DESCRIPTIONS[status]}
                for status, response in operation["responses"].items()
                if not status.startswith(("4", "5"))
            }
            problems = problem_responses(operation["operationId"])
            operation["responses"] = successes | {
                str(status): _problem_response(status, schema)
                for status, schema in problems.items()
            }
    _drop_unused_schemas(document)
    _one_spelling(document)
    return document


def use_openid_connect(document: dict[str, Any], issuer: str) -> dict[str, Any]:
    """The document of a service in oidc mode: its bearer tokens are the identity provider's,
    whose discovery document the one security scheme names."""
    scheme = {"type": "openIdConnect", "openIdConnectUrl": discovery_url(issuer)}
    document["components"]["securitySchemes"] = {"OpenIdConnect": scheme}
    for path_item in document["paths"].values():
        for operation in path_item.values():
            if operation.get("security"):
                operation["security"] = [{"OpenIdConnect": []}]
    return document


def _problem_response(status: int, schema: str) -> dict[str, Any]:
    return {
        "description": status_title(status),
        "content": {PROBLEM_JSON: {"schema": {"$ref": f"#/components/schemas/{schema}"}}},
    }


def _drop_unused_schemas(document: dict[str, Any]) -> None:
    schemas: dict[str, Any] = document["components"]["schemas"]
    used: set[str] = set()
    pending = [document["paths"]]
    while pending:
        node = pending.pop()
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str) and ref.startswith("#/components/schemas/"):
                name = ref.removeprefix("#/components/schemas/")
                if name not in used:
                    used.add(name)
                    pending.append(schemas[name])
            pending.extend(node.values())
        elif isinstance(node, list):
            pending.extend(node)
    for name in set(schemas) - used:
        del schemas[name]


# Where the order of parameters comes from: their location, then their name.
_LOCATIONS = ("path", "query", "header", "cookie")
_NUMBERS = ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf")


def _one_spelling(document: dict[str, Any]) -> None:
    """Writes the document's schemas and parameters in one way, whatever the framework.

    Pydantic spells an optional value `anyOf: [{...}, {"type": "null"}]`, adds `default: null`,
    writes a one-value Literal as `const` and titles every schema with its name;
    drf-spectacular writes `type: [..., "null"]`, `enum` and `readOnly`/`writeOnly`. Here: a
    `type` list, no `default: null`, a one-value `enum`, no title (the name says it), no
    `readOnly`/`writeOnly` (requests and responses have schemas of their own), `required`
    sorted (Flask's JSON sorts keys), and whole numbers as integers. Parameters are sorted,
    say whether they are required, and never take `null` (a query string or a header cannot
    carry it); their description is not repeated in their schema. Only operations name tags.
    """
    document.pop("tags", None)
    for schema in document["components"]["schemas"].values():
        _spell(schema)
    for path_item in document["paths"].values():
        for operation in path_item.values():
            parameters = operation.get("parameters", [])
            for parameter in parameters:
                parameter.setdefault("required", False)
                schema = _spell(parameter["schema"])
                if "description" in parameter:  # said once, by the parameter
                    schema.pop("description", None)
                if isinstance(schema.get("type"), list):
                    (schema["type"],) = (kind for kind in schema["type"] if kind != "null")
            parameters.sort(key=lambda item: (_LOCATIONS.index(item["in"]), item["name"]))


def _spell(schema: dict[str, Any]) -> dict[str, Any]:
    alternatives = schema.get("anyOf", [])
    if len(alternatives) == 2 and {"type": "null"} in alternatives:
        (other,) = (item for item in alternatives if item != {"type": "null"})
        if isinstance(other.get("type"), str):
            del schema["anyOf"]
            schema.update(other, type=[other["type"], "null"])
    if "default" in schema and schema["default"] is None:
        del schema["default"]
    if "const" in schema:
        schema["enum"] = [schema.pop("const")]
    for keyword in ("title", "readOnly", "writeOnly"):
        schema.pop(keyword, None)
    for keyword in _NUMBERS:
        value = schema.get(keyword)
        if isinstance(value, float | Decimal) and value == int(value):
            schema[keyword] = int(value)
    if "required" in schema:
        schema["required"] = sorted(schema["required"])
    for member in schema.get("properties", {}).values():
        _spell(member)
    for keyword in ("items", "additionalProperties"):
        if isinstance(schema.get(keyword), dict):
            _spell(schema[keyword])
    for keyword in ("anyOf", "oneOf", "allOf"):
        for alternative in schema.get(keyword, []):
            _spell(alternative)
    return schema
