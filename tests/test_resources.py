"""`fledge add resource` end to end, for each framework: `fledge new`, two resources added (one
with references and every type, one `--owned`), the project's own `make check`, its migrations
applied to a fresh PostgreSQL database, the service served and the new endpoints exercised over
HTTP; and a project with resources updated from an older template version, edits kept.

PostgreSQL and Redis on 127.0.0.1 are used when they answer (as in test_generated_project.py).
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from fledge.cli import app
from tests.helpers import copy_template, git
from tests.test_generated_project import (
    POSTGRES,
    REDIS,
    TEST_SERVICES,
    answers,
    assert_ok,
    run,
)

pytestmark = pytest.mark.slow

FRAMEWORKS = ("fastapi", "flask", "drf")
# Owned rows: another user's tag is a 404, and a reference to it does not exist.
TAGS = ("name:str:unique:max=40", "colour:enum=red,green,blue:default=red")
# A reference to each kind of row, and every type.
ORDERS = (
    "product_id:ref=products",
    "tag_id:ref=tags:optional",
    "buyer_id:ref=users:optional",
    "code:str:unique:max=20",
    "note:text:optional:max=500",
    "quantity:int:min=1:max=1000",
    "total:decimal:min=0:places=2",
    "paid:bool:default=false",
    "placed_on:date",
    "shipped_at:datetime:optional",
    "tracking:uuid:optional",
    "contact:email",
    "status:enum=open,paid,shipped:default=open",
)
# The field the tags gain when `fledge add resource tags` runs again.
WEIGHT = "weight:decimal:optional:places=3"
EDIT = "# Our own edit, kept by updates.\n"
RELEASE_LINE = "# Changed in v0.2.0.\n"


def fledge(*args: str | Path) -> None:
    result = CliRunner().invoke(app, [str(arg) for arg in args])
    assert result.exit_code == 0, result.output


def make(project: Path, *targets: str, **env: str) -> None:
    assert_ok(run(project, "make", *targets, **env))


def new_project(dest: Path, framework: str, *options: str) -> Path:
    fledge("new", dest, "--defaults", "--framework", framework, *options)
    return dest


def add_resources(project: Path) -> None:
    fledge("add", "resource", "tags", *TAGS, "--owned", "--path", project)
    git(project, "add", "--all")
    git(project, "commit", "--quiet", "--message", "Add tags")
    fledge("add", "resource", "orders", *ORDERS, "--path", project)
    git(project, "add", "--all")
    git(project, "commit", "--quiet", "--message", "Add orders")
    unchanged = CliRunner().invoke(
        app, ["add", "resource", "orders", *ORDERS, "--path", str(project)]
    )
    assert unchanged.exit_code == 0, unchanged.output
    assert "orders is up to date" in unchanged.output
    assert git(project, "status", "--porcelain") == ""
    # A changed field list: merged into tags' files, and a migration made by the framework's tool
    # (the project's gates then check that the migrations match the models).
    fledge("add", "resource", "tags", *TAGS, WEIGHT, "--owned", "--path", project)
    changed = git(project, "status", "--porcelain", "--untracked-files=all").splitlines()
    assert any("migrations" in line and line.startswith("??") for line in changed), changed
    git(project, "add", "--all")
    git(project, "commit", "--quiet", "--message", "Tags have a weight")


@pytest.fixture(scope="module", params=FRAMEWORKS)
def project(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A new service of the framework with tags and orders added and committed."""
    framework = str(request.param)
    dest = new_project(tmp_path_factory.mktemp(framework) / f"shop-{framework}", framework)
    add_resources(dest)
    return dest


def test_the_project_with_its_resources_passes_its_own_gates(project: Path) -> None:
    services = TEST_SERVICES if answers(POSTGRES) and answers(REDIS) else {}
    make(project, "install")
    make(project, "check", **services)


# Over HTTP, on PostgreSQL


@pytest.fixture(scope="module")
def database(project: Path) -> Iterator[str]:
    """A fresh PostgreSQL database with the project's migrations applied."""
    if not answers(POSTGRES):
        pytest.skip("PostgreSQL does not answer on 127.0.0.1:5432")
    psycopg = pytest.importorskip("psycopg")
    server = f"postgresql://postgres@{POSTGRES[0]}:{POSTGRES[1]}"
    name = f"fledge_resources_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(f"{server}/postgres", autocommit=True) as connection:
        connection.execute(f"CREATE DATABASE {name}")
    url = f"{server}/{name}"
    try:
        make(project, "install")
        make(project, "migrate", DATABASE_URL=url)
        yield url
    finally:
        with psycopg.connect(f"{server}/postgres", autocommit=True) as connection:
            connection.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def service(project: Path, database: str) -> Iterator[str]:
    """`make serve` on PostgreSQL (and Redis when it answers); its base URL."""
    port = _free_port()
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("VIRTUAL_ENV", "UV_PROJECT_ENVIRONMENT", "REDIS_URL")
    }
    env.update(DATABASE_URL=database, PORT=str(port), HOST="127.0.0.1")
    if answers(REDIS):
        env["REDIS_URL"] = f"redis://{REDIS[0]}:{REDIS[1]}/11"
    server = subprocess.Popen(
        ["make", "serve"],
        cwd=project,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if call(base, "GET", "/health/ready")[0] == 200:
                    break
            except OSError:
                pass
            time.sleep(0.5)
        else:
            pytest.fail("the service did not become ready within 60 seconds")
        yield base
    finally:
        os.killpg(server.pid, 15)
        server.wait(timeout=30)


def call(
    base: str,
    method: str,
    path: str,
    body: Any = None,
    token: str | None = None,
    headers: dict[str, str] | None = None,
) -> tuple[int, Any, dict[str, str]]:
    """One request; the status, the JSON body (or None) and the headers, names lowercased."""
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(f"{base}{path}", data=data, method=method)  # noqa: S310
    if data is not None:
        request.add_header("Content-Type", "application/json")
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    for key, value in (headers or {}).items():
        request.add_header(key, value)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
            raw = response.read()
            status, got = response.status, response.headers
    except urllib.error.HTTPError as error:
        raw, status, got = error.read(), error.code, error.headers
    lowered = {key.lower(): value for key, value in got.items()}
    return status, json.loads(raw) if raw else None, lowered


def user(base: str) -> tuple[str, str]:
    """A new user's id and access token."""
    email = f"u{uuid.uuid4().hex[:10]}@example.com"
    credentials = {"email": email, "password": "correct horse battery"}
    status, body, _ = call(base, "POST", "/api/v1/auth/register", credentials)
    assert status == 201, body
    status, token, _ = call(base, "POST", "/api/v1/auth/token", credentials)
    assert status == 200, token
    return str(body["id"]), str(token["access_token"])


def pointers(body: Any) -> set[str]:
    return {str(error.get("pointer")) for error in body.get("errors", [])}


def test_new_resources_are_served_as_the_contract_says(service: str) -> None:
    me, token = user(service)
    _, other = user(service)
    run_id = uuid.uuid4().hex[:8]  # unique values stay unique when the test runs again
    status, product, _ = call(
        service, "POST", "/api/v1/products", {"name": "Pen", "price": 1.5}, token
    )
    assert status == 201, product
    status, tag, _ = call(service, "POST", "/api/v1/tags", {"name": f"urgent-{run_id}"}, token)
    assert status == 201, tag
    assert (tag["colour"], tag["owner_id"]) == ("red", me)
    status, foreign_tag, _ = call(
        service, "POST", "/api/v1/tags", {"name": f"theirs-{run_id}"}, other
    )
    assert status == 201, foreign_tag
    # Owned: another user's tag does not exist for me.
    assert call(service, "GET", f"/api/v1/tags/{foreign_tag['id']}", token=token)[0] == 404
    status, page, _ = call(service, "GET", "/api/v1/tags", token=token)
    assert [row["id"] for row in page["items"]] == [tag["id"]]

    order = {
        "product_id": product["id"],
        "tag_id": tag["id"],
        "buyer_id": me,
        "code": f"A-1-{run_id}",
        "quantity": 2,
        "total": 3.0,
        "placed_on": "2026-01-31",
        "shipped_at": "2026-02-01T10:30:00+01:00",
        "tracking": str(uuid.uuid4()).upper(),
        "contact": "Buyer@Example.com",
    }
    key = {"Idempotency-Key": f'"{uuid.uuid4()}"'}
    status, created, head = call(service, "POST", "/api/v1/orders", order, token, key)
    assert status == 201, created
    assert head["location"].endswith(f"/api/v1/orders/{created['id']}")
    assert (created["status"], created["paid"], created["note"]) == ("open", False, None)
    assert created["shipped_at"] == "2026-02-01T09:30:00Z"
    assert created["tracking"] == order["tracking"].lower()
    assert created["total"] == 3
    # Idempotent create: the same key and body replay the first response.
    status, replayed, head = call(service, "POST", "/api/v1/orders", order, token, key)
    assert (status, replayed["id"], head.get("idempotent-replayed")) == (
        201,
        created["id"],
        "true",
    )

    # Validation: one error per broken rule, at its JSON pointer.
    bad = {
        **order,
        "code": f"A-2-{run_id}",
        "quantity": 0,
        "total": 1.234,
        "placed_on": "2026-02-30",
    }
    bad.pop("contact")
    status, problem, _ = call(service, "POST", "/api/v1/orders", bad, token)
    assert status == 422, problem
    assert {"/quantity", "/total", "/placed_on", "/contact"} <= pointers(problem)
    # References: a missing row, and another user's owned row, are 422 at their pointer.
    missing = {**order, "code": f"A-3-{run_id}", "product_id": str(uuid.uuid4())}
    status, problem, _ = call(service, "POST", "/api/v1/orders", missing, token)
    assert (status, pointers(problem)) == (422, {"/product_id"})
    theirs = {**order, "code": f"A-4-{run_id}", "tag_id": foreign_tag["id"]}
    status, problem, _ = call(service, "POST", "/api/v1/orders", theirs, token)
    assert (status, pointers(problem)) == (422, {"/tag_id"})
    # Unique: a second row with the same code is a 409.
    assert call(service, "POST", "/api/v1/orders", order, token)[0] == 409

    # Read, filter, change, delete.
    path = f"/api/v1/orders/{created['id']}"
    assert call(service, "GET", path, token=token)[1]["code"] == f"A-1-{run_id}"
    assert call(service, "GET", "/api/v1/orders/not-an-id", token=token)[0] == 404
    status, page, _ = call(service, "GET", "/api/v1/orders?status=open&limit=1", token=token)
    assert (status, [row["id"] for row in page["items"]]) == (200, [created["id"]])
    assert call(service, "GET", "/api/v1/orders?status=shipped", token=token)[1]["items"] == []
    status, patched, _ = call(service, "PATCH", path, {"status": "paid", "paid": True}, token)
    assert (status, patched["status"], patched["paid"]) == (200, "paid", True)
    replacement = {**order, "quantity": 5}
    status, replaced, _ = call(service, "PUT", path, replacement, token)
    assert (status, replaced["quantity"]) == (200, 5)
    # A referenced product cannot be deleted; the order can, then the product.
    assert call(service, "DELETE", f"/api/v1/products/{product['id']}", token=token)[0] == 409
    assert call(service, "DELETE", path, token=token)[0] == 204
    assert call(service, "GET", path, token=token)[0] == 404
    assert call(service, "DELETE", f"/api/v1/products/{product['id']}", token=token)[0] == 204
    # Auth is required.
    assert call(service, "GET", "/api/v1/orders")[0] == 401


# Updates


def _release(repo: Path) -> list[Path]:
    """v0.2.0 of the template: every Python file of a resource (migrations aside) ends with
    RELEASE_LINE."""
    changed = [
        path
        for path in (repo / "template" / "resource").rglob("*.py.jinja")
        if "migrations" not in path.parts
    ]
    for path in changed:
        path.write_text(path.read_text() + RELEASE_LINE)
    return changed


@pytest.mark.parametrize("framework", FRAMEWORKS)
def test_update_from_an_older_version_keeps_resources_and_edits(
    framework: str, tmp_path: Path
) -> None:
    repo = copy_template(tmp_path / "template")
    git(repo, "init", "--quiet", "--initial-branch=main")
    git(repo, "add", "--all")
    git(repo, "commit", "--quiet", "--message", "v0.1.0")
    git(repo, "tag", "v0.1.0")
    assert _release(repo), "the resource template has no Python files"
    git(repo, "add", "--all")
    git(repo, "commit", "--quiet", "--message", "v0.2.0")
    git(repo, "tag", "v0.2.0")

    project = new_project(
        tmp_path / f"shop-{framework}",
        framework,
        *("--template", str(repo), "--vcs-ref", "v0.1.0"),
    )
    add_resources(project)
    orders = sorted(
        path
        for path in project.rglob("*.py")
        if "orders" in path.as_posix() and "migrations" not in path.parts
    )
    assert orders, "orders has no Python files"
    edited = orders[0]
    edited.write_text(EDIT + edited.read_text())
    git(project, "add", "--all")
    git(project, "commit", "--quiet", "--message", "Our edit")
    head = git(project, "rev-parse", "HEAD")

    fledge("update", project, "--to", "v0.2.0")

    assert git(project, "rev-parse", "HEAD") == head
    text = edited.read_text()
    assert text.startswith(EDIT)
    assert text.endswith(RELEASE_LINE)
    for name in ("products", "tags", "orders"):
        recorded = (project / ".fledge" / "resources" / f"{name}.yml").read_text()
        assert "_commit: v0.2.0" in recorded
    assert "<<<<<<<" not in text
    shutil.rmtree(repo)
