"""GET /metrics, the operators' endpoint: the Prometheus text format, requests counted once by
route template, served only to METRICS_ALLOW networks, never rate limited, never counted.

The scrapes come from the test machine itself (no X-Forwarded-For): it must be in the
service's METRICS_ALLOW (loopback is, by default). The `api` clients come through a trusted
proxy from 198.18.0.0/15, which is not a private range: they may not read the metrics.
"""

import os
import uuid
from collections.abc import Iterator

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.conftest import make_settings
from tests.contract.conftest import assert_problem
from tests.support.servers import running_server

PRODUCT_ROUTE = "/api/v1/products/{product_id}"
UNMATCHED = "unmatched"
Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


@pytest.fixture
def scraper(base_url: str) -> Iterator[httpx.Client]:
    """A client on the operators' side: the test machine, with no proxy in between."""
    with httpx.Client(base_url=base_url, timeout=30) as client:
        if client.get("/metrics").status_code == 404 and os.environ.get("CONTRACT_BASE_URL"):
            pytest.skip("this machine is not in the METRICS_ALLOW of CONTRACT_BASE_URL")
        yield client


def scrape(scraper: httpx.Client) -> Samples:
    response = scraper.get("/metrics")
    assert response.status_code == 200, response.text
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(response.text)
        for sample in family.samples
    }


def total(samples: Samples, name: str, **labels: str) -> float:
    """The sum of the samples of `name` whose labels include `labels`."""
    wanted = set(labels.items())
    return sum(
        value for (sample, have), value in samples.items() if sample == name and wanted <= have
    )


def routes(samples: Samples) -> set[str]:
    return {
        value
        for (name, labels), _ in samples.items()
        if name == "http_requests_total"
        for key, value in labels
        if key == "route"
    }


def test_metrics_are_the_prometheus_text_format(scraper: httpx.Client) -> None:
    scraper.get("/health/live")
    response = scraper.get("/metrics")

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain; version=")
    assert response.headers["x-request-id"]
    assert response.headers["x-content-type-options"] == "nosniff"
    families = {
        family.name: family.type for family in text_string_to_metric_families(response.text)
    }
    assert (
        families.items()
        >= {
            "http_requests": "counter",
            "http_request_duration_seconds": "histogram",
            "rate_limit_rejections": "counter",
            "idempotent_replays": "counter",
            "db_pool_connections_in_use": "gauge",
        }.items()
    )


def test_requests_are_counted_once_by_route_template(
    scraper: httpx.Client, api: httpx.Client
) -> None:
    ids = [str(uuid.uuid4()) for _ in range(3)]
    before = scrape(scraper)
    statuses = {api.get(f"/api/v1/products/{product_id}").status_code for product_id in ids}
    after = scrape(scraper)

    (status,) = statuses
    labels = {"method": "GET", "route": PRODUCT_ROUTE, "status": str(status)}
    assert total(after, "http_requests_total", **labels) - total(
        before, "http_requests_total", **labels
    ) == len(ids)
    assert total(after, "http_request_duration_seconds_count", **labels) - total(
        before, "http_request_duration_seconds_count", **labels
    ) == len(ids)
    assert not any(product_id in route for route in routes(after) for product_id in ids)


def test_a_path_no_route_matches_is_counted_as_unmatched(
    scraper: httpx.Client, api: httpx.Client
) -> None:
    probe = f"/no-such-page-{uuid.uuid4().hex}"
    labels = {"method": "GET", "route": UNMATCHED, "status": "404"}
    before = total(scrape(scraper), "http_requests_total", **labels)
    assert api.get(probe).status_code == api.get(f"{probe}/again").status_code == 404
    after = scrape(scraper)

    assert total(after, "http_requests_total", **labels) - before == 2
    assert not any(probe in route for route in routes(after))


def test_a_refusal_by_a_rate_limit_is_counted_by_policy(
    scraper: httpx.Client, api: httpx.Client
) -> None:
    credentials = {"email": "nobody@example.com", "password": "not the password"}
    before = scrape(scraper)
    statuses = [api.post("/api/v1/auth/token", json=credentials).status_code]
    while statuses[-1] != 429 and len(statuses) < 100:
        statuses.append(api.post("/api/v1/auth/token", json=credentials).status_code)
    after = scrape(scraper)

    assert statuses[-1] == 429
    for name, labels in [
        ("rate_limit_rejections_total", {"policy": "auth"}),
        ("http_requests_total", {"route": "/api/v1/auth/token", "status": "429"}),
    ]:
        assert total(after, name, **labels) - total(before, name, **labels) == 1


def test_an_idempotent_replay_is_counted(scraper: httpx.Client, authed: httpx.Client) -> None:
    headers = {"Idempotency-Key": uuid.uuid4().hex}
    body = {"name": "Counted teapot", "price": 3}
    assert authed.post("/api/v1/products", json=body, headers=headers).status_code == 201
    before = total(scrape(scraper), "idempotent_replays_total")
    replay = authed.post("/api/v1/products", json=body, headers=headers)
    after = total(scrape(scraper), "idempotent_replays_total")

    assert replay.headers["idempotent-replayed"] == "true"
    assert after - before == 1


def test_scrapes_are_neither_counted_nor_rate_limited(
    scraper: httpx.Client, authed: httpx.Client
) -> None:
    policy = authed.get("/api/v1/users/me").headers["ratelimit-policy"]
    quota = int(policy.split(";q=")[1].split(";")[0])
    before = scrape(scraper)
    responses = [scraper.get("/metrics") for _ in range(quota + 5)]
    after = scrape(scraper)

    assert {response.status_code for response in responses} == {200}
    assert not [response for response in responses if "ratelimit" in response.headers]
    # Other servers of this process share the registry: a stray request may be counted, never
    # one per scrape, under any route.
    growth = total(after, "http_requests_total") - total(before, "http_requests_total")
    assert growth < len(responses)
    unmatched = {"method": "GET", "route": UNMATCHED, "status": "200"}
    assert total(after, "http_requests_total", **unmatched) == total(
        before, "http_requests_total", **unmatched
    )
    assert not any("metrics" in route for route in routes(after))


def test_a_client_outside_metrics_allow_gets_the_404_of_an_unknown_path(
    api: httpx.Client,
) -> None:
    refused = api.get("/metrics")
    unknown = api.get("/metrics-nothing-here")

    refusal = assert_problem(refused, 404)
    not_found = assert_problem(unknown, 404)
    for own in ("instance", "request_id"):
        del refusal[own], not_found[own]
    assert refusal == not_found
    assert refused.headers["content-type"] == unknown.headers["content-type"]


def test_metrics_are_not_in_the_openapi_document(api: httpx.Client) -> None:
    assert "/metrics" not in api.get("/openapi.json").json()["paths"]


def test_metrics_enabled_false_serves_nothing_and_records_nothing(
    migrated_database: str, scraper: httpx.Client
) -> None:
    if os.environ.get("CONTRACT_BASE_URL"):
        pytest.skip("needs a server started with METRICS_ENABLED=false, not CONTRACT_BASE_URL")
    probe = f"/unmetered-{uuid.uuid4().hex}"
    labels = {"method": "GET", "route": UNMATCHED, "status": "404"}
    before = total(scrape(scraper), "http_requests_total", **labels)
    settings = make_settings(migrated_database, metrics_enabled=False)
    with running_server(settings) as url, httpx.Client(base_url=url, timeout=30) as client:
        assert_problem(client.get("/metrics"), 404)
        assert client.get(probe).status_code == 404
    # Servers of one process share the registry: the other server shows what this one recorded.
    assert total(scrape(scraper), "http_requests_total", **labels) == before
