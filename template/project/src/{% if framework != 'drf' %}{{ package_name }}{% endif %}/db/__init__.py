"""SQLAlchemy models, column types and connection URLs."""
