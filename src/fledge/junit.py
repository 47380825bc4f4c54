"""The JUnit XML report of `fledge matrix`: one test suite, one test case per variant and gate
(the render first), so that CI systems show which variant failed where."""

from __future__ import annotations

import socket
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from fledge.matrix import VariantOutcome

SUITE_NAME = "fledge matrix"


def write(path: Path, outcomes: Sequence[VariantOutcome], seconds: float) -> Path:
    """Write the report to `path` (its directory is created) and return its absolute path."""
    suite = ET.Element("testsuite", name=SUITE_NAME, hostname=socket.gethostname())
    suite.set("timestamp", datetime.now(UTC).replace(microsecond=0).isoformat())
    for outcome in outcomes:
        _add_variant(suite, outcome)
    cases = suite.findall("testcase")
    failures = sum(1 for case in cases if case.find("failure") is not None)
    counts = {"tests": str(len(cases)), "failures": str(failures), "errors": "0", "skipped": "0"}
    for key, value in {**counts, "time": f"{seconds:.3f}"}.items():
        suite.set(key, value)
    root = ET.Element("testsuites", {"name": SUITE_NAME, **counts, "time": f"{seconds:.3f}"})
    root.append(suite)
    ET.indent(root)
    target = path.expanduser().resolve()
    target.parent.mkdir(parents=True, exist_ok=True)
    ET.ElementTree(root).write(target, encoding="utf-8", xml_declaration=True)
    return target


def _case(suite: ET.Element, outcome: VariantOutcome, name: str, seconds: float) -> ET.Element:
    return ET.SubElement(
        suite,
        "testcase",
        classname=f"matrix.{outcome.variant.id}",
        name=name,
        time=f"{seconds:.3f}",
    )


def _add_variant(suite: ET.Element, outcome: VariantOutcome) -> None:
    render = _case(suite, outcome, "render", outcome.render_seconds)
    if outcome.check is None:
        failure = ET.SubElement(render, "failure", message="The variant could not be checked.")
        failure.text = outcome.problem
        return
    for result in outcome.check.results:
        case = _case(suite, outcome, result.gate.name, result.seconds)
        if not result.ok:
            failure = ET.SubElement(
                case,
                "failure",
                message=f"`{result.gate.shown}` exited with status {result.returncode}",
            )
            failure.text = result.tail()
