"""The asynchronous client: the surface of `Client`, with `await` and `async for`."""

import asyncio
import time
from collections.abc import Awaitable, Callable, Mapping
from types import TracebackType
from typing import Self

import httpx
from tenacity import AsyncRetrying

from . import _wire as wire
from ._base import ATTEMPT_FAILURES, BaseClient
from .errors import ClientError, Unauthorized
from .models import Token, User
from .retries import DEFAULT_TIMEOUT, Attempts, RetryPolicy

# fledge: resource imports


class AsyncClient(
    # fledge: resource methods
    BaseClient,
):
    """A client of the API: authentication, retries, pagination and typed errors built in.

    Safe to share between tasks of one event loop. Use it as an async context manager, or
    await `aclose()`.

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
        transport: an `httpx.AsyncBaseTransport`, e.g. `httpx.MockTransport` in tests.
        sleep: how to wait between attempts (`asyncio.sleep`); inject one in tests.
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
        transport: httpx.AsyncBaseTransport | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
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
        self._login_lock = asyncio.Lock()
        self._http = httpx.AsyncClient(
            base_url=self.base_url, headers=self._headers, timeout=self.timeout, transport=transport
        )

    async def aclose(self) -> None:
        """Close the connection pool."""
        await self._http.aclose()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def register(self, email: str, password: str) -> User:
        """Create an account (`Conflict` when the email is taken). It does not log in."""
        return wire.read_user(await self._send(wire.register(email, password)))

    async def login(self, email: str | None = None, password: str | None = None) -> Token:
        """Log in, and remember the credentials to log in again when no refresh can help.

        Without arguments, logs in with the credentials given to the constructor.
        """
        credentials = self._remember(email, password)
        async with self._login_lock:
            return await self._log_in(*credentials)

    async def refresh(self) -> Token:
        """Exchange the refresh token for a new access token and a new refresh token now.

        The client does this by itself when the service refuses its access token. A refresh
        token the service refuses (expired, revoked, or already spent) is forgotten and
        `Unauthorized` is raised.
        """
        async with self._login_lock:
            refresh_token = self._require_refresh_token()
            try:
                return await self._refresh(refresh_token)
            except ClientError as error:
                self._refresh_failed(error)
                raise

    async def logout(self) -> None:
        """End the session: the service revokes the refresh token (and every token renewed
        from the same login), and the client forgets its tokens and credentials.

        The access token stays valid until it expires: the client forgets it, the service
        cannot. Logging out again, or without a session, is harmless.
        """
        async with self._login_lock:
            refresh_token = self._refresh_token
            self._forget_session()
        if refresh_token is not None:
            await self._send(wire.logout(refresh_token))

    async def me(self) -> User:
        """The logged-in user."""
        return wire.read_user(await self._send(wire.me()))

    async def change_password(self, current_password: str, new_password: str) -> None:
        """Change the password (`Unauthorized` when `current_password` is wrong).

        The service ends every session of the account, this client's too: its access token
        works until it expires, then a client with credentials logs in with the new password.
        """
        await self._send(wire.change_password(current_password, new_password))
        async with self._login_lock:
            self._password_changed(new_password)

    async def _send(self, call: wire.Call) -> httpx.Response:
        """Send a call with retries; when its token is refused, renew it and repeat the call."""
        renewals = 0
        while True:
            await self._ensure_token(call)
            attempts = self._attempts(call)
            try:
                return await self._send_with_retries(call, attempts)
            except Unauthorized as refusal:
                if not self._may_renew(call, attempts.token, renewals, refusal):
                    raise
                async with self._login_lock:
                    if self._token == attempts.token:  # no other task has replaced it meanwhile
                        await self._renew(refusal)
            renewals += 1

    async def _send_with_retries(self, call: wire.Call, attempts: Attempts) -> httpx.Response:
        retrying = AsyncRetrying(
            retry=attempts.should_retry,
            wait=attempts.wait,
            stop=attempts.stop,
            before_sleep=attempts.log,
            sleep=self._sleep,
            reraise=True,
        )
        response: httpx.Response = await retrying(self._attempt, call, attempts)
        return response

    async def _attempt(self, call: wire.Call, attempts: Attempts) -> httpx.Response:
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
            response = await self._http.send(request)
        except ATTEMPT_FAILURES as error:
            raise attempts.transport_error(error) from error
        return self._check(response, attempts)

    async def _ensure_token(self, call: wire.Call) -> None:
        if call.operation.authenticated and self._token is None and self.can_renew:
            async with self._login_lock:
                if self._token is None:
                    await self._renew(None)

    async def _renew(self, refusal: Unauthorized | None) -> None:
        """A new access token: from the refresh token, else by logging in (the caller holds
        the lock). Without either, the `refusal` of the old token is raised."""
        if self._refresh_token is not None:
            try:
                await self._refresh(self._refresh_token)
                return
            except ClientError as error:
                if not self._refresh_failed(error):
                    raise
        if self.can_log_in:
            await self._log_in(*self._remember(None, None))
        elif refusal is not None:
            raise refusal

    async def _refresh(self, refresh_token: str) -> Token:
        call = wire.refresh(refresh_token)
        response = await self._send_with_retries(call, self._attempts(call))
        return self._store(wire.read_token(response))

    async def _log_in(self, email: str, password: str) -> Token:
        call = wire.login(email, password)
        response = await self._send_with_retries(call, self._attempts(call))
        return self._store(wire.read_token(response))
