"""Accounts: email and password, access tokens, the current user."""
