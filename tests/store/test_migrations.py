from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from tocsin.store.engine import Database
from tocsin.store.migrate import current_revision, head_revision, migrate
from tocsin.store.schema import metadata


def test_migrations_create_exactly_the_declared_schema(db: Database) -> None:
    with db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"include_name": _declared})
        diff = compare_metadata(context, metadata)
    assert diff == []


def _declared(name: str | None, type_: str, parent_names: object) -> bool:
    # SQLite's full-text index (a virtual table and its shadow tables) is made
    # by the migration alone: SQLAlchemy cannot declare it.
    return not (type_ == "table" and name is not None and name.startswith("issues_fts"))


def test_migrating_twice_is_a_no_op(db: Database) -> None:
    assert current_revision(db) == head_revision()
    before, after = migrate(db)
    assert before == after == head_revision()
