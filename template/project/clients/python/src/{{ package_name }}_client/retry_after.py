"""`Retry-After` (RFC 9110, section 10.2.3): delay-seconds or an HTTP-date, as seconds to wait."""

import email.utils
import re
from datetime import UTC

_SECONDS = re.compile(r"\d+(?:\.\d+)?")


def parse_retry_after(value: str | None, *, now: float, date: str | None = None) -> float | None:
    """Seconds to wait before retrying, never negative; None when absent or unreadable.

    Args:
        value: the `Retry-After` header: delay-seconds (`"7"`) or an HTTP-date
            (`"Wed, 21 Oct 2015 07:28:00 GMT"`).
        now: the current wall-clock time, in seconds since the epoch.
        date: the response's `Date` header. An HTTP-date is compared with both clocks, ours
            and the server's, and the longer wait wins: a skewed clock on either side, or the
            date's one-second resolution, never makes the client come back early.
    """
    if value is None:
        return None
    value = value.strip()
    if _SECONDS.fullmatch(value):
        return float(value)
    when = _http_date(value)
    if when is None:
        return None
    delay = when - now
    sent = _http_date(date) if date is not None else None
    if sent is not None:
        delay = max(delay, when - sent)
    return max(0.0, delay)


def _http_date(value: str) -> float | None:
    try:
        parsed = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if parsed.tzinfo is None:  # "-0000": UTC, with no claim about the local zone
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.timestamp()
