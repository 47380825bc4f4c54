"""Alembic migrations: `make migrate` applies them."""
