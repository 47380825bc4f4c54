"""The ASGI application served by `make run` and `make serve`.

Imported in each worker process, after gunicorn's fork: tracing (when an OTLP endpoint is set)
is configured here, never in the master.
"""

from .api.tracing import instrument
from .application import create_app
from .core.config import load_settings
from .core.tracing import configure_tracing

app = create_app(load_settings())
if configure_tracing():
    instrument(app)
