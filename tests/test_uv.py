"""Which uv fledge runs in generated projects."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import jinja2
import pytest

from fledge import uv
from tests.helpers import REPO_ROOT


def executable_file(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    path.chmod(0o755)
    return path


@pytest.fixture
def pyenv_shim(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """uv on PATH only as a pyenv shim, installed in Python 3.11.7 (`pip install uv`)."""
    real = executable_file(tmp_path / "versions" / "3.11.7" / "bin" / "uv", "#!/bin/sh\n")
    executable_file(tmp_path / "shims" / "uv", "#!/bin/sh\nexit 127\n")
    # As in a project whose `.python-version` pins a Python without uv: `pyenv which uv` fails,
    # `pyenv whence --path uv` lists the versions that have it.
    executable_file(
        tmp_path / "bin" / "pyenv",
        f'#!/bin/sh\n[ "$*" = "whence --path uv" ] && echo {real} && exit 0\nexit 127\n',
    )
    monkeypatch.setenv("PATH", f"{tmp_path / 'shims'}{os.pathsep}{tmp_path / 'bin'}")
    monkeypatch.delenv("UV", raising=False)
    uv._past_pyenv_shim.cache_clear()
    yield real
    uv._past_pyenv_shim.cache_clear()


def test_a_pyenv_shim_is_replaced_by_the_uv_it_runs(pyenv_shim: Path) -> None:
    """In a project whose `.python-version` has no uv, the shim itself would fail."""
    assert uv.executable() == str(pyenv_shim)
    assert uv.project_env()["UV"] == str(pyenv_shim)  # the generated Makefile runs $(UV)


def test_the_uv_running_fledge_comes_first(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    running = executable_file(tmp_path / "uv", "#!/bin/sh\n")
    monkeypatch.setenv("UV", str(running))

    assert uv.executable() == str(running)


MAKE = shutil.which("make") or "make"
# Where make finds sh, grep and head once a test has narrowed PATH.
SYSTEM_PATH = os.pathsep.join(("/usr/bin", "/bin"))


def make_dry_run(project: Path, target: str, env: dict[str, str]) -> str:
    env = {**env, "PATH": f"{env['PATH']}{os.pathsep}{SYSTEM_PATH}"}
    return subprocess.run(
        [MAKE, "--dry-run", target], cwd=project, env=env, capture_output=True, text=True
    ).stdout


@pytest.fixture
def makefile(tmp_path: Path) -> Path:
    """The generated Makefile of a project (its .python-version pins a Python without uv)."""
    project = tmp_path / "svc"
    project.mkdir()
    text = (REPO_ROOT / "template" / "project" / "Makefile.jinja").read_text()
    rendered = jinja2.Template(text).render(package_name="svc", framework="fastapi")
    (project / "Makefile").write_text(rendered)
    return project


def test_the_generated_makefile_runs_the_uv_behind_a_pyenv_shim(
    pyenv_shim: Path, makefile: Path
) -> None:
    """`make install` by hand, without PYENV_VERSION: the shim alone would fail."""
    env = {key: value for key, value in os.environ.items() if key not in {"UV", "PYENV_VERSION"}}

    assert make_dry_run(makefile, "install", env).split() == [str(pyenv_shim), "sync", "--locked"]


def test_the_generated_makefile_runs_uv_from_path_or_as_given(
    tmp_path: Path, makefile: Path
) -> None:
    executable_file(tmp_path / "bin" / "uv", "#!/bin/sh\n")
    env = {key: value for key, value in os.environ.items() if key != "UV"}
    env["PATH"] = f"{tmp_path / 'bin'}{os.pathsep}{os.environ['PATH']}"

    assert make_dry_run(makefile, "install", env).split() == ["uv", "sync", "--locked"]
    given = {**env, "UV": "/opt/uv/bin/uv"}
    assert make_dry_run(makefile, "install", given).split() == [
        "/opt/uv/bin/uv",
        "sync",
        "--locked",
    ]
