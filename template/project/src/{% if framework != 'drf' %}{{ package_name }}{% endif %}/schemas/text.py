"""Strings every database can store."""

from typing import Annotated

from pydantic import StringConstraints

# PostgreSQL text cannot hold NUL (U+0000): refusing it here makes it a 422, never a 500.
Text = Annotated[str, StringConstraints(pattern=r"^[^\x00]*$")]
