"""Wall time of commands, alternated round by round: hyperfine, or a Python stand-in."""

from __future__ import annotations

import json
import shlex
import subprocess
import tempfile
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from benchmarks.errors import BenchmarkError


@dataclass(frozen=True)
class Command:
    """A command to time. `prepare` runs, untimed, before every timed run."""

    name: str
    argv: Sequence[str]
    prepare: Sequence[str] = ()
    env: Mapping[str, str] | None = None


@dataclass
class Timings:
    """Seconds per run of each command, in the order they ran."""

    seconds: dict[str, list[float]] = field(default_factory=dict)

    def add(self, name: str, values: Sequence[float]) -> None:
        self.seconds.setdefault(name, []).extend(values)


def alternate(
    commands: Sequence[Command],
    *,
    rounds: int,
    runs: int,
    hyperfine: str | None,
    warmup: bool = True,
) -> Timings:
    """Time each command `runs` times per round for `rounds` rounds, in alternating order.

    Round 1 runs A then B, round 2 B then A, and so on, so drift on a noisy machine (other
    jobs starting or stopping) weighs on every command alike. With `warmup`, the first round
    starts with one untimed run of each command (file cache, Python bytecode).
    """
    timings = Timings()
    for index in range(rounds):
        order = list(commands) if index % 2 == 0 else list(reversed(commands))
        for command in order:
            untimed = 1 if warmup and index == 0 else 0
            if hyperfine:
                values = _hyperfine(hyperfine, command, runs=runs, warmup=untimed)
            else:
                values = _python(command, runs=runs, warmup=untimed)
            timings.add(command.name, values)
    return timings


def _hyperfine(hyperfine: str, command: Command, *, runs: int, warmup: int) -> list[float]:
    with tempfile.TemporaryDirectory(prefix="fledge-bench-hyperfine-") as scratch:
        export = Path(scratch) / "times.json"
        argv = [
            hyperfine,
            "--shell=none",
            "--style=none",
            f"--runs={runs}",
            f"--warmup={warmup}",
            f"--export-json={export}",
        ]
        if command.prepare:
            argv.append(f"--prepare={shlex.join(command.prepare)}")
        argv.append(shlex.join(command.argv))
        done = subprocess.run(argv, capture_output=True, text=True, env=command.env, check=False)
        if done.returncode != 0:
            _python(command, runs=1, warmup=0)  # raises with the command's own output
            raise BenchmarkError(f"{command.name} failed under hyperfine:\n{_tail(done)}")
        result = json.loads(export.read_text())["results"][0]
    return [float(value) for value in result["times"]]


def _python(command: Command, *, runs: int, warmup: int) -> list[float]:
    values = []
    for index in range(warmup + runs):
        if command.prepare:
            subprocess.run(command.prepare, check=True, env=command.env)
        started = time.perf_counter()
        done = subprocess.run(command.argv, capture_output=True, text=True, env=command.env)
        elapsed = time.perf_counter() - started
        if done.returncode != 0:
            raise BenchmarkError(f"{command.name} failed:\n{_tail(done)}")
        if index >= warmup:
            values.append(elapsed)
    return values


def _tail(done: subprocess.CompletedProcess[str], lines: int = 20) -> str:
    return "\n".join((done.stdout + done.stderr).strip().splitlines()[-lines:])
