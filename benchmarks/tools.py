"""The programs the benchmarks drive: hyperfine and wrk when present, else Python harnesses.

Missing ones are installed from Debian's packages when apt-get is usable (as root); otherwise
the pure-Python harnesses in `timing` and `load` stand in, and the report says which ran.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from dataclasses import dataclass

from benchmarks.errors import BenchmarkError

OPTIONAL = ("hyperfine", "wrk")
REQUIRED = {
    "uv": "install it with `pip install uv`",
    "git": "install it with `apt-get install git`",
    "make": "the generated service starts with `make serve`: `apt-get install make`",
}


@dataclass(frozen=True)
class Tools:
    """Where hyperfine and wrk are (None: the Python harness runs instead), and what happened."""

    hyperfine: str | None
    wrk: str | None
    notes: tuple[str, ...] = ()


def require() -> None:
    """Stop with one message naming every missing program that has no stand-in."""
    missing = [f"{name} ({how})" for name, how in REQUIRED.items() if shutil.which(name) is None]
    if missing:
        raise BenchmarkError("missing programs: " + "; ".join(missing))


def find(*, install: bool) -> Tools:
    """hyperfine and wrk, installing the missing ones with apt-get when `install` allows it."""
    notes: list[str] = []
    missing = [name for name in OPTIONAL if shutil.which(name) is None]
    if missing and install:
        notes.append(_apt_install(missing))
    found = {name: shutil.which(name) for name in OPTIONAL}
    for name, path in found.items():
        if path is None:
            notes.append(f"{name} is not installed: its Python stand-in ran instead.")
    return Tools(hyperfine=found["hyperfine"], wrk=found["wrk"], notes=tuple(notes))


def _apt_install(packages: list[str]) -> str:
    listed = ", ".join(packages)
    if shutil.which("apt-get") is None or os.geteuid() != 0:
        return f"{listed} missing and apt-get not usable here (needs root)."
    print(f"Installing {listed} with apt-get...", flush=True)
    for command in (["apt-get", "update", "-qq"], ["apt-get", "install", "-y", "-qq", *packages]):
        done = subprocess.run(command, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            return f"`{' '.join(command)}` failed: {done.stderr.strip().splitlines()[-1:]}"
    return f"installed {listed} with apt-get."


def version(program: str, flag: str = "--version") -> str:
    """The version number a program prints (`git version 2.39.5` -> `2.39.5`)."""
    done = subprocess.run([program, flag], capture_output=True, text=True, check=False)
    found = re.search(r"\d+\.\d+[\w.+-]*", done.stdout or done.stderr)
    return found[0] if found else "unknown"
