"""Which uv fledge runs in generated projects."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from fledge import uv


def executable_file(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    path.chmod(0o755)
    return path


@pytest.fixture
def pyenv_shim(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """uv on PATH only as a pyenv shim; `pyenv which uv` names the real binary."""
    real = executable_file(tmp_path / "versions" / "3.11.7" / "bin" / "uv", "#!/bin/sh\n")
    executable_file(tmp_path / "shims" / "uv", "#!/bin/sh\nexit 127\n")
    executable_file(
        tmp_path / "bin" / "pyenv", f'#!/bin/sh\n[ "$*" = "which uv" ] && echo {real}\n'
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
