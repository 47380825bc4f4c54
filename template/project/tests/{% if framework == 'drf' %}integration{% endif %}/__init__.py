"""This framework's wiring: shared buckets, concurrency, migrations, settings, the admin."""
