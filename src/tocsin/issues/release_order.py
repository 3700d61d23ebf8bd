"""Which of two releases is newer: the question behind every regression.

sentry-protocol §2.7: an issue resolved in a release regresses only when an
event's release is *newer* than that release, and "release ordering needs
semver, or first-seen order as a fallback". Release strings come as the SDKs
send them: ``my-app@1.2.3``, ``1.2.3-rc.1+build5``, ``backend@2024.11.03`` or a
bare commit hash. The version is what follows the last ``@``; when both sides
parse as versions they are compared as semver (a pre-release sorts before its
release, build metadata is ignored), otherwise by when Tocsin first saw each.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime

from sqlalchemy import Connection, select

from tocsin.store.schema import releases

# 1 to 4 numeric parts (calendar versions have three, some Java builds four),
# an optional leading "v", then semver's pre-release and build parts.
_VERSION = re.compile(
    r"^v?(?P<nums>\d+(?:\.\d+){0,3})"
    r"(?:-(?P<pre>[0-9A-Za-z.-]+))?"
    r"(?:\+(?P<build>[0-9A-Za-z.-]*))?$"
)

_Key = tuple[tuple[int, ...], tuple[tuple[int, int | str], ...] | None]


def _split(release: str) -> tuple[str | None, str]:
    package, at, version = release.rpartition("@")
    return (package if at else None), version


def _key(version: str) -> _Key | None:
    match = _VERSION.match(version)
    if match is None:
        return None
    nums = tuple(int(n) for n in match["nums"].split("."))
    nums += (0,) * (4 - len(nums))  # 1.2 == 1.2.0
    pre = match["pre"]
    if pre is None:
        return nums, None
    # semver §11: numeric identifiers compare as numbers and sort before
    # alphanumeric ones; (0, n) < (1, "rc") keeps the two kinds apart.
    parts = tuple((0, int(p)) if p.isdigit() else (1, p) for p in pre.split("."))
    return nums, parts


def compare_versions(a: str, b: str) -> int | None:
    """-1, 0 or 1 when both releases parse as versions of one package, else None.

    >>> compare_versions("my-app@1.2.3", "my-app@1.10.0")
    -1
    >>> compare_versions("1.0.0-rc.1", "1.0.0") < 0
    True
    >>> compare_versions("abc123def", "1.0.0") is None
    True
    """
    package_a, version_a = _split(a)
    package_b, version_b = _split(b)
    if package_a is not None and package_b is not None and package_a != package_b:
        return None  # two apps' versions say nothing about each other
    key_a, key_b = _key(version_a), _key(version_b)
    if key_a is None or key_b is None:
        return None
    (nums_a, pre_a), (nums_b, pre_b) = key_a, key_b
    if nums_a != nums_b:
        return -1 if nums_a < nums_b else 1
    if pre_a == pre_b:
        return 0
    if pre_a is None:  # the release itself comes after all its pre-releases
        return 1
    if pre_b is None:
        return -1
    return -1 if pre_a < pre_b else 1


def _newer_by(a: str, b: str, first_seen: Mapping[str, tuple[datetime, int]]) -> bool:
    if a == b:
        return False
    order = compare_versions(a, b)
    if order is not None:
        return order > 0
    # First-seen fallback (§2.7). A release not recorded yet is one that has
    # not been deployed yet (or is arriving in this very batch): the newest.
    seen_a, seen_b = first_seen.get(a), first_seen.get(b)
    if seen_a is None:
        return seen_b is not None
    if seen_b is None:
        return False
    return seen_a > seen_b


def _first_seen(conn: Connection, project_id: int, versions: list[str] | None = None
                ) -> dict[str, tuple[datetime, int]]:
    query = select(releases.c.version, releases.c.first_seen, releases.c.id).where(
        releases.c.project_id == project_id)
    if versions is not None:
        query = query.where(releases.c.version.in_(versions))
    return {row.version: (row.first_seen, row.id) for row in conn.execute(query)}


def newer(conn: Connection, project_id: int, a: str, b: str) -> bool:
    """Is release ``a`` newer than release ``b`` in this project?"""
    if a == b:
        return False
    return _newer_by(a, b, _first_seen(conn, project_id, [a, b]))


def any_newer(conn: Connection, project_id: int, candidates: list[str], than: str) -> bool:
    """Is any of ``candidates`` newer than ``than``? One query for a whole batch."""
    wanted = [c for c in dict.fromkeys(candidates) if c and c != than]
    if not wanted:
        return False
    seen = _first_seen(conn, project_id, [*wanted, than])
    return any(_newer_by(c, than, seen) for c in wanted)


def newest(conn: Connection, project_id: int) -> str | None:
    """The newest release the project has sent, or None when it has none."""
    seen = _first_seen(conn, project_id)
    best: str | None = None
    for version in sorted(seen, key=lambda v: seen[v]):
        if best is None or _newer_by(version, best, seen):
            best = version
    return best
