"""A throw-away PostgreSQL database for the throughput benchmark, and its 10,000 products."""

from __future__ import annotations

import os
import socket
import time
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import urlsplit

import psycopg
from psycopg import sql

from benchmarks.errors import BenchmarkError

# Distinct timestamps one second apart, so the newest-first order is the insertion order.
_SEED = """
INSERT INTO {table} (id, name, description, price, active, created_at, updated_at)
SELECT gen_random_uuid(), 'Product ' || i, 'The description of product ' || i,
       (i %% 100000) / 100.0, i %% 7 <> 0,
       now() - i * interval '1 second', now() - i * interval '1 second'
FROM generate_series(1, %(count)s) AS i
"""


def server_version(admin_url: str) -> str:
    """PostgreSQL's version, or a BenchmarkError saying it does not answer."""
    try:
        with psycopg.connect(admin_url, connect_timeout=5) as connection:
            row = connection.execute("SHOW server_version").fetchone()
    except psycopg.Error as error:
        raise BenchmarkError(
            f"PostgreSQL does not answer at {admin_url} ({_first_line(error)}): start it, "
            "or pass --postgres-url with a user allowed to create databases."
        ) from error
    return str(row[0]) if row else "unknown"


def free_connections(admin_url: str) -> int:
    """How many more connections PostgreSQL accepts now (superuser slots aside): none when it
    refuses this one."""
    try:
        with psycopg.connect(admin_url, connect_timeout=5) as connection:
            row = connection.execute(
                "SELECT current_setting('max_connections')::int"
                " - current_setting('superuser_reserved_connections')::int"
                " - (SELECT count(*) FROM pg_stat_activity)"
            ).fetchone()
    except psycopg.OperationalError:
        return 0
    return int(row[0]) if row else 0


def wait_for_connections(admin_url: str, needed: int, timeout_seconds: float) -> str | None:
    """Wait until PostgreSQL has `needed` free connections; a note when it never did: other
    programs on a shared server can hold them, and the servers would then answer 503."""
    deadline = time.monotonic() + timeout_seconds
    free = free_connections(admin_url)
    if free < needed:
        print(f"Waiting for PostgreSQL: {free} free connections, {needed} needed...", flush=True)
    while free < needed and time.monotonic() < deadline:
        time.sleep(5)
        free = free_connections(admin_url)
    if free < needed:
        return (
            f"PostgreSQL had {free} free connections, not the {needed} the servers may open "
            f"(other programs held the rest after {timeout_seconds:.0f} s of waiting)."
        )
    return None


@contextmanager
def scratch_database(admin_url: str, suffix: str) -> Iterator[str]:
    """Create an empty database, yield its URL, and drop it afterwards whatever happens."""
    name = f"fledge_bench_{os.getpid()}_{suffix}"
    with psycopg.connect(admin_url, autocommit=True) as connection:
        connection.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(name)))
        connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield urlsplit(admin_url)._replace(path=f"/{name}").geturl()
    finally:
        with psycopg.connect(admin_url, autocommit=True) as connection:
            drop = sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)")
            connection.execute(drop.format(sql.Identifier(name)))


def seed_products(url: str, table: str, count: int) -> None:
    """Insert `count` products in one statement (the schema comes from the service's
    migrations) and refresh the planner's statistics."""
    name = sql.Identifier(table)
    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute(sql.SQL(_SEED).format(table=name), {"count": count})
        connection.execute(sql.SQL("ANALYZE {}").format(name))
        row = connection.execute(sql.SQL("SELECT count(*) FROM {}").format(name)).fetchone()
    if not row or row[0] != count:
        raise BenchmarkError(f"seeding wrote {row[0] if row else 0} products, not {count}")


def redis_version(url: str) -> str:
    """Redis's version (one INFO call), or a BenchmarkError saying it does not answer."""
    parts = urlsplit(url)
    address = (parts.hostname or "127.0.0.1", parts.port or 6379)
    try:
        with socket.create_connection(address, timeout=5) as connection:
            connection.sendall(b"*2\r\n$4\r\nINFO\r\n$6\r\nserver\r\n")
            reply = _read_reply(connection)
    except OSError as error:
        raise BenchmarkError(
            f"Redis does not answer at {url} ({error}): start it, or pass --redis-url."
        ) from error
    for line in reply.splitlines():
        if line.startswith("redis_version:"):
            return line.partition(":")[2].strip()
    return "unknown"


def _read_reply(connection: socket.socket) -> str:
    data = b""
    while b"\r\n" not in data or len(data) < _bulk_length(data):
        chunk = connection.recv(65536)
        if not chunk:
            break
        data += chunk
    return data.decode(errors="replace")


def _bulk_length(data: bytes) -> int:
    """The size of a complete RESP bulk-string reply that starts with `data`."""
    header, _, _ = data.partition(b"\r\n")
    if not header.startswith(b"$"):
        return len(data)
    return len(header) + 2 + int(header[1:]) + 2


def _first_line(error: Exception) -> str:
    return (str(error).strip().splitlines() or [type(error).__name__])[0]
