"""fledge's benchmarks: generation speed and the generated service's throughput.

Run them all, and rewrite docs/benchmarks.md, with `uv run python -m benchmarks`
(`--quick` for a short smoke run; `--help` for the options).
"""
