"""uv, run inside a generated project so that it uses that project's own environment."""

from __future__ import annotations

import os
import subprocess
from functools import cache
from pathlib import Path

from fledge import process

# `uv run fledge ...` exports these for fledge's own environment; passed on, they would make uv
# install the new project into fledge's virtualenv instead of the project's `.venv`.
_FOREIGN_ENVIRONMENT = ("VIRTUAL_ENV", "UV_PROJECT_ENVIRONMENT")

LOCK_TIMEOUT_SECONDS = 300.0


def executable() -> str | None:
    """The uv binary: the one running us when fledge runs under `uv run`, else the one on PATH."""
    running = os.environ.get("UV")
    if running and Path(running).is_file():
        return running
    found = process.find("uv")
    return _past_pyenv_shim(found) if found else None


@cache
def _past_pyenv_shim(path: str) -> str:
    """The uv behind a pyenv shim, in whichever Python version has it. In a generated project
    (or when fledge runs inside one) the shim, and `pyenv which`, would look for uv only in the
    version the project's `.python-version` pins, which may not have it."""
    pyenv = process.find("pyenv")
    if Path(path).parent.name != "shims" or pyenv is None:
        return path
    found = subprocess.run(
        [pyenv, "whence", "--path", "uv"], capture_output=True, text=True, check=False, timeout=30
    )
    resolved = next(iter(found.stdout.split()), "")
    return resolved if found.returncode == 0 and Path(resolved).is_file() else path


def available() -> bool:
    return executable() is not None


def project_env() -> dict[str, str]:
    """The environment for commands run in a generated project (uv, make: its Makefile runs
    `$(UV)`, so it uses the same uv)."""
    env = {k: v for k, v in os.environ.items() if k not in _FOREIGN_ENVIRONMENT}
    found = executable()
    if found:
        env["UV"] = found
    return env


def _uv(project: Path, *args: str, timeout: float | None = None) -> process.Outcome:
    return process.run(
        [executable() or "uv", *args], cwd=project, env=project_env(), timeout=timeout
    )


def lock(project: Path) -> process.Outcome:
    """`uv lock` in `project`; the caller decides what a failure means."""
    return _uv(project, "lock", timeout=LOCK_TIMEOUT_SECONDS)


def sync(project: Path, *, compile_bytecode: bool = False) -> process.Outcome:
    """`uv sync` in `project`; `compile_bytecode` byte-compiles the environment as it installs
    it (uv's `--compile-bytecode`)."""
    return _uv(project, "sync", *(["--compile-bytecode"] if compile_bytecode else []))


def run(project: Path, *args: str) -> process.Outcome:
    return _uv(project, "run", *args)
