"""The one error the benchmarks raise for a problem a person has to fix."""


class BenchmarkError(Exception):
    """Something the benchmarks need is missing or broken; the message says what to do."""
