"""The commits of a release, as ``sentry-cli releases set-commits`` sends them.

sentry-cli 3.8 sends one of two shapes (recorded with ``--log-level=debug``):

* ``refs`` — ``[{"repository", "commit", "previousCommit"}]`` for ``--commit
  REPO@SHA`` (or ``REPO@PREV..SHA``) when REPO is a repository the server lists;
  Sentry would ask the repository's host for the commits in between, Tocsin
  keeps the head (and the previous commit it names). ``--clear`` sends ``[]``.
* ``commits`` — full commits read from the local git checkout (``--auto`` and
  ``--local``, and every mode when no repository is listed): id, repository,
  message, author, timestamp and the patch set, newest first.

Either replaces what the release had, as in Sentry. Sizes are bounded so a
release is a few hundred rows at most.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, delete, select

from tocsin.store.schema import projects, release_commits

MAX_COMMITS = 1000  # sentry-cli sends 20 by default, or the commits since the last release
MAX_FILES = 200  # paths kept per commit; a mass rename would otherwise weigh MiBs
MAX_REPOSITORIES = 1000  # one page for sentry-cli, which follows no cursor here
_TEXT = 10_000


class BadCommits(ValueError):
    """The commits cannot be stored; the message says why."""


def _cut(value: Any, limit: int) -> str | None:
    return value[:limit] if isinstance(value, str) and value else None


def _files(patch_set: Any) -> list[dict[str, str]]:
    out = []
    for change in patch_set if isinstance(patch_set, list) else []:
        if isinstance(change, dict) and isinstance(change.get("path"), str):
            out.append({"path": change["path"][:1024], "type": str(change.get("type") or "")[:2]})
        if len(out) >= MAX_FILES:
            break
    return out


def _when(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        at = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return at if at.tzinfo else None


def rows_of(commits: list[Any] | None, refs: list[Any] | None) -> list[dict[str, Any]]:
    """The rows to store for a ``commits`` or ``refs`` list; :class:`BadCommits` if malformed."""
    given = commits if commits is not None else refs or []
    if len(given) > MAX_COMMITS:
        raise BadCommits(f"at most {MAX_COMMITS} commits per release")
    rows = []
    for i, item in enumerate(given):
        if not isinstance(item, dict):
            raise BadCommits(f"commit {i} is not an object")
        ident = item.get("id") if commits is not None else item.get("commit")
        repository = item.get("repository")
        if not isinstance(ident, str) or not ident or len(ident) > 64:
            raise BadCommits(f"commit {i} needs an id of at most 64 characters")
        if not isinstance(repository, str) or not repository:
            raise BadCommits(f"commit {i} needs a repository")
        previous = item.get("previousCommit")
        rows.append({
            "position": i, "commit_id": ident, "repository": repository[:200],
            "previous_commit": previous[:64] if isinstance(previous, str) and previous else None,
            "message": _cut(item.get("message"), _TEXT),
            "author_name": _cut(item.get("author_name"), 200),
            "author_email": _cut(item.get("author_email"), 200),
            "committed_at": _when(item.get("timestamp")),
            "files": _files(item.get("patch_set")),
        })
    return rows


def set_commits(conn: Connection, version: str, rows: list[dict[str, Any]], *,
                now: datetime) -> None:
    """Replace the release's commits with ``rows`` (from :func:`rows_of`)."""
    version = version[:250]
    conn.execute(delete(release_commits).where(release_commits.c.version == version))
    if rows:
        conn.execute(release_commits.insert(),
                     [{**row, "version": version, "set_at": now} for row in rows])


def list_commits(conn: Connection, version: str) -> list[dict[str, Any]]:
    c = release_commits.c
    rows = conn.execute(select(c.commit_id, c.previous_commit, c.repository, c.message,
                               c.author_name, c.author_email, c.committed_at, c.files)
                        .where(c.version == version[:250]).order_by(c.position))
    return [dict(row._mapping) for row in rows]


def previous_with_commits(conn: Connection, version: str) -> tuple[str, str] | None:
    """(version, newest commit id) of the release whose commits were set last, not ``version``.

    sentry-cli reads it to send only the commits since (``previous-with-commits``).
    """
    c = release_commits.c
    row = conn.execute(select(c.version, c.commit_id)
                       .where(c.version != version[:250], c.position == 0)
                       .order_by(c.set_at.desc(), c.id.desc()).limit(1)).first()
    return (row.version, row.commit_id) if row else None


def repositories(conn: Connection) -> list[str]:
    """Names ``--commit REPO@SHA`` may use: repositories recorded so far and project slugs.

    sentry-cli refuses a REPO the server does not list and Tocsin has no
    repository integrations, so a project's slug stands for its repository
    until a real name (``--auto`` records the remote's, e.g. ``acme/shop``) is known.
    """
    known = conn.execute(select(release_commits.c.repository).distinct()
                         .limit(MAX_REPOSITORIES)).scalars().all()
    slugs = conn.execute(select(projects.c.slug).limit(MAX_REPOSITORIES)).scalars().all()
    return sorted(set(known) | set(slugs))[:MAX_REPOSITORIES]

