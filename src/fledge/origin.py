"""Where an update fetches the template from: the source a project records, or a mirror of it.

A project's `.copier-answers.yml` records its template source (`_src_path`), and Copier reads
both the old and the new template version from there. `fledge update --template MIRROR` keeps
that record and has git fetch from MIRROR instead, with a `url.MIRROR.insteadOf=SOURCE` rule
given in the environment for the duration of the update. git applies the rule to URLs and to
paths of existing repositories alike.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from fledge import copier_adapter, template
from fledge.errors import UserError

# Copier keeps a cache of remote templates keyed by URL; a mirror's content must not land in
# the cache entry of the source it stands in for.
_COPIER_CACHE_VARIABLE = "COPIER_CACHE_DIR"


@dataclass(frozen=True)
class Origin:
    """The template of a project as an update sees it.

    Attributes:
        recorded: the `_src_path` of the answers file (a git URL or a path), kept as it is.
        mirror: where git fetches `recorded` from instead, or None.
    """

    recorded: str
    mirror: str | None = None

    @property
    def fetched_from(self) -> str:
        return self.mirror or self.recorded

    @property
    def official(self) -> bool:
        """True when the code that will run is fledge's own template (see template.is_official)."""
        return template.is_official(self.fetched_from)

    def git_variables(self) -> dict[str, str]:
        """`GIT_CONFIG_*` variables that send fetches of `recorded` to `mirror`, after any
        that the environment already holds."""
        if self.mirror is None:
            return {}
        count = _config_count()
        return {
            "GIT_CONFIG_COUNT": str(count + 1),
            f"GIT_CONFIG_KEY_{count}": f"url.{self.mirror}.insteadOf",
            f"GIT_CONFIG_VALUE_{count}": self.recorded,
        }


def resolve(recorded: str, mirror: str | None, project: Path) -> Origin:
    """The origin of `project`'s template, checked before anything is fetched.

    Raises:
        UserError: the mirror is neither a URL nor a directory, or the recorded source is a
            path that says nowhere (relative), no longer exists (Copier needs it to read the
            old template version) or is the project itself.
    """
    if mirror is not None and not template.looks_remote(mirror):
        path = Path(mirror).expanduser()
        if not path.is_dir():
            raise UserError(f'Template "{mirror}" is not a directory or a git URL.')
        mirror = str(path.resolve())
    if not template.looks_remote(recorded):
        _check_recorded_path(recorded, project)
    return Origin(recorded, mirror)


def _check_recorded_path(recorded: str, project: Path) -> None:
    path = Path(recorded).expanduser()
    if not path.is_absolute():
        raise UserError(
            f'.copier-answers.yml records the template source "{recorded}" (_src_path), a '
            "relative path: Copier resolves it from whatever directory it runs in, so it does "
            "not say where the template is (plain `copier copy` records the path it was given). "
            + _repair(_found_template(recorded, project))
        )
    if not path.is_dir():
        raise UserError(
            f'The template source recorded in .copier-answers.yml, "{recorded}", no longer '
            f"exists. {_repair(None)}"
        )
    if path.resolve() == project or project in path.resolve().parents:
        raise UserError(
            f'The template source recorded in .copier-answers.yml, "{recorded}", is the '
            f"project itself, not its template. {_repair(None)}"
        )


def _found_template(recorded: str, project: Path) -> Path | None:
    """The template a relative source names from here or from the project, if it is one."""
    for base in (Path.cwd(), project):
        candidate = (base / recorded).resolve()
        inside = candidate == project or project in candidate.parents
        if not inside and any((candidate / name).is_file() for name in template.CONFIG_NAMES):
            return candidate
    return None


def _repair(found: Path | None) -> str:
    example = str(found) if found is not None else template.official_url()
    return (
        "Set _src_path there to the template's git URL or the absolute path of a clone of it "
        f"(e.g. `_src_path: {example}`), commit, and run the update again."
    )


def _config_count() -> int:
    try:
        return max(0, int(os.environ.get("GIT_CONFIG_COUNT", "0")))
    except ValueError:
        return 0


@contextmanager
def fetching(origin: Origin) -> Iterator[None]:
    """Make every git command of this process, Copier's included, fetch the template from
    `origin`, then restore."""
    if origin.mirror is None:
        yield
        return
    with tempfile.TemporaryDirectory(prefix="fledge-copier-cache-") as cache:
        variables = {**origin.git_variables(), _COPIER_CACHE_VARIABLE: cache}
        with copier_adapter.environment(variables):
            yield
