"""Prometheus metrics: what every framework records, and the text `/metrics` answers with.

Under gunicorn the workers write their values to files in PROMETHEUS_MULTIPROC_DIR (set and
emptied by gunicorn.conf.py before any worker starts), and a scrape of any worker adds up all of
them. Without that variable (`make dev`, tests in one process) the values live in this process.
"""

import os
from collections.abc import Iterable
from ipaddress import IPv4Network, IPv6Network, ip_address

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)
from prometheus_client.multiprocess import MultiProcessCollector

PATH = "/metrics"
CONTENT_TYPE = CONTENT_TYPE_LATEST
# Label of a request no route matched: raw paths would make a series per probe of a scanner.
UNMATCHED = "unmatched"
_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})

REQUESTS = Counter(
    "http_requests_total",
    "HTTP requests answered, by method, route template and status.",
    ["method", "route", "status"],
)
REQUEST_DURATION = Histogram(
    "http_request_duration_seconds",
    "Time to answer an HTTP request, by method, route template and status.",
    ["method", "route", "status"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)
RATE_LIMIT_REJECTIONS = Counter(
    "rate_limit_rejections_total",
    "Requests refused with 429 by a rate-limit policy.",
    ["policy"],
)
IDEMPOTENT_REPLAYS = Counter(
    "idempotent_replays_total",
    "Creates answered by replaying the stored response of an Idempotency-Key.",
)
DB_CONNECTIONS_IN_USE = Gauge(
    "db_pool_connections_in_use",
    "Database connections checked out of the pool, summed over live workers.",
    multiprocess_mode="livesum",
)


def observe_request(method: str, route: str, status: int, seconds: float) -> None:
    """Count one answered request; scrapes of /metrics itself are not counted."""
    if route == PATH:
        return
    labels = (method if method in _METHODS else "other", route, str(status))
    REQUESTS.labels(*labels).inc()
    REQUEST_DURATION.labels(*labels).observe(seconds)


def is_allowed(client: str, networks: Iterable[IPv4Network | IPv6Network]) -> bool:
    """Whether a client address (as core.http.client_ip resolves it) may read the metrics."""
    try:
        address = ip_address(client)
    except ValueError:
        return False
    if address.version == 6 and address.ipv4_mapped:  # ::ffff:127.0.0.1 on a dual-stack socket
        address = address.ipv4_mapped
    return any(address in network for network in networks)


def exposition() -> bytes:
    """Every metric in the Prometheus text format, summed over the workers under gunicorn."""
    if "PROMETHEUS_MULTIPROC_DIR" not in os.environ:
        return generate_latest(REGISTRY)
    registry = CollectorRegistry()
    MultiProcessCollector(registry)  # type: ignore[no-untyped-call]  # untyped in 0.26
    return generate_latest(registry)
