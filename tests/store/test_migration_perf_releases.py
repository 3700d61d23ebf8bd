"""Migration 0010 keeps the minute rollups written before it, under the empty release."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from alembic import command
from sqlalchemy import text

from tocsin.store.engine import Database
from tocsin.store.migrate import _alembic_config, head_revision, migrate


def _to(db: Database, revision: str, *, down: bool) -> None:
    cfg = _alembic_config()
    with db.write() as conn:
        cfg.attributes["connection"] = conn
        (command.downgrade if down else command.upgrade)(cfg, revision)


@pytest.fixture
def before_0010(database_url: str) -> Iterator[Database]:
    database = Database.connect(database_url)
    _to(database, "0008", down=False)
    yield database
    database.dispose()


def test_it_moves_minute_rollups_into_the_release_key(before_0010: Database) -> None:
    db = before_0010
    with db.write() as conn:
        conn.execute(text(
            "INSERT INTO perf_rollups (project_id, \"transaction\", environment, bucket, op,"
            " count, failures, sum_ms, max_ms, hist) VALUES (1, '/a', 'prod',"
            " '2026-12-07 10:00:00.000000', 'http.server', 3, 1, 30.0, 12.0, '{}')"))
    migrate(db)
    with db.write() as conn:
        rows = conn.execute(text(
            'SELECT "transaction", "release", count FROM perf_rollups')).all()
        # a second release of the same minute is a row of its own now
        conn.execute(text(
            "INSERT INTO perf_rollups (project_id, \"transaction\", environment, \"release\","
            " bucket, op, count, failures, sum_ms, max_ms, hist) VALUES (1, '/a', 'prod',"
            " '2.14', '2026-12-07 10:00:00.000000', 'http.server', 1, 0, 5.0, 5.0, '{}')"))
    assert [tuple(r) for r in rows] == [("/a", "", 3)]
    _to(db, "0008", down=True)
    with db.read() as conn:
        assert conn.execute(text("SELECT count(*) FROM perf_rollups")).scalar() == 1
    migrate(db)
    assert head_revision() >= "0010"  # migrated back up to the head again
