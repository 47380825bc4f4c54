"""fledge's modules in layers: the command line (cli, console) over the command modules, over
the plumbing they share. A command module never imports another, and the plumbing imports none."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import fledge

PACKAGE = Path(fledge.__file__).parent
# One module per command (`fledge check` is the cli over gates.run_check, with nothing of its own).
COMMANDS = ("new", "update", "matrix")
# The command line itself, and the report that belongs to `fledge matrix`.
ABOVE = ("cli", "console", "__main__", "junit")


def imported(module: str) -> set[str]:
    """The fledge modules `module` imports when it runs (not those named for type checking)."""
    tree = ast.parse((PACKAGE / f"{module}.py").read_text())
    names: set[str] = set()
    for node in tree.body:
        if isinstance(node, ast.ImportFrom):
            source = node.module or ""
            if source == "fledge":
                names |= {alias.name for alias in node.names}
            elif source.startswith("fledge."):
                names.add(source.split(".")[1])
        elif isinstance(node, ast.Import):
            names |= {
                alias.name.split(".")[1] for alias in node.names if alias.name.startswith("fledge.")
            }
    return names


@pytest.mark.parametrize("command", COMMANDS)
def test_no_command_module_imports_another(command: str) -> None:
    assert imported(command) & set(COMMANDS) == set()


def test_the_shared_plumbing_imports_no_command() -> None:
    below = [path.stem for path in PACKAGE.glob("*.py") if path.stem not in (*COMMANDS, *ABOVE)]

    importing = {module: imported(module) & set(COMMANDS) for module in below}

    assert {module: commands for module, commands in importing.items() if commands} == {}
