"""The few git operations fledge needs: a new repository with its first commit, and reading
a template file at a ref."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from fledge import process
from fledge.errors import CommandError

# Variables a parent git process (a hook, a worktree) may export; they would redirect our
# commands to another repository.
_REPOSITORY_VARIABLES = ("GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "GIT_PREFIX")


def available() -> bool:
    return process.find("git") is not None


def _env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if k not in _REPOSITORY_VARIABLES}


def _git(repo: Path, *args: str) -> process.Outcome:
    return process.run(["git", *args], cwd=repo, env=_env())


def _checked(repo: Path, *args: str) -> process.Outcome:
    outcome = _git(repo, *args)
    if not outcome.ok:
        raise CommandError(f"`{outcome.command}` failed.", details=outcome.tail())
    return outcome


def _identity_overrides(repo: Path, name: str, email: str) -> list[str]:
    """`-c user.*=` options for whatever identity git would not find on its own.

    A bare CI machine has no `user.name`/`user.email`; there the author given in the answers
    signs the first commit. A configured identity (config or GIT_* variables) is left alone.
    """
    overrides: list[str] = []
    for key, value, variable in (("name", name, "NAME"), ("email", email, "EMAIL")):
        from_env = f"GIT_AUTHOR_{variable}" in os.environ and (
            f"GIT_COMMITTER_{variable}" in os.environ
        )
        if not from_env and not _git(repo, "config", "--get", f"user.{key}").ok:
            overrides += ["-c", f"user.{key}={value}"]
    return overrides


def init_and_commit(repo: Path, *, message: str, author_name: str, author_email: str) -> str:
    """Make `repo` a git repository on branch main holding every file in one commit.

    Returns:
        The new commit's hash.

    Raises:
        CommandError: a git command failed.
    """
    _checked(repo, "init", "--quiet", "--initial-branch=main")
    _checked(repo, "add", "--all")
    identity = _identity_overrides(repo, author_name, author_email)
    _checked(repo, *identity, "commit", "--quiet", "--no-verify", "--message", message)
    return _checked(repo, "rev-parse", "HEAD").output.strip()


def is_repository_root(path: Path) -> bool:
    outcome = _git(path, "rev-parse", "--show-toplevel")
    return outcome.ok and Path(outcome.output.strip()).resolve() == path.resolve()


def show(repo: Path, ref: str, relpath: str) -> str | None:
    """The content of `relpath` at `ref` in `repo`, or None when it is not there."""
    outcome = _git(repo, "show", f"{ref}:{relpath}")
    return outcome.output if outcome.ok else None


def has_revision(repo: Path, ref: str) -> bool:
    return _git(repo, "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}").ok


def toplevel(path: Path) -> Path | None:
    """The root of the git work tree holding `path`, or None outside any repository."""
    outcome = _git(path, "rev-parse", "--show-toplevel")
    return Path(outcome.output.strip()) if outcome.ok else None


@dataclass(frozen=True)
class Change:
    """One line of `git status`: a path relative to the repository root and its XY code."""

    code: str
    path: str

    @property
    def unmerged(self) -> bool:
        return "U" in self.code or self.code in {"AA", "DD"}


def status(path: Path) -> list[Change]:
    """The uncommitted changes under `path` (untracked files included, ignored ones not)."""
    outcome = _checked(path, "status", "--porcelain=v1", "-z", "--untracked-files=all", "--", ".")
    entries = outcome.output.split("\0")
    changes: list[Change] = []
    index = 0
    while index < len(entries):
        entry = entries[index]
        index += 1
        if len(entry) < 4:
            continue
        code, name = entry[:2], entry[3:]
        if code[0] in "RC":
            index += 1  # the rename's source path follows
        changes.append(Change(code, name))
    return changes


def clone(source: str, dest: Path) -> process.Outcome:
    """`git clone --no-checkout SOURCE DEST` (every tag and branch, no work tree)."""
    return _git(dest.parent, "clone", "--quiet", "--no-checkout", "--", source, str(dest))


def tags(repo: Path) -> list[str]:
    return _checked(repo, "tag", "--list").output.split()


def remote_tags(source: str, cwd: Path) -> process.Outcome:
    """`git ls-remote --tags` of a repository URL or path, without cloning it."""
    return _git(cwd, "ls-remote", "--tags", "--refs", "--", source)


def resolve(repo: Path, ref: str) -> str | None:
    """The commit `ref` names in `repo` (a tag, a `git describe` ref, a commit, or a branch of
    the repository it was cloned from), or None."""
    for candidate in (ref, f"origin/{ref}"):
        outcome = _git(
            repo, "rev-parse", "--verify", "--quiet", "--end-of-options", f"{candidate}^{{commit}}"
        )
        if outcome.ok:
            return outcome.output.strip()
    return None


def is_ancestor(repo: Path, older: str, newer: str) -> bool:
    """Whether commit `older` is `newer` or one of its ancestors."""
    return _git(repo, "merge-base", "--is-ancestor", older, newer).ok


def remote_head(source: str, cwd: Path) -> process.Outcome:
    """`git ls-remote` of the head of a repository's default branch, without cloning it."""
    return _git(cwd, "ls-remote", "--", source, "HEAD")


def describe(repo: Path, commit: str) -> str:
    """The ref Copier records for `commit`: its tag, or `TAG-N-gHASH`, or a short hash."""
    return _checked(repo, "describe", "--tags", "--always", commit).output.strip()


def head(repo: Path) -> str:
    return _checked(repo, "rev-parse", "HEAD").output.strip()


def commit_all(repo: Path, message: str) -> None:
    """Commit everything in the work tree (an empty commit when nothing changed), skipping
    hooks: a step of fledge's own, undone by `reset_to`."""
    _checked(repo, "add", "--all")
    identity = _identity_overrides(repo, "fledge", "fledge@localhost")
    _checked(
        repo,
        *identity,
        *("-c", "commit.gpgsign=false"),
        *("commit", "--quiet", "--no-verify", "--allow-empty", "--message", message),
    )


def reset_to(repo: Path, commit: str) -> None:
    """Move the branch back to `commit`, leaving every change since in the work tree,
    uncommitted and unstaged."""
    _checked(repo, "reset", "--quiet", "--mixed", commit)


def unmerged_entries(repo: Path) -> str:
    """The index's entries of files in conflict (`git ls-files --unmerged`: mode, blob, stage
    and path of each side), for `restore_unmerged` after the index is rebuilt."""
    return _checked(repo, "ls-files", "--unmerged", "--full-name").output


def restore_unmerged(repo: Path, entries: str) -> None:
    """Mark files in conflict again as `unmerged_entries` recorded them, so that `git status`
    lists them as such (`UU`) and `git add` resolves them."""
    lines = [line for line in entries.splitlines() if line.strip()]
    if not lines:
        return
    paths = sorted({line.split("\t", 1)[1] for line in lines})
    removals = "".join(f"0 {'0' * 40}\t{path}\n" for path in paths)
    outcome = process.run(
        ["git", "update-index", "--index-info"],
        cwd=repo,
        env=_env(),
        input=removals + "".join(f"{line}\n" for line in lines),
    )
    if not outcome.ok:
        raise CommandError(f"`{outcome.command}` failed.", details=outcome.tail())
