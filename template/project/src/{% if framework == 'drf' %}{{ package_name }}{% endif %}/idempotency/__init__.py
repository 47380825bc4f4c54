"""Idempotency-Key claims and the responses they replay, kept in the database for 24 hours."""
