"""Transactions only where they are needed: each is two more round trips to the database."""

from contextlib import AbstractContextManager, nullcontext
from typing import Any

from django.db import transaction


def savepoint() -> AbstractContextManager[Any]:
    """Within a transaction, a savepoint, to go on after a statement the database refused.

    Outside one, a statement is its own transaction already: refused, it leaves nothing
    behind, and `atomic` would only add a BEGIN and a COMMIT.
    """
    if transaction.get_connection().in_atomic_block:
        return transaction.atomic()
    return nullcontext()
