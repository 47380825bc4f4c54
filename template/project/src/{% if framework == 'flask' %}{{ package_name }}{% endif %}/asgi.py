"""The application as `make serve` and the container image run it (see serving.py).

uvicorn speaks ASGI; a2wsgi runs the Flask application in a pool of threads of this one process,
so in-memory rate limits stay exact within a worker while it serves requests concurrently.
"""

from typing import cast

from a2wsgi import WSGIMiddleware
from a2wsgi.wsgi_typing import WSGIApp

from .main import app as flask_app

THREADS = 8

# a2wsgi types the WSGI environ as a TypedDict, stricter than the framework's dict[str, Any].
app = WSGIMiddleware(cast(WSGIApp, flask_app), workers=THREADS)
