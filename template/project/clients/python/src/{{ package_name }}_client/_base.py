"""What `Client` and `AsyncClient` share: configuration, credentials and response checks,
and the one method the resources' methods call."""

from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping

import httpx

from ._wire import USER_AGENT, Call
from .errors import ApiError, ClientError, TransportError, Unauthorized, error_from_response
from .models import Token
from .retries import ALWAYS_RETRIED, Attempts, RetryPolicy

# Failures of an attempt that become a `TransportError` (httpx maps socket errors to its own
# exceptions; a custom transport may still raise plain `OSError`s).
ATTEMPT_FAILURES = (httpx.RequestError, OSError)
# How many times one call may get a new token (each refused token is replaced once).
MAX_RENEWALS = 3
# The challenge of a 401 that refuses the access token sent (RFC 6750, 3.1); a 401 without it
# refuses something else (a wrong current password), which a new token would not change.
REFUSED_TOKEN_ERROR = "invalid_token"  # noqa: S105 (an error code, not a secret)


class BaseClient:
    """Configuration and credentials of a client; the I/O lives in the subclasses."""

    def __init__(
        self,
        base_url: str,
        *,
        email: str | None,
        password: str | None,
        token: str | None,
        refresh_token: str | None,
        timeout: float | httpx.Timeout,
        retry: RetryPolicy | None,
        headers: Mapping[str, str] | None,
        clock: Callable[[], float],
        wall_clock: Callable[[], float],
    ) -> None:
        if (email is None) != (password is None):
            raise ValueError("give both email and password, or neither")
        self.base_url = base_url.rstrip("/")
        self.retry = retry if retry is not None else RetryPolicy()
        self.timeout = timeout if isinstance(timeout, httpx.Timeout) else httpx.Timeout(timeout)
        self._email = email
        self._password = password
        self._token = token
        self._refresh_token = refresh_token
        self._proven: str | None = None  # the last token the service accepted
        self._clock = clock
        self._wall_clock = wall_clock
        self._headers = {
            "User-Agent": USER_AGENT,
            "Accept": "application/json, application/problem+json",
            **(headers or {}),
        }

    def __repr__(self) -> str:
        # Never the password or the token: a repr ends up in logs and tracebacks.
        return (
            f"{type(self).__name__}(base_url={self.base_url!r}, email={self._email!r}, "
            f"authenticated={self._token is not None})"
        )

    @property
    def token(self) -> str | None:
        """The current access token, or None. It is a secret: do not log it."""
        return self._token

    @property
    def refresh_token(self) -> str | None:
        """The current refresh token, or None. Each renewal replaces it (rotation): to resume
        the session in another process, keep the latest one. It is a secret: do not log it."""
        return self._refresh_token

    @property
    def can_log_in(self) -> bool:
        """Whether the client has credentials to log in (again) by itself."""
        return self._email is not None and self._password is not None

    @property
    def can_renew(self) -> bool:
        """Whether the client can get a new access token by itself: by refreshing, or logging in."""
        return self._refresh_token is not None or self.can_log_in

    def _remember(self, email: str | None, password: str | None) -> tuple[str, str]:
        if (email is None) != (password is None):
            raise ValueError("give both email and password, or neither")
        if email is not None and password is not None:
            self._email, self._password = email, password
        if self._email is None or self._password is None:
            raise ValueError("no credentials: pass email and password")
        return self._email, self._password

    def _store(self, token: Token) -> Token:
        self._token, self._refresh_token = token.access_token, token.refresh_token
        return token

    def _forget_session(self) -> None:
        """Forget every secret: the tokens and the credentials."""
        self._token = self._refresh_token = self._proven = None
        self._email = self._password = None

    def _password_changed(self, new_password: str) -> None:
        """The service has revoked every refresh token of the account; log in with the new
        password next time."""
        self._refresh_token = None
        if self._email is not None:
            self._password = new_password

    def _require_refresh_token(self) -> str:
        if self._refresh_token is None:
            raise ValueError("no refresh token: log in first")
        return self._refresh_token

    def _refresh_failed(self, error: ClientError) -> bool:
        """After a failed refresh: forget the refresh token unless `error` proves the service
        did not spend it; whether logging in may take the refresh's place."""
        unprocessed = (isinstance(error, TransportError) and not error.maybe_processed) or (
            isinstance(error, ApiError) and error.status in ALWAYS_RETRIED
        )
        if unprocessed:
            return False
        self._refresh_token = None
        return self.can_log_in

    def _may_renew(
        self, call: Call, refused: str | None, renewals: int, refusal: Unauthorized
    ) -> bool:
        """After a 401: whether to renew the token (unless another caller did) and repeat the call.

        Only a 401 that refuses the token sent is renewed, and each refused token only once. A
        token that this call renewed and that the service refused before accepting it even once
        will not be replaced: renewing again would not help, so the `Unauthorized` is raised.
        """
        if not (call.operation.authenticated and self.can_renew) or renewals >= MAX_RENEWALS:
            return False
        challenge = refusal.headers.get("www-authenticate", "")
        if refused is not None and REFUSED_TOKEN_ERROR not in challenge:
            return False
        fresh_and_refused = refused == self._token and refused != self._proven
        return not (renewals and fresh_and_refused)

    def _attempts(self, call: Call) -> Attempts:
        return Attempts(self.retry, call, clock=self._clock)

    def _check(self, response: httpx.Response, attempts: Attempts) -> httpx.Response:
        """The response when it is a success; otherwise raise its `ApiError`."""
        if response.is_success:
            if attempts.token is not None:
                self._proven = attempts.token
            return response
        if (
            response.status_code == 404
            and attempts.call.operation.method == "DELETE"
            and attempts.repeated_after_ambiguity
        ):
            # An earlier attempt whose answer was lost did delete the row: the delete is done.
            return response
        raise error_from_response(response, now=self._wall_clock())


class Sender(ABC):
    """What the methods of a resource (`resources/*/methods.py`) need of `Client`."""

    @abstractmethod
    def _send(self, call: Call) -> httpx.Response:
        """Send a call with retries and token renewals; the response of its success."""


class AsyncSender(ABC):
    """What the methods of a resource (`resources/*/async_methods.py`) need of `AsyncClient`."""

    @abstractmethod
    async def _send(self, call: Call) -> httpx.Response:
        """Send a call with retries and token renewals; the response of its success."""
