"""The dialect's INSERT, the one with ``on_conflict_do_nothing`` and
``on_conflict_do_update`` on both engines."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection
from sqlalchemy.dialects import postgresql, sqlite


def insert_for(conn: Connection | str) -> Any:
    """``insert`` of the connection's dialect (or of a dialect named by its name)."""
    name = conn if isinstance(conn, str) else conn.dialect.name
    return postgresql.insert if name == "postgresql" else sqlite.insert
