"""The one module that talks to Copier: renders, updates, the rules Copier applies to a
template's migrations and `_skip_if_exists`, and Copier's errors and warnings turned into
fledge's, by type.

Copier changes the process's working directory while it works (plumbum's `local.cwd`) and runs
git through plumbum, which copied the environment when it was imported; so renders take turns
under one lock, and environment overrides go to both `os.environ` and plumbum's copy.

Two of Copier's costs are avoided while fledge renders (`_quick_render`), without changing a
byte it writes: it compiles each Jinja source anew every time it renders it (a path part once
per file, the answers file's name hundreds of times, the template's questions again for a
resource), and it starts `git` once per file it writes, to mirror the file's executable bit
into the destination's git index, which is a no-op for a directory that was empty.
"""

from __future__ import annotations

import hashlib
import importlib.util
import marshal
import os
import sys
import tempfile
import threading
import warnings
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cache, cached_property
from pathlib import Path
from types import CodeType
from typing import Any

import copier
import jinja2
import pathspec
from copier import _jinja_ext, _main
from copier.errors import (
    CopierAnswersInterrupt,
    CopierError,
    CopierWarning,
    DirtyLocalWarning,
    InteractiveSessionError,
    UnsafeTemplateError,
)
from jinja2.sandbox import SandboxedEnvironment
from packaging.version import Version
from pathspec import PathSpec
from plumbum import ProcessExecutionError, local

from fledge import versions
from fledge.errors import FledgeError, UserError
from fledge.steps import one_line

_RENDER_LOCK = threading.Lock()
# Copier's own choice of pattern style for `_skip_if_exists` (pathspec renamed it in 1.0).
_PATHSPEC_STYLE = (
    "gitignore" if Version(pathspec.__version__) >= Version("1.0.0") else "gitwildmatch"
)


class UntrustedTemplateError(UserError):
    """The template wants to run its own commands (tasks, migrations or Jinja extensions)."""


@dataclass(frozen=True)
class Questionnaire:
    """A template's questions as Copier evaluates them, before anything is rendered: defaults
    and validators are the template's own Jinja, rendered in Copier's Jinja environment.

    Attributes:
        config: the template's copier.yml (settings and questions, in order).
        read: a template file's text by its path in the template (for `{% import %}`), or None.
    """

    config: Mapping[str, Any]
    read: Callable[[str], str | None] = field(compare=False)

    @cached_property
    def _env(self) -> SandboxedEnvironment:
        envops = self.config.get("_envops")
        return SandboxedEnvironment(
            loader=jinja2.FunctionLoader(self.read),
            extensions=["jinja2_ansible_filters.AnsibleCoreFiltersExtension"],
            **(envops if isinstance(envops, Mapping) else {}),
        )

    def answers(self, given: Mapping[str, Any]) -> dict[str, Any]:
        """Every question's answer: the `given` one, else its default as Copier renders it
        (in question order, each default seeing the answers before it); None when the default
        cannot be known before rendering."""
        values: dict[str, Any] = {}
        for name, spec in self.config.items():
            if str(name).startswith("_"):
                continue
            if name in given:
                values[name] = given[name]
                continue
            default = spec.get("default") if isinstance(spec, Mapping) else spec
            values[name] = self._render(default, values) if isinstance(default, str) else default
        return values

    def problem(self, name: str, answers: Mapping[str, Any]) -> str | None:
        """What the validator of question `name` says of `answers` (None: valid, or a rule that
        cannot be evaluated before rendering; Copier checks it then)."""
        spec = self.config.get(name)
        validator = spec.get("validator") if isinstance(spec, Mapping) else None
        if not isinstance(validator, str):
            return None
        said = one_line(self._render(validator, answers) or "")
        return said or None

    def render(self, text: str, answers: Mapping[str, Any]) -> str:
        """`text` (Jinja) rendered with `answers` in Copier's Jinja environment.

        Raises:
            FledgeError: the template's Jinja is broken.
        """
        try:
            return self._env.from_string(text).render(**answers)
        except jinja2.TemplateError as err:
            raise FledgeError(f"The template failed to render: {one_line(err)}") from err

    def _render(self, text: str, answers: Mapping[str, Any]) -> str | None:
        if "{" not in text:
            return text  # no Jinja to compile: most defaults
        try:
            return self._env.from_string(text).render(**answers)
        except jinja2.TemplateError:
            return None


def copy(
    src: str,
    dest: Path,
    *,
    data: Mapping[str, Any],
    vcs_ref: str | None,
    defaults: bool = True,
    user_defaults: Mapping[str, Any] | None = None,
    unsafe: bool = False,
    skip_tasks: bool = False,
    notes: list[str] | None = None,
    uncommitted_note: str = "",
    answers_file: str | None = None,
) -> Path:
    """Render template `src` (at `vcs_ref`) into `dest`; return the answers file's path
    (`answers_file`, relative to `dest`, or the template's own `_answers_file`).

    Copier's warnings become `notes` (`uncommitted_note` for a template rendered with
    uncommitted changes); without `notes` they are dropped.

    Raises:
        UntrustedTemplateError: the template needs `unsafe` and did not get it.
        UserError: Copier refused an answer or the template, or cannot read it.
        FledgeError: the template failed to render.
        KeyboardInterrupt: Ctrl-C, at a question too.
    """
    empty = not dest.exists() or (dest.is_dir() and not any(dest.iterdir()))
    try:
        with (
            _RENDER_LOCK,
            _quick_render(git_index=not empty),
            _warnings_as(notes, uncommitted_note),
        ):
            worker = copier.run_copy(
                src,
                dest,
                data=dict(data),
                user_defaults=dict(user_defaults or {}),
                defaults=defaults,
                vcs_ref=vcs_ref,
                unsafe=unsafe,
                skip_tasks=skip_tasks,
                quiet=True,
                answers_file=answers_file,
            )
    except CopierAnswersInterrupt:
        raise  # Ctrl-C at a prompt: a KeyboardInterrupt, not a Copier error
    except InteractiveSessionError as err:
        raise UserError(
            "The template's questions need a terminal: pass --defaults and --data KEY=VALUE."
        ) from err
    except UnsafeTemplateError as err:
        raise UntrustedTemplateError(
            "The template wants to run its own commands (tasks, migrations or extensions), "
            f"which fledge never allows: {str(err).splitlines()[0]}"
        ) from err
    except (CopierError, ValueError) as err:
        raise UserError(one_line(err)) from err
    except jinja2.TemplateError as err:
        raise FledgeError(f"The template failed to render: {one_line(err)}") from err
    except OSError as err:
        detail = getattr(err, "stderr", "") or str(err)
        lines = [line for line in str(detail).splitlines() if line.strip()]
        raise UserError(f"Cannot read the template {src}: {lines[-1] if lines else err}") from err
    return dest / worker.answers_relpath


def update(
    project: Path,
    *,
    data: Mapping[str, Any],
    vcs_ref: str,
    unsafe: bool,
    answers_file: str | None = None,
) -> None:
    """Copier's three-way update of `project` to `vcs_ref`; conflicts are left inline.
    `answers_file` (relative to `project`) selects what is updated: the project (None) or a
    part of it rendered with its own answers file (a resource).

    Raises:
        UntrustedTemplateError: the update needs `unsafe` and did not get it.
        FledgeError: Copier failed halfway.
    """
    try:
        with _RENDER_LOCK, _quick_render(git_index=True), _warnings_as(None):
            copier.run_update(
                str(project),
                data=dict(data),
                defaults=True,
                overwrite=True,
                conflict="inline",
                vcs_ref=vcs_ref,
                quiet=True,
                unsafe=unsafe,
                answers_file=answers_file,
            )
    except UnsafeTemplateError as err:
        raise UntrustedTemplateError("The update runs the template's own commands.") from err
    except (CopierError, ValueError, OSError, ProcessExecutionError) as err:
        raise FledgeError(f"Copier's update failed: {one_line(err)}") from err


def migrations_run(migrations: Any, current: str, target: str) -> bool:
    """Whether Copier's update from version `current` to `target` runs any of a template's
    `_migrations`: one without a version always does, one with a version when the update
    crosses it (current < version <= target). Copier exposes no public call for this rule;
    tests/test_update_sources.py checks it against Copier's updates."""
    if not isinstance(migrations, list):
        return False
    low, high = versions.parse(current), versions.parse(target)
    for migration in migrations:
        if not isinstance(migration, Mapping) or "version" not in migration:
            return True
        version = versions.parse(str(migration["version"]))
        if version is None or low is None or high is None or low < version <= high:
            return True
    return False


def skip_if_exists(patterns: Sequence[str]) -> Callable[[str], bool]:
    """Copier's matcher for `_skip_if_exists` patterns (gitignore-style), on project paths."""
    spec = PathSpec.from_lines(_PATHSPEC_STYLE, patterns)
    return lambda path: spec.match_file(path)


@contextmanager
def environment(variables: Mapping[str, str]) -> Iterator[None]:
    """Set `variables` for fledge's commands and Copier's git alike, then restore."""
    if not variables:
        yield
        return
    saved = {name: os.environ.get(name) for name in variables}
    os.environ.update(variables)
    try:
        with local.env(**variables):
            yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


@contextmanager
def _warnings_as(notes: list[str] | None, uncommitted_note: str = "") -> Iterator[None]:
    """Turn Copier's warnings into notes for the user; let every other warning through."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", CopierWarning)
        yield
    for warning in caught:
        if not issubclass(warning.category, CopierWarning):
            warnings.warn_explicit(
                warning.message, warning.category, warning.filename, warning.lineno
            )
        elif notes is None:
            continue
        elif issubclass(warning.category, DirtyLocalWarning) and uncommitted_note:
            notes.append(uncommitted_note)
        else:
            notes.append(f"Copier: {one_line(warning.message)}")


# Jinja extensions known to keep no state from compiling a source but what `preprocess` resets:
# those of Copier's environment (fledge never lets a template add its own).
_STATELESS_EXTENSIONS = frozenset(
    {
        "jinja2_ansible_filters.AnsibleCoreFiltersExtension",
        "copier._jinja_ext.YieldExtension",
    }
)
_COMPILED: dict[tuple[Any, ...], Any] = {}


def _compile_once(
    env: SandboxedEnvironment,
    source: Any,
    name: str | None = None,
    filename: str | None = None,
    raw: bool = False,
    defer_init: bool = False,
) -> Any:
    """`Environment.compile`, reusing the code compiled for the same source by an environment of
    the same settings, in this process or (as Jinja's bytecode caches do) in an earlier one."""
    settings = _settings(env, source)
    if settings is None:
        return _UNCACHED_COMPILE(env, source, name, filename, raw, defer_init)
    key = (settings, source, name, filename, raw, defer_init)
    try:
        code = _COMPILED[key]
    except KeyError:
        pass
    else:
        env.preprocess(source, name, filename)  # the extensions' per-compile reset (yield's)
        return code
    # The file name is left out of the stored code's key and put back into what is loaded, so
    # a template rendered from a fresh clone (a temporary directory) reuses it too.
    stored = None if raw else _stored((settings, source, name, defer_init))
    code = None if stored is None else stored.load(filename or "<template>")
    if code is not None:
        env.preprocess(source, name, filename)
    else:
        code = _UNCACHED_COMPILE(env, source, name, filename, raw, defer_init)
        if stored is not None:
            stored.save(code)
    _COMPILED[key] = code
    return code


def _settings(env: SandboxedEnvironment, source: Any) -> tuple[Any, ...] | None:
    """What Jinja's compiled code for `source` depends on besides its name (None: do not reuse
    it, for a template given as a syntax tree or an extension that may keep parse state)."""
    extensions = frozenset(
        f"{type(ext).__module__}.{type(ext).__qualname__}" for ext in env.extensions.values()
    )
    if not isinstance(source, str) or not extensions <= _STATELESS_EXTENSIONS:
        return None
    return (
        type(env),
        tuple(sorted(extensions)),
        env.block_start_string,
        env.block_end_string,
        env.variable_start_string,
        env.variable_end_string,
        env.comment_start_string,
        env.comment_end_string,
        env.line_statement_prefix,
        env.line_comment_prefix,
        env.trim_blocks,
        env.lstrip_blocks,
        env.newline_sequence,
        env.keep_trailing_newline,
        env.optimized,
        env.autoescape,
        env.finalize,
        env.is_async,
        env.code_generator_class,
        tuple(sorted(env.filters)),
        tuple(sorted(env.tests)),
    )


@dataclass(frozen=True)
class _StoredCode:
    """Compiled code in fledge's cache directory, by a digest of all it was compiled from."""

    path: Path

    def load(self, filename: str) -> CodeType | None:
        try:
            # fledge wrote it, in a directory that only this user can write to
            code = marshal.loads(self.path.read_bytes())  # noqa: S302
        except (OSError, EOFError, ValueError, TypeError):
            return None
        return _with_filename(code, filename) if isinstance(code, CodeType) else None

    def save(self, code: Any) -> None:
        if not isinstance(code, CodeType):
            return
        try:
            self.path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            handle, temporary = tempfile.mkstemp(dir=self.path.parent, prefix=".tmp-")
            with os.fdopen(handle, "wb") as file:
                file.write(marshal.dumps(code))
            Path(temporary).replace(self.path)
        except OSError:
            return


def _with_filename(code: CodeType, filename: str) -> CodeType:
    constants = tuple(
        _with_filename(item, filename) if isinstance(item, CodeType) else item
        for item in code.co_consts
    )
    return code.replace(co_filename=filename, co_consts=constants)


def _stored(key: tuple[Any, ...]) -> _StoredCode | None:
    """Where the code compiled for `key` is kept between runs: in fledge's own cache directory
    (`$XDG_CACHE_HOME/fledge`, else `~/.cache/fledge`), if it is this user's alone."""
    directory = _cache_directory()
    if directory is None:
        return None
    described = [jinja2.__version__, sys.version, importlib.util.MAGIC_NUMBER.hex()]
    described += [_described(value) for value in key]
    digest = hashlib.sha256("\0".join(described).encode("utf-8", "surrogatepass")).hexdigest()
    return _StoredCode(directory / digest[:2] / digest[2:])


@cache
def _cache_directory() -> Path | None:
    root = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    directory = root / "fledge" / "jinja"
    try:
        directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        owned = directory.stat().st_uid == os.getuid()
    except (OSError, RuntimeError, AttributeError):  # no home, read-only, not POSIX
        return None
    return directory if owned else None


def _described(value: Any) -> str:
    """A text for `value` that names the same thing in every process."""
    if isinstance(value, tuple):
        return "(" + ",".join(_described(item) for item in value) + ")"
    if isinstance(value, type) or callable(value):
        module = getattr(value, "__module__", "?")
        return f"{module}.{getattr(value, '__qualname__', type(value).__qualname__)}"
    return repr(value)


_UNCACHED_COMPILE: Callable[..., Any] = _jinja_ext.SandboxedEnvironment.compile


def _no_git_index(worker: Any, dst_relpath: Path, src_mode: int) -> None:
    """Nothing to mirror: fledge renders only into directories it has just made (a project's
    staging directory, a scratch one), whose files no git index can hold yet."""


@contextmanager
def _quick_render(*, git_index: bool) -> Iterator[None]:
    """Copier, for one render, compiling each Jinja source once and, unless `git_index` (the
    destination was not empty), not asking git about each file's executable bit."""
    worker = _main.Worker
    patched: dict[tuple[Any, str], Any] = {
        (_jinja_ext.SandboxedEnvironment, "compile"): _compile_once
    }
    if not git_index and hasattr(worker, "_sync_git_index_executable_bit"):
        patched[worker, "_sync_git_index_executable_bit"] = _no_git_index
    saved = {(owner, attr): owner.__dict__.get(attr) for owner, attr in patched}
    for (owner, attr), value in patched.items():
        setattr(owner, attr, value)
    try:
        yield
    finally:
        for (owner, attr), value in saved.items():
            if value is None:
                delattr(owner, attr)
            else:
                setattr(owner, attr, value)
