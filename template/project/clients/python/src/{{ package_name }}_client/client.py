"""The synchronous client. `AsyncClient` (in `async_client`) has the same surface."""

import threading
import time
from collections.abc import Callable, Mapping
from types import TracebackType
from typing import Self

import httpx
from tenacity import Retrying

from . import _wire as wire
from ._base import ATTEMPT_FAILURES, BaseClient
from .errors import Unauthorized
from .models import Token, User
from .retries import DEFAULT_TIMEOUT, Attempts, RetryPolicy

# fledge: resource imports


class Client(
    # fledge: resource methods
    BaseClient,
):
    """A client of the API: authentication, retries, pagination and typed errors built in.

    Safe to share between threads. Use it as a context manager, or call `close()`.

    Args:
        base_url: the service's root URL, e.g. `http://127.0.0.1:8000`.
        email, password: credentials; the client logs in with them when it first needs a
            token, and once more when the service refuses an expired token.
        token: an access token to start with (without credentials, a refused token raises
            `Unauthorized`).
        timeout: seconds, or an `httpx.Timeout`, for each attempt (on by default).
        retry: the `RetryPolicy` (attempts, total deadline, backoff).
        headers: extra headers for every request.
        transport: an `httpx.BaseTransport`, e.g. `httpx.MockTransport` in tests.
        sleep: how to wait between attempts (`time.sleep`); inject one in tests.
        clock: a monotonic clock for the deadline (`time.monotonic`).
        wall_clock: seconds since the epoch, to read `Retry-After` dates (`time.time`).
    """

    def __init__(
        self,
        base_url: str,
        *,
        email: str | None = None,
        password: str | None = None,
        token: str | None = None,
        timeout: float | httpx.Timeout = DEFAULT_TIMEOUT,
        retry: RetryPolicy | None = None,
        headers: Mapping[str, str] | None = None,
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        wall_clock: Callable[[], float] = time.time,
    ) -> None:
        super().__init__(
            base_url,
            email=email,
            password=password,
            token=token,
            timeout=timeout,
            retry=retry,
            headers=headers,
            clock=clock,
            wall_clock=wall_clock,
        )
        self._sleep = sleep
        self._login_lock = threading.Lock()
        self._http = httpx.Client(
            base_url=self.base_url, headers=self._headers, timeout=self.timeout, transport=transport
        )

    def close(self) -> None:
        """Close the connection pool."""
        self._http.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def register(self, email: str, password: str) -> User:
        """Create an account (`Conflict` when the email is taken). It does not log in."""
        return wire.read_user(self._send(wire.register(email, password)))

    def login(self, email: str | None = None, password: str | None = None) -> Token:
        """Log in, and remember the credentials to log in again when the token expires.

        Without arguments, logs in with the credentials given to the constructor.
        """
        credentials = self._remember(email, password)
        with self._login_lock:
            return self._log_in(*credentials)

    def me(self) -> User:
        """The logged-in user."""
        return wire.read_user(self._send(wire.me()))

    def _send(self, call: wire.Call) -> httpx.Response:
        """Send a call with retries; when its token is refused, log in again and repeat it."""
        renewals = 0
        while True:
            self._ensure_token(call)
            attempts = self._attempts(call)
            try:
                return self._send_with_retries(call, attempts)
            except Unauthorized:
                if not self._may_renew(call, attempts.token, renewals):
                    raise
            with self._login_lock:
                if self._token == attempts.token:  # no other thread has replaced it meanwhile
                    self._log_in(*self._remember(None, None))
            renewals += 1

    def _send_with_retries(self, call: wire.Call, attempts: Attempts) -> httpx.Response:
        retrying = Retrying(
            retry=attempts.should_retry,
            wait=attempts.wait,
            stop=attempts.stop,
            before_sleep=attempts.log,
            sleep=self._sleep,
            reraise=True,
        )
        return retrying(self._attempt, call, attempts)

    def _attempt(self, call: wire.Call, attempts: Attempts) -> httpx.Response:
        attempts.token = self._token if call.operation.authenticated else None
        request = self._http.build_request(
            call.operation.method,
            call.path,
            params=call.params,
            content=call.body,
            headers=call.headers(attempts.token),
            timeout=attempts.begin(self.timeout),
        )
        try:
            response = self._http.send(request)
        except ATTEMPT_FAILURES as error:
            raise attempts.transport_error(error) from error
        return self._check(response, attempts)

    def _ensure_token(self, call: wire.Call) -> None:
        if call.operation.authenticated and self._token is None and self.can_log_in:
            with self._login_lock:
                if self._token is None:
                    self._log_in(*self._remember(None, None))

    def _log_in(self, email: str, password: str) -> Token:
        call = wire.login(email, password)
        token = wire.read_token(self._send_with_retries(call, self._attempts(call)))
        self._token = token.access_token
        return token
