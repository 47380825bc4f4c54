import httpx


def test_live_checks_nothing_external(api: httpx.Client) -> None:
    response = api.get("/health/live")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_ready_reports_each_dependency(api: httpx.Client) -> None:
    response = api.get("/health/ready")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["checks"]["database"] == body["checks"]["migrations"] == "ok"
    assert set(body["checks"]) <= {"database", "migrations", "redis"}
    assert all(state == "ok" for state in body["checks"].values())


def test_a_well_formed_request_id_is_echoed(api: httpx.Client) -> None:
    response = api.get("/health/live", headers={"X-Request-ID": "abc.DEF_123-x"})
    assert response.headers["x-request-id"] == "abc.DEF_123-x"


def test_a_malformed_request_id_is_replaced(api: httpx.Client) -> None:
    for bad in ["has space", "x" * 129, "semi;colon"]:
        response = api.get("/health/live", headers={"X-Request-ID": bad})
        generated = response.headers["x-request-id"]
        assert generated != bad
        assert 1 <= len(generated) <= 128


def test_every_response_has_a_request_id_and_the_security_headers(api: httpx.Client) -> None:
    for response in (api.get("/health/live"), api.get("/nowhere"), api.get("/api/v1/users/me")):
        assert response.headers["x-request-id"]
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["x-frame-options"] == "DENY"
        assert response.headers["referrer-policy"] == "same-origin"
        assert response.headers["cross-origin-opener-policy"] == "same-origin"


def test_openapi_documents_the_api_and_its_problems(api: httpx.Client) -> None:
    document = api.get("/openapi.json").json()
    assert document["openapi"].startswith("3.")
    paths = document["paths"]
    for path in ["/api/v1/auth/register", "/api/v1/auth/token", "/api/v1/users/me"]:
        assert path in paths
    assert {"get", "post"} <= paths["/api/v1/products"].keys()
    assert {"get", "put", "patch", "delete"} <= paths["/api/v1/products/{product_id}"].keys()
    not_found = paths["/api/v1/products/{product_id}"]["get"]["responses"]["404"]
    assert "application/problem+json" in not_found["content"]
    assert api.get("/docs").status_code == 200


def test_openapi_lists_503_on_every_operation_that_uses_the_database(api: httpx.Client) -> None:
    paths = api.get("/openapi.json").json()["paths"]
    operations = {
        (method, path): operation
        for path, item in paths.items()
        if path.startswith("/api/v1/")
        for method, operation in item.items()
        if isinstance(operation, dict) and "responses" in operation
    }
    assert operations
    undocumented = [where for where, op in operations.items() if "503" not in op["responses"]]
    assert undocumented == []
