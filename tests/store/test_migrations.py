from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from tocsin.store.engine import Database
from tocsin.store.migrate import current_revision, head_revision, migrate
from tocsin.store.schema import metadata


def test_migrations_create_exactly_the_declared_schema(db: Database) -> None:
    with db.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), metadata)
    assert diff == []


def test_migrating_twice_is_a_no_op(db: Database) -> None:
    assert current_revision(db) == head_revision()
    before, after = migrate(db)
    assert before == after == head_revision()
