"""JSON responses from Pydantic models, serialized exactly as the schemas say."""

from collections.abc import Mapping

from flask import Response, current_app
from pydantic import BaseModel


def json_response(
    body: BaseModel, status: int = 200, headers: Mapping[str, str] | None = None
) -> Response:
    return current_app.response_class(
        body.model_dump_json(), status=status, headers=headers, mimetype="application/json"
    )
