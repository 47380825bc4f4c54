"""Where a service worker spends its time under load: py-spy samples, summed per function."""

from __future__ import annotations

import re
import subprocess
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from benchmarks.errors import BenchmarkError

# Everything up to the package: site-packages, a project's src/, the standard library.
_PREFIX = re.compile(r"^.*(?:site-packages/|/src/|/lib/python3\.\d+/)")


@dataclass(frozen=True)
class Profile:
    """Shares of a worker's samples: `inclusive` (the function or anything it called) for the
    service's own functions, `own` (the function itself) for the busiest functions overall."""

    samples: int
    inclusive: list[tuple[float, str]]
    own: list[tuple[float, str]]


def start(py_spy: str, pid: int, seconds: float, output: Path) -> subprocess.Popen[bytes]:
    """Begin sampling `pid` for `seconds` (py-spy needs ptrace: root, or CAP_SYS_PTRACE)."""
    argv = [
        py_spy,
        "record",
        "--pid",
        str(pid),
        "--duration",
        str(max(1, round(seconds))),
        "--rate",
        "200",
        "--format",
        "raw",
        "--nonblocking",
        "--output",
        str(output),
    ]
    return subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)


def finish(process: subprocess.Popen[bytes], output: Path, package: str) -> Profile:
    log, _ = process.communicate(timeout=120)
    if process.returncode != 0 or not output.is_file():
        message = log.decode(errors="replace").strip().splitlines()[-1:]
        raise BenchmarkError(f"py-spy failed: {message}")
    return summarize(output.read_text(), package)


def summarize(collapsed: str, package: str, top: int = 15) -> Profile:
    """Read py-spy's collapsed stacks (`frame;frame;... count` lines)."""
    inclusive: Counter[str] = Counter()
    own: Counter[str] = Counter()
    total = 0
    for line in collapsed.splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not stack or not count_text.isdigit():
            continue
        count = int(count_text)
        total += count
        frames = [_frame_name(frame) for frame in stack.split(";")]
        for frame in set(frames):
            inclusive[frame] += count
        own[frames[-1]] += count
    if not total:
        return Profile(0, [], [])
    mine = [(n, f) for f, n in inclusive.most_common() if f.startswith(f"{package}/")]
    return Profile(
        samples=total,
        inclusive=[(n / total, f) for n, f in mine[:top]],
        own=[(n / total, f) for f, n in own.most_common(top)],
    )


def _frame_name(frame: str) -> str:
    """`list_page (/x/site-packages/pkg/mod.py:12)` -> `pkg/mod.py:list_page`."""
    function, _, location = frame.partition(" (")
    path = _PREFIX.sub("", location.rsplit(":", 1)[0])
    return f"{path}:{function}" if path else function
