"""The WSGI application served by `make run` (`flask --app`) and, through asgi.py, `make serve`.

Gunicorn imports it in each worker, after the fork: the exporter of the traces runs a thread,
which would not survive a fork.
"""

from .application import create_app
from .core.config import load_settings
from .core.tracing import configure_tracing

app = create_app(load_settings(), traced=configure_tracing())
