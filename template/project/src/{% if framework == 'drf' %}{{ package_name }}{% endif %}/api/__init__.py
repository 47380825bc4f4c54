"""The Django REST Framework adapter of the shared core: auth, limits, errors, pages, logs."""
