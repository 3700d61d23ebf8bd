"""Keyset pagination parameters shared by every list route.

A cursor is the id of the last row of the previous page, sent as text so it
stays opaque to clients: keyset paging costs the same on page 1 and page
1,000, where OFFSET would scan every skipped row.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Query

from tocsin.web.api.errors import ApiError

DEFAULT_LIMIT = 50
MAX_LIMIT = 500

Cursor = Annotated[str | None, Query(
    description="next_cursor from the previous page; leave out for the first page.")]
Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT, description="Items per page (1–500).")]


def after_id(cursor: str | None) -> int | None:
    """The id a page continues from, or None for the first page."""
    if cursor is None or cursor == "":
        return None
    if not cursor.isdigit() or len(cursor) > 18:
        raise ApiError(422, "The request has 1 invalid field: cursor.",
                       fields=[(("query", "cursor"),
                                "not a cursor from this API; use next_cursor as given")])
    return int(cursor)


def next_cursor(ids: list[int], limit: int) -> str | None:
    """Callers fetch ``limit + 1`` rows; an extra row means there is a next page."""
    return str(ids[limit - 1]) if len(ids) > limit else None
