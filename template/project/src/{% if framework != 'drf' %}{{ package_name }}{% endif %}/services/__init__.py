"""Use cases over the database, free of HTTP concerns."""
