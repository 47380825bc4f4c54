"""The application as `make serve` and the container image run it (see serving.py).

uvicorn speaks ASGI; a2wsgi runs Django's WSGI handler in a pool of threads of this one process,
so in-memory rate limits stay exact within a worker while it serves requests concurrently.
(Django's own ASGI handler would run these synchronous views in one shared thread.)
"""

from typing import cast

from a2wsgi import WSGIMiddleware
from a2wsgi.wsgi_typing import WSGIApp

from .wsgi import application as wsgi_application

THREADS = 8

# a2wsgi types the WSGI environ as a TypedDict, stricter than the framework's dict[str, Any].
application = WSGIMiddleware(cast(WSGIApp, wsgi_application), workers=THREADS)
