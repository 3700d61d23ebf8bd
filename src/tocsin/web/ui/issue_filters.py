"""What an issues list page was asked for: filters, sort and where the page starts.

The query string is the state (``?status=resolved&sort=users&cursor=…``), so a
filtered list can be bookmarked and shared. Values are checked here and
handed to ``issues.search.search_issues`` exactly as the API hands them; the
cursor is the same keyset pair (sort value, id) the API pages with, in a
text of its own so a cursor of another sort is refused rather than misread.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass, replace
from typing import Any, get_args
from urllib.parse import urlencode

import orjson
from starlette.datastructures import QueryParams

from tocsin.issues.search import Sort, cursor_of, parse_cursor_value

PAGE_SIZE = 25
STATUSES = ("unresolved", "resolved", "ignored", "all")
LEVELS = ("fatal", "error", "warning", "info", "debug")
SORTS: dict[str, str] = {"last_seen": "Last seen", "first_seen": "First seen",
                         "times_seen": "Events", "users": "Users"}
assert set(SORTS) == set(get_args(Sort))
QUERY_MAX = 500  # as the API's query parameter
VALUE_MAX = 250  # a release name's limit, the longest of the three


class FilterError(ValueError):
    """A filter or cursor that this list cannot take; the message says which."""


@dataclass(frozen=True)
class IssueFilters:
    status: str = "unresolved"
    level: str = ""
    environment: str = ""
    release: str = ""
    query: str = ""
    sort: Sort = "last_seen"
    cursor: str = ""

    @classmethod
    def from_query(cls, params: QueryParams) -> IssueFilters:
        def text(name: str, limit: int) -> str:
            value = params.get(name, "").strip()
            if len(value) > limit:
                raise FilterError(f"The {name} filter is longer than {limit} characters.")
            return value

        status = params.get("status") or "unresolved"
        if status not in STATUSES:
            raise FilterError(f"{status!r} is not a status: use one of {', '.join(STATUSES)}.")
        level = params.get("level", "")
        if level and level not in LEVELS:
            raise FilterError(f"{level!r} is not a level: use one of {', '.join(LEVELS)}.")
        sort = params.get("sort") or "last_seen"
        if sort not in SORTS:
            raise FilterError(f"{sort!r} is not a sort: use one of {', '.join(SORTS)}.")
        return cls(status=status, level=level, environment=text("environment", VALUE_MAX),
                   release=text("release", VALUE_MAX), query=text("query", QUERY_MAX),
                   sort=sort, cursor=params.get("cursor", ""))  # type: ignore[arg-type]

    def search_arguments(self) -> dict[str, Any]:
        """Keyword arguments of ``search_issues`` (without the limit)."""
        return {"query": self.query or None,
                "status": None if self.status == "all" else self.status,
                "level": self.level or None, "environment": self.environment or None,
                "release": self.release or None, "sort": self.sort, "after": self.after()}

    def after(self) -> tuple[Any, int] | None:
        if not self.cursor:
            return None
        try:
            padded = self.cursor + "=" * (-len(self.cursor) % 4)
            sort, value, last_id = orjson.loads(base64.urlsafe_b64decode(padded))
            if sort != self.sort or isinstance(last_id, bool) or not isinstance(last_id, int):
                raise ValueError("a cursor of another sort")
            return parse_cursor_value(value, self.sort), last_id
        except (ValueError, TypeError) as exc:  # orjson.JSONDecodeError is a ValueError
            raise FilterError("The page link is not one of this list; "
                              "start again from the first page.") from exc

    def next_cursor(self, last: dict[str, Any]) -> str:
        raw = orjson.dumps([self.sort, *cursor_of(last, self.sort)])
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")

    def link(self, **changes: str) -> str:
        """The query string of this list with ``changes``; defaults are left out."""
        changed = replace(self, **changes)  # type: ignore[arg-type]
        pairs = {name: getattr(changed, name) for name in
                 ("status", "level", "environment", "release", "query", "sort", "cursor")}
        kept = {k: v for k, v in pairs.items() if v and getattr(IssueFilters, k, None) != v}
        return "?" + urlencode(kept) if kept else "?"

    @property
    def filtered(self) -> bool:
        return (self.status, self.level, self.environment, self.release, self.query) != \
            ("unresolved", "", "", "", "")
