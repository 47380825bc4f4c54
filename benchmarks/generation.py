"""How long `fledge new` takes, against plain `copier copy` of the same template and answers."""

from __future__ import annotations

import filecmp
import shutil
import subprocess
import sys
import sysconfig
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from benchmarks import servers, timing
from benchmarks.errors import BenchmarkError

NAME = "bench-gen"
ANSWERS = ".copier-answers.yml"
DIRECTORY_PAIR = "from a template directory (as an installed fledge ships it)"
CHECKOUT_PAIR = "from a git checkout (HEAD plus uncommitted changes)"


@dataclass(frozen=True)
class Plan:
    fledge: Path
    copier: Path
    template: Path
    work: Path
    rounds: int
    runs: int
    full_runs: int
    verify_runs: int


@dataclass(frozen=True)
class Pair:
    """fledge (no git, no lock) and copier rendering the same template with the same answers."""

    name: str
    fledge: list[float]
    copier: list[float]
    same_files: bool


@dataclass
class Results:
    pairs: list[Pair] = field(default_factory=list)
    full: list[float] = field(default_factory=list)
    verify: list[float] = field(default_factory=list)
    python_version: str = ""


def python_version() -> str:
    """The answer both tools get: the running Python when the template offers it."""
    running = f"{sys.version_info.major}.{sys.version_info.minor}"
    return running if running in {"3.11", "3.12", "3.13"} else "3.12"


def compile_bytecode(*directories: Path) -> None:
    """Byte-compile fledge's environment, as `pip install` does: with PYTHONDONTWRITEBYTECODE
    set (it is on these machines) every run would otherwise compile each module it imports,
    which costs fledge (Typer, Rich) more than Copier's CLI and is not what users run."""
    subprocess.run(
        [sys.executable, "-m", "compileall", "-q", "-j", "0", *map(str, directories)],
        check=True,
        capture_output=True,
    )


def measure(plan: Plan, *, hyperfine: str | None) -> Results:
    compile_bytecode(Path(sysconfig.get_paths()["purelib"]), plan.template / "src")
    results = Results(python_version=python_version())
    answers = ["--data", f"project_name={NAME}", "--data", f"python_version={python_version()}"]
    sources: list[tuple[str, Path, list[str]]] = [
        (DIRECTORY_PAIR, _directory_copy(plan.template, plan.work), [])
    ]
    if (plan.template / ".git").exists():
        sources.append((CHECKOUT_PAIR, plan.template, ["--vcs-ref", "HEAD"]))
    for name, source, ref in sources:
        print(f"Generation, {name}...", flush=True)
        results.pairs.append(_pair(plan, name, source, [*answers, *ref], hyperfine))
    print("Generation, full `fledge new` and `fledge new --verify`...", flush=True)
    results.full = _single(plan, "full", answers, plan.full_runs, hyperfine)
    results.verify = _single(plan, "verify", [*answers, "--verify"], plan.verify_runs, hyperfine)
    return results


def _directory_copy(template: Path, work: Path) -> Path:
    copy = work / "template-directory"
    copy.mkdir()
    shutil.copy2(template / "copier.yml", copy / "copier.yml")
    shutil.copytree(template / "template", copy / "template")
    return copy


def _pair(
    plan: Plan, name: str, source: Path, options: Sequence[str], hyperfine: str | None
) -> Pair:
    env = servers.clean_env({})
    fledge_dest, copier_dest = plan.work / "by-fledge", plan.work / "by-copier"
    new = [str(plan.fledge), "new", str(fledge_dest), "--defaults", "--no-git", "--no-lock"]
    fledge = timing.Command(
        "fledge",
        [*new, "--template", str(source), *options],
        prepare=["rm", "-rf", str(fledge_dest)],
        env=env,
    )
    copier = timing.Command(
        "copier",
        [
            str(plan.copier),
            "copy",
            "--defaults",
            "--quiet",
            *options,
            str(source),
            str(copier_dest),
        ],
        prepare=["rm", "-rf", str(copier_dest)],
        env=env,
    )
    for command in (fledge, copier):
        _render_once(command)
    same = _same_tree(fledge_dest, copier_dest)
    timings = timing.alternate(
        [fledge, copier], rounds=plan.rounds, runs=plan.runs, hyperfine=hyperfine
    )
    return Pair(name, timings.seconds["fledge"], timings.seconds["copier"], same)


def _single(
    plan: Plan, name: str, options: Sequence[str], runs: int, hyperfine: str | None
) -> list[float]:
    if runs < 1:
        return []
    dest = plan.work / f"new-{name}"
    command = timing.Command(
        name,
        [str(plan.fledge), "new", str(dest), "--defaults", *options],
        prepare=["rm", "-rf", str(dest)],
        env=servers.clean_env({}),  # the generated tests run on SQLite, as on a laptop
    )
    timings = timing.alternate([command], rounds=1, runs=runs, hyperfine=hyperfine, warmup=False)
    return timings.seconds[name]


def _render_once(command: timing.Command) -> None:
    subprocess.run(command.prepare, check=True)
    done = subprocess.run(command.argv, env=command.env, capture_output=True, text=True)
    if done.returncode != 0:
        raise BenchmarkError(f"{command.name} failed:\n{(done.stdout + done.stderr)[-2000:]}")


def _same_tree(left: Path, right: Path) -> bool:
    """The same files with the same contents, except `.env` (each render draws a new secret)
    and the answers file's `_commit` (Copier commits uncommitted changes anew for each render)."""
    names = {p.relative_to(left) for p in left.rglob("*") if p.is_file()}
    if names != {p.relative_to(right) for p in right.rglob("*") if p.is_file()}:
        return False
    compared = [str(name) for name in names if str(name) not in {".env", ANSWERS}]
    _, mismatch, errors = filecmp.cmpfiles(left, right, compared, shallow=False)
    return not mismatch and not errors and _answers(left) == _answers(right)


def _answers(project: Path) -> list[str]:
    lines = (project / ANSWERS).read_text().splitlines() if (project / ANSWERS).is_file() else []
    return [line for line in lines if not line.startswith("_commit:")]
