"""Token-bucket rate limiting, with buckets in process memory or shared through Redis.

A bucket holds up to `quota` tokens and refills continuously at `quota / window` tokens per
second; each request takes one token, and a request that finds less than one is refused.
The check-and-take is atomic: a lock in memory, one Lua script call in Redis.
"""

import logging
import math
import random
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Self

import redis
import redis.asyncio

from .errors import ServiceUnavailable, TooManyRequests
from .metrics import RATE_LIMIT_REJECTIONS

logger = logging.getLogger(__name__)

_RATE = re.compile(r"^\s*(\d+)\s*/\s*(\d+)\s*$")
_SCRIPT = Path(__file__).with_name("ratelimit.lua").read_text()


def redis_options(timeout_seconds: float) -> dict[str, Any]:
    """Client options for Redis on the request path: answer fast or not at all (no retries),
    and let RATE_LIMIT_FAIL_OPEN decide what an outage means."""
    return {
        "socket_connect_timeout": timeout_seconds,
        "socket_timeout": timeout_seconds,
        "retry_on_timeout": False,
        "health_check_interval": 30,
    }


class StoreUnavailableError(Exception):
    """The shared bucket store did not answer in time."""


@dataclass(frozen=True, slots=True)
class Rate:
    """`quota` requests per `window` seconds."""

    quota: int
    window: int

    @classmethod
    def parse(cls, text: str) -> Self:
        match = _RATE.match(text)
        if match is None or int(match[1]) < 1 or int(match[2]) < 1:
            raise ValueError("must be QUOTA/WINDOW_SECONDS with positive integers, such as 120/60")
        return cls(quota=int(match[1]), window=int(match[2]))

    @property
    def per_second(self) -> float:
        return self.quota / self.window


@dataclass(frozen=True, slots=True)
class Decision:
    """The outcome of one request against one bucket."""

    admitted: bool
    rate: Rate
    tokens: float

    @property
    def remaining(self) -> int:
        return math.floor(self.tokens)

    @property
    def seconds_until_token(self) -> float:
        return max(0.0, (1 - self.tokens) / self.rate.per_second)

    @property
    def seconds_until_full(self) -> float:
        return max(0.0, (self.rate.quota - self.tokens) / self.rate.per_second)


@dataclass(frozen=True, slots=True)
class Policy:
    """A named rate, advertised in draft-ietf-httpapi-ratelimit-headers-11 fields."""

    name: str
    rate: Rate

    def headers(self, decision: Decision) -> dict[str, str]:
        reset = math.ceil(decision.seconds_until_full)
        return {
            "RateLimit-Policy": f'"{self.name}";q={self.rate.quota};w={self.rate.window}',
            "RateLimit": f'"{self.name}";r={decision.remaining};t={reset}',
        }


def take(tokens: float, elapsed: float, rate: Rate) -> tuple[bool, float]:
    """Refill a bucket holding `tokens` for `elapsed` seconds, then take one token if possible."""
    tokens = min(float(rate.quota), tokens + max(0.0, elapsed) * rate.per_second)
    if tokens >= 1:
        return True, tokens - 1
    return False, tokens


def retry_after(decision: Decision) -> int:
    """Whole seconds to wait: never before a token is back, plus up to a second of jitter."""
    return math.ceil(decision.seconds_until_token + random.uniform(0.05, 1.0))  # noqa: S311


def enforce(policy: Policy, decision: Decision) -> None:
    """Refuse the request with a 429 problem when its bucket was empty."""
    if not decision.admitted:
        RATE_LIMIT_REJECTIONS.labels(policy.name).inc()
        raise TooManyRequests(
            f"Rate limit {policy.name!r} exceeded; retry later.",
            headers={"Retry-After": str(retry_after(decision))},
        )


def store_failed(error: StoreUnavailableError, *, fail_open: bool) -> None:
    """Admit the request with a warning, or refuse it with a 503, as RATE_LIMIT_FAIL_OPEN says."""
    logger.warning(
        "rate limit store unavailable, failing %s: %s", "open" if fail_open else "closed", error
    )
    if not fail_open:
        raise ServiceUnavailable("Rate limiting is temporarily unavailable; retry later.")


class MemoryStore:
    """Buckets in this process's memory: for a single instance and for development."""

    def __init__(
        self, clock: Callable[[], float] = time.monotonic, max_buckets: int = 100_000
    ) -> None:
        self._clock = clock
        self._max_buckets = max_buckets
        self._lock = threading.Lock()
        self._buckets: dict[str, tuple[float, float, int]] = {}

    def hit(self, key: str, rate: Rate) -> Decision:
        with self._lock:
            now = self._clock()
            tokens, updated, _ = self._buckets.get(key, (float(rate.quota), now, rate.window))
            admitted, tokens = take(tokens, now - updated, rate)
            self._buckets[key] = (tokens, now, rate.window)
            if len(self._buckets) > self._max_buckets:
                self._forget_full_buckets(now)
        return Decision(admitted, rate, tokens)

    def _forget_full_buckets(self, now: float) -> None:
        # A bucket untouched for a whole window has refilled: dropping it changes nothing.
        idle = [
            key for key, (_, updated, window) in self._buckets.items() if now - updated >= window
        ]
        for key in idle:
            del self._buckets[key]


class RedisStore:
    """Buckets shared by every instance through Redis (synchronous client)."""

    def __init__(self, client: redis.Redis, prefix: str) -> None:
        self._script = client.register_script(_SCRIPT)
        self._prefix = prefix

    def hit(self, key: str, rate: Rate) -> Decision:
        try:
            admitted, tokens = self._script(
                keys=[self._prefix + key], args=[rate.quota, rate.per_second]
            )
        except (redis.RedisError, OSError) as error:
            raise StoreUnavailableError(str(error)) from error
        return Decision(bool(admitted), rate, float(tokens))


class AsyncRedisStore:
    """Buckets shared by every instance through Redis (asyncio client)."""

    def __init__(self, client: redis.asyncio.Redis, prefix: str) -> None:
        self._script = client.register_script(_SCRIPT)
        self._prefix = prefix

    async def hit(self, key: str, rate: Rate) -> Decision:
        try:
            admitted, tokens = await self._script(
                keys=[self._prefix + key], args=[rate.quota, rate.per_second]
            )
        except (redis.RedisError, OSError) as error:
            raise StoreUnavailableError(str(error)) from error
        return Decision(bool(admitted), rate, float(tokens))
