"""Readiness checks that answer within a deadline, even while what they check hangs."""

import threading
from collections.abc import Callable

READINESS_TIMEOUT_SECONDS = 2.0


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
        threading.Thread(target=self._run, args=(check,), name="probe", daemon=True).start()

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
