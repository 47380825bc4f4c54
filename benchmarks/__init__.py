"""fledge's benchmarks: generation speed, and the generated services' throughput beside bare apps
of their frameworks (benchmarks/bare/).

Run them all, and rewrite docs/benchmarks.md, with `uv run python -m benchmarks`
(`--quick` for a short smoke run; `--help` for the options).
"""
