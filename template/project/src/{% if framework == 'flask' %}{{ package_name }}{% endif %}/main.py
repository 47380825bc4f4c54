"""The WSGI application served by `make run` (`flask --app`) and, through asgi.py, `make serve`."""

from .application import create_app
from .core.config import load_settings

app = create_app(load_settings())
