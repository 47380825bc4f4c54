"""Accounts: email and password (or an identity provider's subject), tokens and sessions."""
