"""UTCDateTime on SQLite: the text stored is the one SQLAlchemy's DATETIME reads back."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import Column, Integer, MetaData, Table, create_engine, select, text
from sqlalchemy.dialects import sqlite
from sqlalchemy.types import DateTime

from tocsin.store.schema import UTCDateTime

_meta = MetaData()
_times = Table("times", _meta, Column("id", Integer, primary_key=True),
               Column("at", UTCDateTime, nullable=False))


def _generic(value: datetime) -> str:
    dialect = sqlite.dialect()
    process = DateTime().dialect_impl(dialect).bind_processor(dialect)
    return str(process(value.astimezone(UTC).replace(tzinfo=None)))


@pytest.mark.parametrize("value", [
    datetime(2026, 12, 7, 21, 15, 36, tzinfo=UTC),
    datetime(2026, 12, 7, 21, 15, 36, 450, tzinfo=UTC),
    datetime(2026, 12, 7, 1, 2, 3, 999999, tzinfo=timezone(timedelta(hours=2))),
    datetime(999, 1, 1, tzinfo=UTC),
])
def test_it_stores_the_text_sqlalchemys_datetime_stores(tmp_path, value):
    engine = create_engine(f"sqlite:///{tmp_path / 't.db'}")
    _meta.create_all(engine)
    with engine.begin() as conn:
        conn.execute(_times.insert().values(id=1, at=value))
        stored = conn.execute(text("SELECT at FROM times")).scalar_one()
        back = conn.execute(select(_times.c.at)).scalar_one()
        # comparisons in SQL are on this text, so equal instants must match
        found = conn.execute(select(_times.c.id).where(_times.c.at == value)).scalar_one()
    engine.dispose()
    assert stored == _generic(value)
    assert back == value and back.tzinfo is UTC
    assert found == 1


def test_it_refuses_a_naive_datetime(tmp_path):
    engine = create_engine(f"sqlite:///{tmp_path / 't.db'}")
    _meta.create_all(engine)
    with pytest.raises(Exception, match="naive datetime"), engine.begin() as conn:
        conn.execute(_times.insert().values(id=1, at=datetime(2026, 12, 7)))
    engine.dispose()
