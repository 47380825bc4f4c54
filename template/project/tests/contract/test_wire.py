"""The exact bytes and headers on the wire, which must not tell which framework serves them."""

import re

import httpx
import pytest

from tests.contract.conftest import Account, assert_problem

REQUEST_ID = "wire-test"
UUID = rb"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
# Constant, so that every pytest-xdist worker collects the same test ids.
ANY_PRODUCT_ID = "5d0c6f0e-8a8e-4b43-9a4b-2f1d3c7e9b10"
TIMESTAMP = rb"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{6})?Z"


def placeholders(content: bytes) -> bytes:
    """The body with its ids and timestamps replaced, everything else kept byte for byte."""
    return re.sub(TIMESTAMP, b"<time>", re.sub(UUID, b"<id>", content))


def test_a_problem_is_compact_json_in_its_declared_key_order(api: httpx.Client) -> None:
    response = api.delete("/api/v1/products", headers={"X-Request-ID": REQUEST_ID})

    assert response.content == (
        b'{"type":"about:blank","title":"Method Not Allowed","status":405,'
        b'"detail":"This method is not allowed here; see the Allow header.",'
        b'"instance":"/api/v1/products","request_id":"wire-test"}'
    )


def test_an_authentication_problem_has_the_same_bytes(api: httpx.Client) -> None:
    response = api.get("/api/v1/products", headers={"X-Request-ID": REQUEST_ID})

    assert response.status_code == 401
    assert response.content == (
        b'{"type":"about:blank","title":"Unauthorized","status":401,'
        b'"detail":"Authentication required: send an access token as a Bearer token.",'
        b'"instance":"/api/v1/products","request_id":"wire-test"}'
    )
    assert "allow" not in response.headers


@pytest.mark.parametrize(
    ("price", "written"),
    [
        (10, b"10.0"),
        (10.5, b"10.5"),
        ("10.50", b"10.5"),
        (0.01, b"0.01"),
        (1234567.89, b"1234567.89"),
    ],
)
def test_a_product_is_compact_utf8_json_in_its_declared_key_order(
    authed: httpx.Client, price: object, written: bytes
) -> None:
    content = '{"name":"Café ☕","price":' + str(price) + "}"
    created = authed.post(
        "/api/v1/products", content=content, headers={"Content-Type": "application/json"}
    )
    fetched = authed.get(created.headers["location"])

    expected = (
        b'{"id":"<id>","name":"Caf\xc3\xa9 \xe2\x98\x95","description":null,"price":'
        + written
        + b',"active":true,"created_at":"<time>","updated_at":"<time>"}'
    )
    assert created.status_code == 201, created.text
    assert placeholders(created.content) == expected
    assert fetched.content == created.content


def test_a_page_and_the_current_user_are_compact_json(authed: httpx.Client) -> None:
    authed.post("/api/v1/products", json={"name": "Pot", "price": 1})

    page = authed.get("/api/v1/products", params={"limit": 1})
    me = authed.get("/api/v1/users/me")

    assert re.fullmatch(
        rb'\{"items":\[\{"id":"<id>","name":"[^"]+","description":null,"price":[0-9.]+,'
        rb'"active":true,"created_at":"<time>","updated_at":"<time>"\}\],'
        rb'"next_cursor":"[A-Za-z0-9_-]+"\}',
        placeholders(page.content),
    )
    assert re.fullmatch(
        rb'\{"id":"<id>","email":"[^"]+","created_at":"<time>"\}', placeholders(me.content)
    )


def test_the_next_link_keeps_the_query_as_sent_and_puts_the_cursor_last(
    base_url: str, authed: httpx.Client
) -> None:
    for name in ("Pot", "Pan", "Lid"):
        authed.post("/api/v1/products", json={"name": name, "price": 1})
    first = authed.get("/api/v1/products", params={"limit": 1}).json()["next_cursor"]

    # The cursor first, the limit written with a needless escape.
    second = authed.get(f"/api/v1/products?cursor={first}&l%69mit=1")
    following = second.json()["next_cursor"]

    assert second.headers["link"] == (
        f'<{base_url}/api/v1/products?l%69mit=1&cursor={following}>; rel="next"'
    )


@pytest.mark.parametrize(
    ("content_type", "content", "status"),
    [("text/plain", b"x", 415), ("application/json", b"{", 422)],
    ids=["not-json", "malformed"],
)
def test_a_refused_body_comes_after_the_rate_limit_and_authentication(
    api: httpx.Client, account: Account, content_type: str, content: bytes, status: int
) -> None:
    headers = {"Content-Type": content_type}
    anonymous = api.post("/api/v1/products", content=content, headers=headers)
    token = {"Authorization": f"Bearer {account.token}"}
    authenticated = api.post("/api/v1/products", content=content, headers={**headers, **token})

    assert_problem(anonymous, 401)
    assert_problem(authenticated, status)
    assert "ratelimit" in anonymous.headers
    assert "ratelimit" in authenticated.headers


@pytest.mark.parametrize(
    ("path", "detail"),
    [
        ("/api/v1/products", "The request body must be application/json."),
        (
            "/api/v1/auth/token",
            "Send the credentials as application/json or application/x-www-form-urlencoded.",
        ),
        (
            "/api/v1/auth/refresh",
            "Send the refresh token as application/json or application/x-www-form-urlencoded.",
        ),
    ],
)
def test_a_415_names_what_the_route_reads(authed: httpx.Client, path: str, detail: str) -> None:
    response = authed.post(path, content=b"x", headers={"Content-Type": "text/plain"})

    assert assert_problem(response, 415)["detail"] == detail


@pytest.mark.parametrize("product_id", ["not-a-uuid", ANY_PRODUCT_ID])
def test_an_unknown_product_is_a_404_that_says_so(authed: httpx.Client, product_id: str) -> None:
    response = authed.get(f"/api/v1/products/{product_id}")

    assert assert_problem(response, 404)["detail"] == "No product with this id."


def test_health_is_compact_json(api: httpx.Client) -> None:
    assert api.get("/health/live").content == b'{"status":"ok"}'


@pytest.mark.parametrize(
    ("method", "path", "allow"),
    [
        ("DELETE", "/health/live", "GET, HEAD"),
        ("DELETE", "/api/v1/products", "GET, HEAD, POST"),
        ("OPTIONS", "/api/v1/products", "GET, HEAD, POST"),
        ("POST", f"/api/v1/products/{ANY_PRODUCT_ID}", "GET, HEAD, PUT, PATCH, DELETE"),
        ("GET", "/api/v1/auth/token", "POST"),
        ("HEAD", "/api/v1/auth/token", "POST"),
    ],
)
def test_a_405_names_every_method_of_the_path_in_one_order(
    api: httpx.Client, method: str, path: str, allow: str
) -> None:
    response = api.request(method, path)

    assert response.status_code == 405
    assert response.headers["allow"] == allow


def test_only_a_405_carries_allow(authed: httpx.Client) -> None:
    assert "allow" not in authed.get("/health/live").headers
    assert "allow" not in authed.get("/api/v1/products").headers


def test_a_no_content_answer_has_no_content_type(authed: httpx.Client) -> None:
    created = authed.post("/api/v1/products", json={"name": "Pot", "price": 1})
    deleted = authed.delete(created.headers["location"])
    logged_out = authed.post("/api/v1/auth/logout", json={"refresh_token": "unknown"})

    for response in (deleted, logged_out):
        assert response.status_code == 204
        assert response.content == b""
        assert "content-type" not in response.headers


def test_head_is_get_without_a_body(authed: httpx.Client) -> None:
    created = authed.post("/api/v1/products", json={"name": "Pot", "price": 1})
    for path in ("/health/live", "/api/v1/users/me", created.headers["location"]):
        got = authed.get(path)
        head = authed.head(path)

        assert head.status_code == got.status_code == 200
        assert head.content == b""
        assert head.headers["content-type"] == got.headers["content-type"]
        assert head.headers["content-length"] == str(len(got.content))


def test_head_without_a_token_is_the_401_of_get_without_a_body(api: httpx.Client) -> None:
    response = api.head("/api/v1/products")

    assert response.status_code == 401
    assert response.content == b""
    assert response.headers["content-type"].startswith("application/problem+json")
