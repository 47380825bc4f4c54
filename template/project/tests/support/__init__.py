"""Helpers for the tests: databases and servers."""
