"""When to retry, and how long to wait: the policy, and the bookkeeping of one logical call.

The waiting and counting is tenacity's; this module gives it the decisions:

- retry on: connection failures and timeouts, 502, 503, 504 and 429;
- only when repeating is safe: idempotent methods (GET, PUT, DELETE), logins, and creates
  (every create carries an Idempotency-Key, the same on each attempt, so the service creates
  at most one row). Other calls (PATCH, registration) are retried only when the failure proves
  the request was not processed: the connection could not be made, or the answer was 429 or
  503. A dropped connection after sending, a timeout, a 502 or a 504 is ambiguous for them;
- a create whose key is still being processed by an earlier attempt (409) is retried too;
- wait: exponential backoff with full jitter, and never less than `Retry-After` says;
- stop: after `max_attempts`, or before a wait would end past the `deadline`.
"""

import logging
from collections.abc import Callable
from dataclasses import dataclass

import httpx
from tenacity import RetryCallState
from tenacity.wait import wait_random_exponential

from ._wire import Call
from .errors import ApiError, TransportError

logger = logging.getLogger(__name__)

DEFAULT_TIMEOUT = httpx.Timeout(10.0, connect=5.0)
"""Timeouts of each attempt: 5 s to connect, 10 s for each read, write and pool wait."""

ALWAYS_RETRIED = frozenset({429, 503})
"""Statuses that mean "not processed, come back later": retried for every call."""
RETRIED_IF_SAFE = frozenset({502, 504})
"""Statuses after which the request may or may not have been processed."""
# Failures that the same request would meet again: a bad URL scheme, a malformed header, an
# undecodable body, a redirect loop.
NEVER_RETRIED = (
    httpx.UnsupportedProtocol,
    httpx.LocalProtocolError,
    httpx.DecodingError,
    httpx.TooManyRedirects,
)


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """How hard a call tries.

    Attributes:
        max_attempts: attempts per call, the first included (1 turns retrying off).
        deadline: seconds from the start of a call after which no attempt starts and no
            wait ends; each attempt's timeouts are also cut to what is left of it.
        backoff_initial: the first backoff's upper bound, in seconds; it doubles each time.
        backoff_max: the largest backoff upper bound, in seconds.
    """

    max_attempts: int = 10
    deadline: float = 120.0
    backoff_initial: float = 0.5
    backoff_max: float = 30.0

    def __post_init__(self) -> None:
        if self.max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")
        if self.deadline <= 0 or self.backoff_initial < 0 or self.backoff_max < 0:
            raise ValueError("deadline must be positive and backoffs not negative")


class Attempts:
    """The retry decisions for one logical call, measured on an injectable monotonic clock."""

    def __init__(self, policy: RetryPolicy, call: Call, *, clock: Callable[[], float]) -> None:
        self.policy = policy
        self.call = call
        self.number = 0
        self.token: str | None = None  # the access token the latest attempt sent
        self.repeated_after_ambiguity = False
        self._clock = clock
        self._started = clock()
        self._backoff = wait_random_exponential(
            multiplier=policy.backoff_initial, max=policy.backoff_max
        )

    def begin(self, configured: httpx.Timeout) -> httpx.Timeout:
        """Count a new attempt; its timeouts, cut to what is left of the deadline."""
        self.number += 1
        left = max(self.policy.deadline - (self._clock() - self._started), 0.001)

        def cut(value: float | None) -> float:
            return left if value is None else min(value, left)

        return httpx.Timeout(
            connect=cut(configured.connect),
            read=cut(configured.read),
            write=cut(configured.write),
            pool=cut(configured.pool),
        )

    def transport_error(self, error: Exception) -> TransportError:
        """Our `TransportError` for an httpx (or socket) failure of the current attempt."""
        operation = self.call.operation
        return TransportError(
            f"{operation.method} {self.call.path} failed after {self.number} attempt(s): "
            f"{type(error).__name__}: {error}",
            method=operation.method,
            path=self.call.path,
            attempts=self.number,
            maybe_processed=not isinstance(
                error, httpx.ConnectError | httpx.ConnectTimeout | httpx.PoolTimeout
            ),
        )

    def should_retry(self, state: RetryCallState) -> bool:
        error = state.outcome.exception() if state.outcome is not None else None
        safe = self.call.operation.safe_to_repeat
        if isinstance(error, TransportError):
            if isinstance(error.__cause__, NEVER_RETRIED):
                return False
            if error.maybe_processed:
                self.repeated_after_ambiguity |= safe
                return safe
            return True
        if isinstance(error, ApiError):
            if error.status in ALWAYS_RETRIED:
                return True
            if error.status in RETRIED_IF_SAFE:
                self.repeated_after_ambiguity |= safe
                return safe
            # A create whose Idempotency-Key an earlier attempt still holds: wait for it.
            return error.status == 409 and self.call.idempotency_key is not None
        return False

    def wait(self, state: RetryCallState) -> float:
        """Full-jitter exponential backoff, raised to `Retry-After` when the service sent one."""
        backoff = self._backoff(state)
        error = state.outcome.exception() if state.outcome is not None else None
        if isinstance(error, ApiError) and error.retry_after is not None:
            return max(backoff, error.retry_after)
        return backoff

    def stop(self, state: RetryCallState) -> bool:
        if state.attempt_number >= self.policy.max_attempts:
            return True
        waited_until = self._clock() - self._started + state.upcoming_sleep
        return waited_until > self.policy.deadline

    def log(self, state: RetryCallState) -> None:
        """Log each retry: the call and what went wrong; never a header or a body."""
        error = state.outcome.exception() if state.outcome is not None else None
        if isinstance(error, ApiError):
            reason = f"{error.status} {error.title}"
        else:
            reason = type(error.__cause__ or error).__name__ if error is not None else "?"
        logger.warning(
            "retrying %s %s in %.2f s after %s (attempt %d of %d)",
            self.call.operation.method,
            self.call.path,
            state.upcoming_sleep,
            reason,
            state.attempt_number + 1,
            self.policy.max_attempts,
        )
