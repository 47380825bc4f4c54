"""Template versions: release tags (`v0.2.0`) and the refs Copier records (`v0.2.0-3-g1a2b3c4`),
ordered by PEP 440 as Copier orders them."""

from __future__ import annotations

import re
from collections.abc import Iterable

from packaging.version import InvalidVersion, Version

# `git describe --tags` output: the last tag, commits since, and the commit.
_DESCRIBE = re.compile(r"^(?P<tag>.+)-(?P<count>\d+)-g(?P<commit>[0-9a-f]+)$")


def parse(ref: str) -> Version | None:
    """The PEP 440 version of a tag or of a `git describe` ref, or None for anything else
    (a branch name, a bare commit hash)."""
    try:
        return Version(ref)
    except InvalidVersion:
        pass
    described = _DESCRIBE.match(ref)
    if described is None:
        return None
    try:
        tag = Version(described["tag"])
    except InvalidVersion:
        return None
    return Version(f"{tag.public}.post{described['count']}+g{described['commit']}")


def releases(tags: Iterable[str]) -> list[str]:
    """The tags that are versions, oldest first, pre-releases left out (as Copier does)."""
    versions = [(version, tag) for tag in tags if (version := parse(tag)) is not None]
    return [tag for version, tag in sorted(versions) if not version.is_prerelease]


def latest(tags: Iterable[str]) -> str | None:
    """The newest release tag: what Copier renders when no ref is asked for."""
    found = releases(tags)
    return found[-1] if found else None
