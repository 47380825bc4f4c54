"""`uv run python -m benchmarks`: run every benchmark and rewrite docs/benchmarks.md."""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from benchmarks import database, frameworks, generation, load, machine, report, throughput, tools
from benchmarks.errors import BenchmarkError

REPO = Path(__file__).resolve().parents[1]
DOC = REPO / "docs" / "benchmarks.md"
PARTS = ("generation", "service")


@dataclass(frozen=True)
class Effort:
    """How many times and how long to measure."""

    rounds: int
    seconds: float
    warmup_seconds: float
    generation_rounds: int
    generation_runs: int
    full_runs: int
    verify_runs: int
    profile_seconds: float


# Many short rounds rather than a few long ones: on a shared machine the load changes from one
# minute to the next, and every round yields one more side-by-side ratio.
FULL = Effort(6, 3, 2, 3, 4, 3, 2, 8)
QUICK = Effort(1, 2, 1, 1, 2, 1, 0, 0)


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks",
        description="Measure fledge's generation speed and each framework's generated service "
        "beside bare apps of the same framework, then rewrite docs/benchmarks.md.",
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help="a short smoke run (1 round of 2 s, no --verify, no profile) written to a "
        "temporary file unless --output is given",
    )
    parser.add_argument("--only", choices=PARTS, help="run one part only")
    parser.add_argument(
        "--framework",
        action="append",
        choices=tuple(frameworks.ALL),
        help="measure this framework's service (repeatable; default: all three)",
    )
    parser.add_argument("--output", type=Path, help=f"where to write the report ({DOC})")
    parser.add_argument(
        "--template", type=Path, default=REPO, help="the template to measure (this checkout)"
    )
    parser.add_argument(
        "--compare-with",
        type=Path,
        metavar="TEMPLATE",
        help="also serve a project rendered from this template (rate limiting on), alternated "
        "with the others: before/after figures for a template change",
    )
    parser.add_argument(
        "--rounds", type=int, help=f"service rounds ({FULL.rounds}; {QUICK.rounds} with --quick)"
    )
    parser.add_argument(
        "--duration",
        type=float,
        help=f"seconds per load run ({FULL.seconds}; {QUICK.seconds} with --quick)",
    )
    parser.add_argument(
        "--profile",
        type=float,
        metavar="SECONDS",
        help=f"py-spy each service this long on two operations ({FULL.profile_seconds:g}; "
        "none with --quick; 0: none)",
    )
    parser.add_argument(
        "--connections",
        type=int,
        default=16,
        help="open connections of the load generator (%(default)s: 8 per worker, as many as "
        "the WSGI services' threads)",
    )
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers per server (2)")
    parser.add_argument(
        "--postgres-url",
        default="postgresql://postgres@127.0.0.1:5432/postgres",
        help="a PostgreSQL user allowed to create databases (%(default)s)",
    )
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/0", help="(%(default)s)")
    parser.add_argument(
        "--no-install", action="store_true", help="never apt-get install hyperfine or wrk"
    )
    parser.add_argument("--keep", action="store_true", help="keep the scratch directory")
    args = parser.parse_args(argv)
    effort = QUICK if args.quick else FULL
    args.rounds = args.rounds or effort.rounds
    args.duration = args.duration or effort.seconds
    args.profile = effort.profile_seconds if args.profile is None else args.profile
    args.framework = list(dict.fromkeys(args.framework or frameworks.ALL))
    if args.output is None:
        scratch = Path(tempfile.gettempdir()) / "fledge-benchmarks-quick.md"
        args.output = scratch if args.quick else DOC
    if not (args.template / "copier.yml").is_file():
        parser.error(f"{args.template} has no copier.yml")
    return args


def _beside_python(program: str) -> Path:
    """A console script of fledge's own environment (fledge, copier, py-spy)."""
    path = Path(sys.executable).parent / program
    if not path.is_file():
        raise BenchmarkError(
            f"{program} is not installed beside {sys.executable}: run the benchmarks from the "
            "fledge repository with `uv run python -m benchmarks`."
        )
    return path


def run(args: argparse.Namespace) -> Path:
    effort = QUICK if args.quick else FULL
    tools.require()
    found = tools.find(install=not args.no_install)
    host = machine.describe(found)
    parts = [args.only] if args.only else list(PARTS)
    if "service" in parts:
        host.versions["PostgreSQL"] = database.server_version(args.postgres_url)
        host.versions["Redis"] = database.redis_version(args.redis_url)
    started = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    # Read now: the checkout can change while the benchmark runs.
    revision = machine.git_revision(REPO)
    work = Path(tempfile.mkdtemp(prefix="fledge-bench-"))
    try:
        gen = _generation(args, effort, work, found) if "generation" in parts else None
        service = _service(args, effort, work, found) if "service" in parts else None
    finally:
        if args.keep:
            print(f"Kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    host.load_after = machine.load_average()
    summary = report.Run(
        date=started,
        command=_command(args),
        revision=revision,
        quick=args.quick,
        machine=host,
        tool_notes=found.notes,
        load=load.Load(args.connections, args.duration),
        warmup_seconds=effort.warmup_seconds,
        rounds=args.rounds,
        workers=args.workers,
        generation=gen,
        throughput=service or [],
    )
    args.output.parent.mkdir(parents=True, exist_ok=True)
    report.write(summary, args.output)
    return Path(args.output)


def _generation(
    args: argparse.Namespace, effort: Effort, work: Path, found: tools.Tools
) -> generation.Results:
    plan = generation.Plan(
        fledge=_beside_python("fledge"),
        copier=_beside_python("copier"),
        template=args.template.resolve(),
        work=work,
        rounds=effort.generation_rounds,
        runs=effort.generation_runs,
        full_runs=effort.full_runs,
        verify_runs=effort.verify_runs,
    )
    return generation.measure(plan, hyperfine=found.hyperfine)


def _command(args: argparse.Namespace) -> str:
    words = ["uv run python -m benchmarks"]
    if args.quick:
        words.append("--quick")
    if args.only:
        words.append(f"--only {args.only}")
    if len(args.framework) < len(frameworks.ALL):
        words += [f"--framework {key}" for key in args.framework]
    effort = QUICK if args.quick else FULL
    chosen = {"rounds": args.rounds, "duration": args.duration, "profile": args.profile}
    usual = {"rounds": effort.rounds, "duration": effort.seconds, "profile": effort.profile_seconds}
    words += [f"--{name} {value:g}" for name, value in chosen.items() if value != usual[name]]
    return " ".join(words)


def _service(
    args: argparse.Namespace, effort: Effort, work: Path, found: tools.Tools
) -> list[throughput.Results]:
    print("Service throughput (this takes a while)...", flush=True)
    template = args.template.resolve()
    plan = throughput.Plan(
        fledge=_beside_python("fledge"),
        template=None if template == REPO else str(template),
        compare_with=str(args.compare_with.resolve()) if args.compare_with else None,
        work=work,
        postgres_url=args.postgres_url,
        redis_url=args.redis_url,
        load=load.Load(args.connections, args.duration),
        rounds=args.rounds,
        workers=args.workers,
        warmup_seconds=effort.warmup_seconds,
        profile_seconds=args.profile,
        py_spy=throughput.find_py_spy(),
    )
    chosen = [frameworks.ALL[key] for key in args.framework]
    projects = throughput.prepare(plan, chosen)
    return [
        throughput.measure(plan, framework, projects[framework.key], wrk=found.wrk)
        for framework in chosen
    ]


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        written = run(args)
    except BenchmarkError as error:
        print(f"benchmarks: error: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("benchmarks: interrupted", file=sys.stderr)
        return 130
    print(f"Wrote {written}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
