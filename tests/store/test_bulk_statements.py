"""Bulk: a statement compiled once and run as a plain executemany, on both engines."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from tocsin.store.bulk import Bulk, json_value, time_value
from tocsin.store.schema import events, instance
from tocsin.store.upsert import insert_for

_COLUMNS = ("project_id", "event_id", "issue_id", "type", "received_at", "timestamp",
            "level", "title", "tags", "data")


def _row(n: int, at: datetime, dialect: str) -> tuple[object, ...]:
    when = time_value(dialect)
    return (7, f"{n:032x}", None, "error", when(at), when(at + timedelta(seconds=n)),
            "error", f"boom {n}", json_value([["k", str(n)]]), b"\x00packed")


def test_it_stores_rows_that_read_back_as_the_orm_wrote_them(db):
    at = datetime(2026, 12, 7, 21, 0, 0, 123456, tzinfo=UTC)
    bulk = Bulk(events.insert(), _COLUMNS)
    with db.write() as conn:
        bulk.run(conn, [_row(n, at, conn.dialect.name) for n in range(3)])
        bulk.run(conn, [])  # nothing to do is not an error
        conn.execute(events.insert().values(  # the same through SQLAlchemy's types
            project_id=7, event_id="f" * 32, type="error", received_at=at, timestamp=at,
            level="error", title="typed", tags=[["k", "typed"]], data=b"x"))
    with db.read() as conn:
        rows = conn.execute(select(events.c.event_id, events.c.timestamp, events.c.tags,
                                   events.c.data).order_by(events.c.event_id)).all()
        # dates written both ways compare as dates in SQL
        later = conn.execute(select(events.c.event_id).where(
            events.c.timestamp > at).order_by(events.c.event_id)).scalars().all()
    assert [r.timestamp for r in rows] == [at + timedelta(seconds=n) for n in range(3)] + [at]
    assert [r.tags for r in rows] == [[["k", "0"]], [["k", "1"]], [["k", "2"]],
                                      [["k", "typed"]]]
    assert rows[0].data == b"\x00packed"
    assert later == [f"{1:032x}", f"{2:032x}"]


def test_it_runs_an_upsert(db):
    with db.write() as conn:
        insert = insert_for(conn)(instance)
        bulk = Bulk(insert.on_conflict_do_update(
            index_elements=["key"], set_={"value": insert.excluded.value}), ("key", "value"))
        bulk.run(conn, [("a", "1"), ("b", "2")])
        bulk.run(conn, [("a", "3")])
    with db.read() as conn:
        got = dict(conn.execute(select(instance.c.key, instance.c.value)
                                .where(instance.c.key.in_(["a", "b"]))).all())
    assert got == {"a": "3", "b": "2"}


def test_it_refuses_columns_in_another_order_than_the_statement(sqlite_db):
    bulk = Bulk(insert_for("sqlite")(instance), ("value", "key"))
    with pytest.raises(ValueError, match="do not match"), sqlite_db.write() as conn:
        bulk.run(conn, [("1", "a")])
