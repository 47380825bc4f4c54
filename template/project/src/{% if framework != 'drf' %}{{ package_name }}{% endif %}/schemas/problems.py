"""Problem details (RFC 9457) as documented in the OpenAPI schema."""

from pydantic import BaseModel, ConfigDict


class Problem(BaseModel):
    model_config = ConfigDict(extra="allow")

    type: str = "about:blank"
    title: str
    status: int
    detail: str
    instance: str
    request_id: str


class FieldError(BaseModel):
    model_config = ConfigDict(extra="allow", json_schema_extra={"minProperties": 2})

    detail: str
    pointer: str | None = None
    parameter: str | None = None
    header: str | None = None


class ValidationProblem(Problem):
    errors: list[FieldError]


class UnhealthyProblem(Problem):
    checks: dict[str, str]
