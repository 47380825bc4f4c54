"""The ASGI application served by `make run` and `make serve`."""

from .application import create_app
from .core.config import load_settings

app = create_app(load_settings())
