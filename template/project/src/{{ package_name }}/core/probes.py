"""Readiness checks that answer within a deadline, even while what they check hangs."""

import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor

READINESS_TIMEOUT_SECONDS = 2.0


class Probe:
    """Runs `check` in a thread of its own and waits for it at most `timeout` seconds.

    A check still hanging from an earlier call is waited for again rather than started twice,
    so a frozen dependency holds one thread, never one per readiness request.
    """

    def __init__(self, check: Callable[[], bool], timeout: float) -> None:
        self._check = check
        self._timeout = timeout
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="probe")
        self._running: Future[bool] | None = None
        self._lock = threading.Lock()

    def __call__(self) -> bool:
        """The result of the check; raises its error, or `TimeoutError` past the deadline."""
        with self._lock:
            if self._running is None or self._running.done():
                self._running = self._executor.submit(self._check)
            running = self._running
        return running.result(self._timeout)

    def close(self) -> None:
        self._executor.shutdown(wait=False, cancel_futures=True)
