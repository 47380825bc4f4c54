"""The HTTP server of `make serve` and the container image: uvicorn workers under gunicorn.

Each connection is a coroutine of the worker's event loop, not a thread, so idle and slow clients
(slowloris) hold sockets, never the threads that answer everyone else. The request head is
bounded here, and refused with a problem+json response like every other error of the service.

A worker told to stop (SIGTERM, from gunicorn's master) drains first: for
`SHUTDOWN_DRAIN_SECONDS` it goes on answering, with /health/ready a 503 and every response
closing its connection, so load balancers and clients move to other instances; then it stops
accepting and finishes the requests in flight.
"""

import signal
import sys
import threading
from dataclasses import dataclass
from http import HTTPStatus
from types import FrameType
from typing import ClassVar

from gunicorn.arbiter import Arbiter  # type: ignore[import-untyped]  # ships no type hints
from uvicorn import Config, Server
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol
from uvicorn_worker import UvicornWorker  # type: ignore[import-untyped]  # ships no type hints

from .core import problems
from .core.config import load_settings
from .core.http import SECURITY_HEADERS, json_bytes, request_id
from .core.probes import DRAINING

# The request target (path and query): longer is a 414.
MAX_TARGET_BYTES = 8 * 1024
# The whole request head (request line and header fields), and its number of fields: more is a 431.
MAX_HEAD_BYTES = 64 * 1024
MAX_HEADER_FIELDS = 100


@dataclass(frozen=True)
class Refusal:
    """The answer to a request head that breaks a rule; the connection is closed after it."""

    status: HTTPStatus
    detail: str


class HeadRefused(Exception):
    """Raised from a parser callback to stop parsing a head that breaks a rule."""


HEAD_TOO_LARGE = Refusal(
    HTTPStatus.REQUEST_HEADER_FIELDS_TOO_LARGE,
    f"The request head must not exceed {MAX_HEAD_BYTES} bytes"
    f" and {MAX_HEADER_FIELDS} header fields.",
)
TARGET_TOO_LONG = Refusal(
    HTTPStatus.REQUEST_URI_TOO_LONG,
    f"The request target must not exceed {MAX_TARGET_BYTES} bytes.",
)
MALFORMED = Refusal(HTTPStatus.BAD_REQUEST, "The request is not valid HTTP/1.1.")


class HttpProtocol(HttpToolsProtocol):
    """uvicorn's HTTP/1.1 protocol with a bounded request head and problem+json refusals."""

    refusal: Refusal | None = None
    in_body = False
    # Bytes of the head being read: as received (a head still arriving) and as parsed so far.
    head_received = 0
    head_parsed = 0

    def data_received(self, data: bytes) -> None:
        if self.refusal:  # answered; the connection is closing
            return
        if not self.in_body:
            self.head_received += len(data)
        super().data_received(data)
        if not self.in_body and self.head_received > MAX_HEAD_BYTES and not self.refusal:
            self.refuse(HEAD_TOO_LARGE)

    def on_url(self, url: bytes) -> None:
        super().on_url(url)
        if len(self.url) > MAX_TARGET_BYTES:
            self.fail(TARGET_TOO_LONG)

    def on_header(self, name: bytes, value: bytes) -> None:
        super().on_header(name, value)
        self.head_parsed += len(name) + len(value)
        too_large = len(self.url) + self.head_parsed > MAX_HEAD_BYTES
        if too_large or len(self.headers) > MAX_HEADER_FIELDS:
            self.fail(HEAD_TOO_LARGE)

    def on_headers_complete(self) -> None:
        self.in_body = True
        self.head_received = self.head_parsed = 0
        super().on_headers_complete()
        if DRAINING.is_set() and self.cycle is not None:
            self.cycle.keep_alive = False  # the response says `Connection: close`

    def on_message_complete(self) -> None:
        self.in_body = False
        super().on_message_complete()

    def fail(self, refusal: Refusal) -> None:
        """Stop the parser: uvicorn then calls `send_400_response`, which answers `refusal`."""
        self.refusal = refusal
        raise HeadRefused(refusal.detail)

    def send_400_response(self, msg: str) -> None:
        """Every request uvicorn cannot parse, and every head over a limit, ends here."""
        self.refuse(self.refusal or MALFORMED)

    def refuse(self, refusal: Refusal) -> None:
        self.refusal = refusal
        headers = dict(self.headers or ())
        rid = request_id(headers.get(b"x-request-id", b"").decode("latin-1") or None)
        body = problems.problem(
            refusal.status, detail=refusal.detail, instance=self.path_read(), request_id=rid
        )
        content = json_bytes(body)
        fields = {
            "Content-Type": problems.PROBLEM_JSON,
            "Content-Length": str(len(content)),
            "Connection": "close",
            "X-Request-ID": rid,
            **SECURITY_HEADERS,
        }
        lines = [f"HTTP/1.1 {refusal.status.value} {refusal.status.phrase}".encode()]
        lines += [name + b": " + value for name, value in self.server_state.default_headers]
        lines += [f"{name}: {value}".encode("latin-1") for name, value in fields.items()]
        self.transport.write(b"\r\n".join([*lines, b"", content]))
        self.transport.close()

    def path_read(self) -> str:
        """The request path when the whole request target was read, else empty."""
        target = getattr(self, "url", b"").decode("latin-1")
        if self.refusal is TARGET_TOO_LONG or not target.startswith("/"):
            return ""
        return target.split("?", 1)[0]


class DrainingServer(Server):
    """uvicorn's server, which drains for `drain_seconds` when told to stop by SIGTERM."""

    def __init__(self, config: Config, drain_seconds: float) -> None:
        super().__init__(config)
        self.drain_seconds = drain_seconds

    def handle_exit(self, sig: int, frame: FrameType | None) -> None:
        if sig != signal.SIGTERM or not self.drain_seconds or DRAINING.is_set():
            super().handle_exit(sig, frame)
            return
        DRAINING.set()
        stop = threading.Timer(self.drain_seconds, super().handle_exit, (sig, frame))
        stop.daemon = True
        stop.start()


class Worker(UvicornWorker):  # type: ignore[misc]  # UvicornWorker is untyped
    """gunicorn's worker for the service: uvicorn with the protocol and the drain above."""

    CONFIG_KWARGS: ClassVar[dict[str, object]] = {"loop": "auto", "http": HttpProtocol}

    async def _serve(self) -> None:
        """UvicornWorker's, with the draining server."""
        self.config.app = self.wsgi
        server = DrainingServer(self.config, load_settings().shutdown_drain_seconds)
        self._install_sigquit_handler()
        await server.serve(sockets=self.sockets)
        if not server.started:
            sys.exit(Arbiter.WORKER_BOOT_ERROR)
