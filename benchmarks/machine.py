"""The machine the figures come from: cores, memory, load, and the versions that matter."""

from __future__ import annotations

import os
import platform
import subprocess
from dataclasses import dataclass, field
from importlib.metadata import version
from pathlib import Path

from benchmarks import tools


@dataclass
class Machine:
    cpu: str
    cores: int
    memory_gib: float
    system: str
    python: str
    load_before: str
    load_after: str = ""
    versions: dict[str, str] = field(default_factory=dict)


def describe(found: tools.Tools) -> Machine:
    machine = Machine(
        cpu=_cpu_model(),
        cores=os.cpu_count() or 0,
        memory_gib=_memory_gib(),
        system=f"{platform.system()} {platform.release()} ({_distribution()})",
        python=platform.python_version(),
        load_before=load_average(),
    )
    machine.versions = {
        "fledge": version("fledge"),
        "copier": version("copier"),
        "uv": tools.version("uv"),
        "git": tools.version("git"),
    }
    if found.hyperfine:
        machine.versions["hyperfine"] = tools.version(found.hyperfine)
    if found.wrk:
        machine.versions["wrk"] = tools.version(found.wrk, "-v")
    return machine


def load_average() -> str:
    one, five, fifteen = os.getloadavg()
    return f"{one:.2f} {five:.2f} {fifteen:.2f}"


def _cpu_model() -> str:
    for line in _read("/proc/cpuinfo").splitlines():
        if line.startswith("model name"):
            return line.partition(":")[2].strip()
    return platform.processor() or "unknown"


def _memory_gib() -> float:
    for line in _read("/proc/meminfo").splitlines():
        if line.startswith("MemTotal:"):
            return int(line.split()[1]) / 1024 / 1024
    return 0.0


def _distribution() -> str:
    for line in _read("/etc/os-release").splitlines():
        if line.startswith("PRETTY_NAME="):
            return line.partition("=")[2].strip('"')
    return "unknown"


def _read(path: str) -> str:
    file = Path(path)
    return file.read_text() if file.is_file() else ""


def git_revision(repository: Path) -> str:
    """The commit the benchmarks ran on, with `+changes` when the work tree was dirty."""

    def git(*args: str) -> str:
        done = subprocess.run(
            ["git", *args], cwd=repository, capture_output=True, text=True, check=False
        )
        return done.stdout.strip() if done.returncode == 0 else ""

    commit = git("rev-parse", "--short", "HEAD")
    if not commit:
        return "not a git checkout"
    return commit + (" + uncommitted changes" if git("status", "--porcelain") else "")
