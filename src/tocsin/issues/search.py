"""Finding issues: words, filters, and a stable order to page through.

Users asked for full-text and stack-trace search (sentry-protocol §3.3 row 7):
words match an issue's title and its ``search_text`` (frame functions, modules,
messages and tag values, written by the digest). SQLite uses the FTS5 index
``issues_fts`` from migration 0002; PostgreSQL matches ``to_tsvector`` of the
same text. Each word is quoted, so FTS syntax typed by a user (``"``, ``*``,
``NEAR``, ``-``) is searched for, never run.

The query grammar is words plus ``key:value`` tokens, e.g.
``TypeError checkout is:unresolved release:1.2 environment:production``:

- ``is:unresolved|resolved|ignored|merged|all`` sets the status (default
  unresolved);
- ``level:``, ``release:``, ``environment:`` (or ``env:``) filter like the
  parameters of the same name;
- any other ``key:value`` needs the issue to have seen that tag value;
- ``"two words"`` keeps a phrase together.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import (
    ColumnElement,
    Connection,
    Integer,
    and_,
    bindparam,
    exists,
    func,
    literal_column,
    or_,
    select,
    text,
)

from tocsin.store.schema import issue_tags, issues

Sort = Literal["last_seen", "first_seen", "times_seen", "users"]
SORT_COLUMNS = {"last_seen": issues.c.last_seen, "first_seen": issues.c.first_seen,
                "times_seen": issues.c.times_seen, "users": issues.c.users_seen}
STATUSES = ("unresolved", "resolved", "ignored", "merged")
_TOKEN = re.compile(r"^(?P<key>[a-z][a-z0-9_.-]{0,31}):(?P<value>.+)$")

# What a list shows of an issue; the detail (queries.get_issue) shows more.
LIST_COLUMNS = (issues.c.id, issues.c.project_id, issues.c.short_id, issues.c.title,
                issues.c.culprit, issues.c.type, issues.c.level, issues.c.platform,
                issues.c.status, issues.c.substatus, issues.c.first_seen,
                issues.c.last_seen, issues.c.times_seen, issues.c.users_seen,
                issues.c.first_release, issues.c.last_release)


class SearchError(ValueError):
    """The query names something that cannot be searched for."""


@dataclass
class Query:
    """A parsed search: the words, and the filters the tokens named."""

    words: list[str] = field(default_factory=list)
    status: str | None = None
    tags: list[tuple[str, str]] = field(default_factory=list)
    levels: list[str] = field(default_factory=list)


def parse_query(query: str) -> Query:
    """Split a search box into words and filters (grammar in the module doc)."""
    try:
        parts = shlex.split(query)
    except ValueError:  # an unbalanced quote: take the text word by word
        parts = query.replace('"', " ").replace("'", " ").split()
    parsed = Query()
    for part in parts:
        if not part:
            continue
        match = _TOKEN.match(part)
        if match is None:
            parsed.words.append(part)
            continue
        key, value = match["key"], match["value"]
        if key == "is":
            if value not in (*STATUSES, "all"):
                raise SearchError(f"is:{value} is not a status; use one of "
                                  + ", ".join((*STATUSES, "all")))
            parsed.status = value
        elif key == "level":
            parsed.levels.append(value)
        elif key in ("env", "environment"):
            parsed.tags.append(("environment", value))
        else:
            parsed.tags.append((key, value))
    return parsed


def _has_tag(key: str, value: str) -> ColumnElement[bool]:
    return exists().where(issue_tags.c.issue_id == issues.c.id, issue_tags.c.key == key,
                          issue_tags.c.value == value)


def _matches(conn: Connection, words: list[str]) -> ColumnElement[bool]:
    if conn.dialect.name == "sqlite":
        # "word" is an FTS5 string: inside it only a doubled quote is special
        fts = " ".join('"' + w.replace('"', '""') + '"' for w in words)
        ids = select(literal_column("rowid", Integer)).select_from(text("issues_fts")).where(
            text("issues_fts MATCH :fts").bindparams(bindparam("fts", fts)))
        return issues.c.id.in_(ids)
    document = func.to_tsvector("simple", issues.c.title + " " + issues.c.search_text)
    return document.op("@@")(func.plainto_tsquery("simple", " ".join(words)))


def search_issues(
    conn: Connection, project_id: int, *, query: str | None = None,
    status: str | None = "unresolved", level: str | None = None,
    environment: str | None = None, release: str | None = None,
    sort: Sort = "last_seen", limit: int = 50, after: tuple[Any, int] | None = None,
) -> list[dict[str, Any]]:
    """Issues of a project, best first by ``sort``, then by id.

    ``after`` is :func:`cursor_of` the last issue of the previous page: keyset
    paging on (sort value, id), so a page never repeats or skips an issue that
    did not change in between. ``status=None`` or ``is:all`` means any status.
    """
    parsed = parse_query(query or "")
    if parsed.status is not None:
        status = None if parsed.status == "all" else parsed.status
    conditions: list[ColumnElement[bool]] = [issues.c.project_id == project_id]
    if status is not None:
        conditions.append(issues.c.status == status)
    for wanted in [level, *parsed.levels]:
        if wanted:
            conditions.append(issues.c.level == wanted)
    tags = parsed.tags + [(k, v) for k, v in (("environment", environment),
                                              ("release", release)) if v]
    conditions += [_has_tag(k, v) for k, v in tags]
    if parsed.words:
        conditions.append(_matches(conn, parsed.words))
    column = SORT_COLUMNS[sort]
    if after is not None:
        value, last_id = after
        conditions.append(or_(column < value, and_(column == value, issues.c.id < last_id)))
    rows = conn.execute(select(*LIST_COLUMNS).where(*conditions)
                        .order_by(column.desc(), issues.c.id.desc()).limit(limit))
    return [dict(row._mapping) for row in rows]


def cursor_of(issue: dict[str, Any], sort: Sort) -> tuple[Any, int]:
    """Where the next page starts after ``issue``: (sort value, id)."""
    value = issue[SORT_COLUMNS[sort].name]
    return (value.isoformat() if isinstance(value, datetime) else value), issue["id"]


def parse_cursor_value(value: Any, sort: Sort) -> Any:
    """The sort value of a cursor back in its column's type; ValueError if wrong."""
    if sort in ("last_seen", "first_seen"):
        moment = datetime.fromisoformat(str(value))
        if moment.tzinfo is None:
            raise ValueError("a cursor time has a zone")
        return moment
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError("a count cursor is a number")
    return value
