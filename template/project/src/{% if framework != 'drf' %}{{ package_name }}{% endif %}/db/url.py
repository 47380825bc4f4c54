"""DATABASE_URL as written by people (`postgresql://...`) to the URL of the driver in use."""

from sqlalchemy.engine import URL, make_url

_DRIVERS = {
    ("postgresql", True): "postgresql+asyncpg",
    ("postgresql", False): "postgresql+psycopg",
    ("sqlite", True): "sqlite+aiosqlite",
    ("sqlite", False): "sqlite",
}


def driver_url(database_url: str, *, asynchronous: bool) -> URL:
    """Pick the driver for a plain `postgresql://`, `postgres://` or `sqlite://` URL."""
    url = make_url(database_url)
    backend = (
        "postgresql"
        if url.get_backend_name() in {"postgresql", "postgres"}
        else url.get_backend_name()
    )
    if "+" in url.drivername or (backend, asynchronous) not in _DRIVERS:
        return url
    url = url.set(drivername=_DRIVERS[backend, asynchronous])
    if url.drivername == "postgresql+asyncpg" and "sslmode" in url.query:
        # asyncpg spells libpq's sslmode as ssl.
        url = url.update_query_dict({"ssl": url.query["sslmode"]}).difference_update_query(
            ["sslmode"]
        )
    return url
