"""/docs works offline: the page and every asset it loads come from the service itself; the
document and the redirect are served alike by every variant."""

import json
import re

import httpx
import pytest

REFERENCE = re.compile(r"""(?:src|href)=["']([^"']+)["']""")
CONTENT_TYPES = {
    ".css": {"text/css"},
    ".js": {"text/javascript", "application/javascript"},
    ".png": {"image/png"},
    ".svg": {"image/svg+xml"},
}


@pytest.fixture(scope="module")
def page(base_url: str) -> str:
    response = httpx.get(f"{base_url}/docs", timeout=30)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].split(";")[0] == "text/html"
    return response.text


def test_the_page_loads_nothing_from_another_host(page: str) -> None:
    assert "://" not in page
    references = REFERENCE.findall(page)
    assert references
    for reference in references:
        assert reference.startswith("/"), reference
        assert not reference.startswith("//"), reference


def test_every_asset_of_the_page_is_served_with_its_type(base_url: str, page: str) -> None:
    references = REFERENCE.findall(page)
    assert any(reference.endswith("/swagger-ui-bundle.js") for reference in references)
    assert any(reference.endswith("/swagger-ui.css") for reference in references)
    for reference in references:
        response = httpx.get(f"{base_url}{reference}", timeout=30)
        assert response.status_code == 200, reference
        extension = reference[reference.rindex(".") :]
        content_type = response.headers["content-type"].split(";")[0]
        assert content_type in CONTENT_TYPES[extension], reference
        assert response.content


def test_docs_with_a_trailing_slash_redirects_to_docs(base_url: str) -> None:
    response = httpx.get(f"{base_url}/docs/", timeout=30)
    assert response.status_code == 301
    assert response.headers["location"] == "/docs"
    assert response.content == b""
    assert "content-type" not in response.headers


def test_the_document_is_compact_json_like_every_response(base_url: str) -> None:
    response = httpx.get(f"{base_url}/openapi.json", timeout=30)

    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    compact = json.dumps(response.json(), separators=(",", ":"), ensure_ascii=False)
    assert response.content == compact.encode()
    assert "content-disposition" not in response.headers
    assert "vary" not in response.headers
