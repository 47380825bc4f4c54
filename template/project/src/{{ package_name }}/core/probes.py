"""Readiness: the checks of /health/ready, each answered within a deadline, even while what it
checks hangs. Every framework adapter answers /health/ready with `readiness` (or, served by
asyncio, `async_readiness`)."""

import asyncio
import contextvars
import threading
from collections.abc import Awaitable, Callable
from typing import Literal

from .errors import ServiceUnavailable

READINESS_TIMEOUT_SECONDS = 2.0
# Set in a server process told to stop (serving.py): it drains, and is no longer ready.
DRAINING = threading.Event()

Status = Literal["ok", "error"]


def readiness(
    is_migrated: Callable[[], bool], ping_redis: Callable[[], object] | None
) -> dict[str, Status]:
    """The checks of /health/ready: the database answers and its schema is migrated, and Redis
    answers when the service uses it (`ping_redis`).

    Each check must end within its deadline: pass one that can hang as a `Probe`. Any failure,
    the deadline included, means "not ready".

    Raises:
        ServiceUnavailable: a check failed, or the server is stopping; the problem lists
            every check.
    """
    _refuse_while_draining()
    try:
        migrated: bool | None = is_migrated()
    except Exception:  # any failure means "not ready"
        migrated = None
    return _ready(migrated, None if ping_redis is None else _answers(ping_redis))


async def async_readiness(
    is_migrated: Callable[[], Awaitable[bool]], ping_redis: Callable[[], Awaitable[object]] | None
) -> dict[str, Status]:
    """`readiness` for an asyncio service: each check is cancelled past its deadline."""
    _refuse_while_draining()
    try:
        async with asyncio.timeout(READINESS_TIMEOUT_SECONDS):
            migrated: bool | None = await is_migrated()
    except Exception:  # any failure, the deadline included, means "not ready"
        migrated = None
    return _ready(migrated, None if ping_redis is None else await _async_answers(ping_redis))


def _refuse_while_draining() -> None:
    if DRAINING.is_set():
        raise ServiceUnavailable("The service is shutting down.", checks={"server": "error"})


def _answers(ping: Callable[[], object]) -> bool:
    try:
        ping()
    except Exception:  # any failure means "not ready"
        return False
    return True


async def _async_answers(ping: Callable[[], Awaitable[object]]) -> bool:
    try:
        async with asyncio.timeout(READINESS_TIMEOUT_SECONDS):
            await ping()
    except Exception:  # any failure, the deadline included, means "not ready"
        return False
    return True


def _ready(migrated: bool | None, redis_answered: bool | None) -> dict[str, Status]:
    """The checks from their outcomes: `migrated` None when the database did not answer,
    `redis_answered` None when the service uses no Redis."""
    checks: dict[str, Status] = {
        "database": "error" if migrated is None else "ok",
        "migrations": "ok" if migrated else "error",
    }
    if redis_answered is not None:
        checks["redis"] = "ok" if redis_answered else "error"
    if "error" in checks.values():
        raise ServiceUnavailable("A dependency is not ready.", checks=checks)
    return checks


class Probe:
    """Runs `check` in a thread of its own and waits for it at most `timeout` seconds.

    A check still hanging from an earlier call is waited for again rather than started twice,
    so a frozen dependency holds one thread, never one per readiness request.
    """

    def __init__(self, check: Callable[[], bool], timeout: float) -> None:
        self._check = check
        self._timeout = timeout
        self._running: _Run | None = None
        self._lock = threading.Lock()

    def __call__(self) -> bool:
        """The result of the check; raises its error, or `TimeoutError` past the deadline."""
        with self._lock:
            if self._running is None or self._running.done.is_set():
                self._running = _Run(self._check)
            running = self._running
        if not running.done.wait(self._timeout):
            raise TimeoutError(f"no answer within {self._timeout:g} s")
        return running.result()


class _Run:
    """One call of a check, in a daemon thread: a check that hangs never holds up shutdown."""

    def __init__(self, check: Callable[[], bool]) -> None:
        self.done = threading.Event()
        self._outcome: bool | Exception = False
        # In the caller's context: its request id and trace reach the check's log lines and spans.
        context = contextvars.copy_context()
        threading.Thread(
            target=context.run, args=(self._run, check), name="probe", daemon=True
        ).start()

    def _run(self, check: Callable[[], bool]) -> None:
        try:
            self._outcome = check()
        except Exception as error:  # handed to the caller
            self._outcome = error
        finally:
            self.done.set()

    def result(self) -> bool:
        if isinstance(self._outcome, Exception):
            raise self._outcome
        return self._outcome
