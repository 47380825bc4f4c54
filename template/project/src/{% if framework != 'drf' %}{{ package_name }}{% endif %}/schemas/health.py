"""Liveness and readiness."""

from typing import Literal

from pydantic import BaseModel


class Live(BaseModel):
    status: Literal["ok"]


class Ready(BaseModel):
    status: Literal["ok"]
    checks: dict[str, Literal["ok", "error"]]
