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
from .errors import ClientError, Unauthorized
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
            token, and again when the service refuses a token that no refresh can replace.
        token: an access token to start with.
        refresh_token: a refresh token to start with (a session kept from an earlier client):
            the client refreshes with it when it needs an access token. Without credentials,
            a refused token that no refresh replaces raises `Unauthorized`.
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
        refresh_token: str | None = None,
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
            refresh_token=refresh_token,
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
        """Log in, and remember the credentials to log in again when no refresh can help.

        Without arguments, logs in with the credentials given to the constructor.
        """
        credentials = self._remember(email, password)
        with self._login_lock:
            return self._log_in(*credentials)

    def refresh(self) -> Token:
        """Exchange the refresh token for a new access token and a new refresh token now.

        The client does this by itself when the service refuses its access token. A refresh
        token the service refuses (expired, revoked, or already spent) is forgotten and
        `Unauthorized` is raised.
        """
        with self._login_lock:
            refresh_token = self._require_refresh_token()
            try:
                return self._refresh(refresh_token)
            except ClientError as error:
                self._refresh_failed(error)
                raise

    def logout(self) -> None:
        """End the session: the service revokes the refresh token (and every token renewed
        from the same login), and the client forgets its tokens and credentials.

        The access token stays valid until it expires: the client forgets it, the service
        cannot. Logging out again, or without a session, is harmless.
        """
        with self._login_lock:
            refresh_token = self._refresh_token
            self._forget_session()
        if refresh_token is not None:
            self._send(wire.logout(refresh_token))

    def me(self) -> User:
        """The logged-in user."""
        return wire.read_user(self._send(wire.me()))

    def change_password(self, current_password: str, new_password: str) -> None:
        """Change the password (`Unauthorized` when `current_password` is wrong).

        The service ends every session of the account, this client's too: its access token
        works until it expires, then a client with credentials logs in with the new password.
        """
        self._send(wire.change_password(current_password, new_password))
        with self._login_lock:
            self._password_changed(new_password)

    def _send(self, call: wire.Call) -> httpx.Response:
        """Send a call with retries; when its token is refused, renew it and repeat the call."""
        renewals = 0
        while True:
            self._ensure_token(call)
            attempts = self._attempts(call)
            try:
                return self._send_with_retries(call, attempts)
            except Unauthorized as refusal:
                if not self._may_renew(call, attempts.token, renewals, refusal):
                    raise
                with self._login_lock:
                    if self._token == attempts.token:  # no other thread has replaced it meanwhile
                        self._renew(refusal)
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
        if call.operation.authenticated and self._token is None and self.can_renew:
            with self._login_lock:
                if self._token is None:
                    self._renew(None)

    def _renew(self, refusal: Unauthorized | None) -> None:
        """A new access token: from the refresh token, else by logging in (the caller holds
        the lock). Without either, the `refusal` of the old token is raised."""
        if self._refresh_token is not None:
            try:
                self._refresh(self._refresh_token)
                return
            except ClientError as error:
                if not self._refresh_failed(error):
                    raise
        if self.can_log_in:
            self._log_in(*self._remember(None, None))
        elif refusal is not None:
            raise refusal

    def _refresh(self, refresh_token: str) -> Token:
        call = wire.refresh(refresh_token)
        return self._store(wire.read_token(self._send_with_retries(call, self._attempts(call))))

    def _log_in(self, email: str, password: str) -> Token:
        call = wire.login(email, password)
        return self._store(wire.read_token(self._send_with_retries(call, self._attempts(call))))
