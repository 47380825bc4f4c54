"""Products: CRUD with cursor pages and idempotent creates."""
