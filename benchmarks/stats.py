"""Small statistics over repeated measurements."""

from __future__ import annotations

import statistics
from collections.abc import Sequence


def median(values: Sequence[float]) -> float:
    return statistics.median(values) if values else float("nan")


def paired_ratios(numerators: Sequence[float], denominators: Sequence[float]) -> list[float]:
    """Round-by-round ratios of two series measured side by side."""
    return [a / b for a, b in zip(numerators, denominators, strict=True) if b]


def spread(values: Sequence[float]) -> str:
    """`min..max`, to show how noisy a series was."""
    if not values:
        return "n/a"
    return f"{min(values):.3g}..{max(values):.3g}"
