import httpx
import pytest

from tests.contract.conftest import assert_problem


def test_unknown_path_is_a_404_problem(api: httpx.Client) -> None:
    assert_problem(api.get("/api/v1/nothing-here"), 404)


@pytest.mark.parametrize("path", ["/api/v1/products/", "/health/live/"])
def test_a_trailing_slash_is_another_path_not_a_redirect(authed: httpx.Client, path: str) -> None:
    response = authed.get(path)
    assert_problem(response, 404)
    assert "location" not in response.headers


def test_unknown_method_is_a_405_problem_with_allow(api: httpx.Client) -> None:
    response = api.delete("/health/live")
    assert_problem(response, 405)
    assert "GET" in response.headers["allow"]


def allowed(response: httpx.Response) -> set[str]:
    return {method.strip() for method in response.headers["allow"].split(",")}


def test_allow_names_every_method_of_a_collection(authed: httpx.Client) -> None:
    response = authed.delete("/api/v1/products")

    assert_problem(response, 405)
    assert {"GET", "POST"} <= allowed(response)


def test_allow_names_every_method_of_an_item(authed: httpx.Client) -> None:
    created = authed.post("/api/v1/products", json={"name": "Lamp", "price": 20})
    response = authed.post(created.headers["location"], json={})

    assert_problem(response, 405)
    assert {"GET", "PUT", "PATCH", "DELETE"} <= allowed(response)


def test_non_json_body_is_415(authed: httpx.Client) -> None:
    response = authed.post(
        "/api/v1/products", content=b"name=x", headers={"Content-Type": "text/plain"}
    )
    assert_problem(response, 415)


def test_body_over_one_mebibyte_is_413(authed: httpx.Client) -> None:
    huge = b'{"name": "' + b"x" * (1024 * 1024) + b'", "price": 1}'
    response = authed.post(
        "/api/v1/products", content=huge, headers={"Content-Type": "application/json"}
    )
    assert_problem(response, 413)


def test_unknown_body_field_is_422_with_a_pointer(authed: httpx.Client) -> None:
    response = authed.post("/api/v1/products", json={"name": "x", "price": 1, "colour": "red"})
    body = assert_problem(response, 422)
    assert "/colour" in [error.get("pointer") for error in body["errors"]]


def test_invalid_query_parameter_is_422_naming_it(authed: httpx.Client) -> None:
    body = assert_problem(authed.get("/api/v1/products", params={"limit": 0}), 422)
    assert [error.get("parameter") for error in body["errors"]] == ["limit"]


@pytest.mark.parametrize("content", [b"{not json", b"\xff\xfe{}"], ids=["syntax", "not-utf-8"])
def test_a_body_that_is_not_json_is_422(authed: httpx.Client, content: bytes) -> None:
    response = authed.post(
        "/api/v1/products", content=content, headers={"Content-Type": "application/json"}
    )
    assert_problem(response, 422)


def test_titles_do_not_depend_on_the_python_version(authed: httpx.Client) -> None:
    """RFC 9110's names, fixed: Python 3.13 renamed the reason phrases of 413 and 422."""
    json_headers = {"Content-Type": "application/json"}
    responses = {
        "Unprocessable Content": authed.post("/api/v1/products", json={"price": 1}),
        "Content Too Large": authed.post(
            "/api/v1/products", content=b"[" + b" " * 1024 * 1024 + b"]", headers=json_headers
        ),
        "Unsupported Media Type": authed.post(
            "/api/v1/products", content=b"x", headers={"Content-Type": "text/plain"}
        ),
        "Not Found": authed.get("/api/v1/nothing-here"),
        "Method Not Allowed": authed.delete("/api/v1/products"),
        "Unauthorized": authed.get("/api/v1/users/me", headers={"Authorization": "Bearer x"}),
    }
    for title, response in responses.items():
        assert assert_problem(response, response.status_code)["title"] == title
