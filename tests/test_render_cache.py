"""fledge's renders compile each Jinja source once and keep the compiled code between runs (in
`$XDG_CACHE_HOME/fledge`): the files are those of Copier's own render, whatever the cache holds."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import copier
import pytest

from fledge import copier_adapter
from fledge.errors import FledgeError

COPIER_YML = """\
_subdirectory: project
name:
  type: str
  default: demo
items:
  type: yaml
  default: [alpha, beta]
"""
# Copier's `yield` in a path: one file per item (its extension keeps state while rendering).
YIELDED = "project/{% yield item from items %}{{ item }}{% endyield %}.txt.jinja"
FILES = {
    YIELDED: "{{ item }} of {{ name }}\n",
    "project/README.md.jinja": '# {{ name }}\n{% include "includes/line.jinja" %}\n',
    "project/{{ name }}/{{ name }}.py.jinja": "NAME = {{ name | to_json }}\n",
    "includes/line.jinja": "{% for item in items %}- {{ item | upper }}\n{% endfor %}",
}


@pytest.fixture
def template(tmp_path: Path) -> Path:
    root = tmp_path / "template"
    for relpath, text in FILES.items():
        (root / relpath).parent.mkdir(parents=True, exist_ok=True)
        (root / relpath).write_text(text)
    (root / "copier.yml").write_text(COPIER_YML)
    return root


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """An empty cache directory, and a process that has compiled nothing yet."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setattr(copier_adapter, "_COMPILED", {})
    copier_adapter._cache_directory.cache_clear()
    yield tmp_path / "cache" / "fledge" / "jinja"
    copier_adapter._cache_directory.cache_clear()


def files(root: Path) -> dict[str, str]:
    return {
        path.relative_to(root).as_posix(): path.read_text()
        for path in sorted(root.rglob("*"))
        if path.is_file()
    }


def render(template: Path, dest: Path, **data: str) -> dict[str, str]:
    copier_adapter.copy(str(template), dest, data=data, vcs_ref=None)
    return files(dest)


def test_renders_are_copiers_with_a_cold_a_warm_and_a_damaged_cache(
    template: Path, cache: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    copier.run_copy(str(template), tmp_path / "copier", defaults=True, quiet=True)
    expected = files(tmp_path / "copier")

    cold = render(template, tmp_path / "cold")
    warm = render(template, tmp_path / "warm")  # compiled in this process
    monkeypatch.setattr(copier_adapter, "_COMPILED", {})  # as a new process: from the cache
    from_cache = render(template, tmp_path / "from-cache")
    for stored in (path for path in cache.rglob("*") if path.is_file()):
        stored.write_bytes(b"not code")
    monkeypatch.setattr(copier_adapter, "_COMPILED", {})
    damaged = render(template, tmp_path / "damaged")

    assert expected["alpha.txt"] == "alpha of demo\n"
    assert expected["README.md"] == "# demo\n- ALPHA\n- BETA\n\n"
    assert cold == warm == from_cache == damaged == expected


def test_other_answers_render_from_the_same_compiled_code(
    template: Path, cache: Path, tmp_path: Path
) -> None:
    render(template, tmp_path / "first")
    stored = {path for path in cache.rglob("*") if path.is_file()}

    second = render(template, tmp_path / "second", name="other", items="[gamma]")

    assert second["gamma.txt"] == "gamma of other\n"
    assert second["other/other.py"] == 'NAME = "other"\n'
    assert "alpha.txt" not in second
    assert stored  # the template's sources, compiled once each
    assert {path for path in cache.rglob("*") if path.is_file()} == stored


@pytest.mark.usefixtures("cache")
def test_an_error_in_the_template_is_reported_on_every_render(
    template: Path, tmp_path: Path
) -> None:
    (template / "project" / "broken.txt.jinja").write_text("{% if name %}unclosed\n")

    for attempt in ("first", "second"):
        with pytest.raises(FledgeError, match="failed to render"):
            render(template, tmp_path / attempt)
