"""The tests and the client `fledge add resource` writes are laid out as the project's ruff
wants them, whatever the resource's name and fields: imports sorted as its isort sorts them
(`Device` before `NotFound`, `OrderCX` after `OrderChanges`, `A9` before `A10`), long names,
long enums, many decimals, a lone field.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from typer.testing import CliRunner

from fledge.cli import app
from tests.helpers import git

pytestmark = pytest.mark.slow

RESOURCES = (
    # `Device...` sorts between `Client` and `NotFound` in the client tests' imports.
    ("devices", "title:str:unique", "serial:uuid:unique", "user_id:ref=users", "--owned"),
    # One field: a one-element tuple.
    ("tags", "title:str"),
    # The longest name, enums whose types sort by case and by number, a long enum, decimals.
    (
        "warehouse_stock_movements",
        "sku:str:unique:max=40",
        "c_x:enum=a,b",
        "line9:enum=a,b",
        "line10:enum=a,b:optional",
        "reason:enum=count,damage,refund,shrinkage,theft,transfer_in,transfer_out,cycle_count",
        "weight_in_kilograms:decimal:places=3",
        "total_with_taxes:decimal:min=0",
        "discount_amount:decimal:optional",
        "order_id:ref=devices:optional",
    ),
)


def fledge(*args: str | Path) -> None:
    result = CliRunner().invoke(app, [str(arg) for arg in args])
    assert result.exit_code == 0, result.output


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    dest = tmp_path_factory.mktemp("layout") / "shop"
    fledge("new", dest, "--defaults", "--framework", "fastapi")
    for name, *specs in RESOURCES:
        fledge("add", "resource", name, *specs, "--path", dest)
        git(dest, "add", "--all")
        git(dest, "commit", "--quiet", "--message", f"Add {name}")
    return dest


@pytest.mark.parametrize(
    "command", [["ruff", "check", "--no-cache"], ["ruff", "format", "--check", "--no-cache"]]
)
def test_the_resources_tests_and_client_are_ruff_clean(project: Path, command: list[str]) -> None:
    files = [
        path
        for name, *_ in RESOURCES
        for pattern in (f"tests/**/*{name}*.py", f"clients/**/{name}/*.py")
        for path in project.glob(pattern)
    ]
    assert len(files) == 3 * 8  # per resource: 3 tests, 5 client modules
    result = subprocess.run(
        [*command, *map(str, files)], cwd=project, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr
