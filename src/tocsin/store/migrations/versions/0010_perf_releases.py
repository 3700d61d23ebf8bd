"""Performance by release and by hour; slow spans keep their segment.

``perf_rollups`` gains ``release`` in its primary key (rows written before
keep the empty release), ``perf_rollups_hourly`` is the same shape per hour,
and ``slow_spans`` gains ``segment_id``, the root span of the transaction.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

KEY = ["project_id", "transaction", "environment", "release", "bucket"]
OLD_KEY = ["project_id", "transaction", "environment", "bucket"]


def _columns() -> list[sa.Column[object]]:
    return [
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("transaction", sa.String(length=200), nullable=False),
        sa.Column("environment", sa.String(length=64), nullable=False),
        sa.Column("release", sa.String(length=250), server_default="", nullable=False),
        sa.Column("bucket", sa.DateTime(timezone=True), nullable=False),
        sa.Column("op", sa.String(length=64), nullable=True),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("sum_ms", sa.Float(), nullable=False),
        sa.Column("max_ms", sa.Float(), nullable=True),
        sa.Column("hist", sa.JSON(), nullable=False),
    ]


def _set_key(columns: list[str], *, add_release: bool) -> None:
    if op.get_bind().dialect.name == "sqlite":
        # SQLite cannot alter a primary key: build the new table and copy over;
        # rows of the old table land under the release's default, ""
        kept = [c for c in _columns() if add_release or c.name != "release"]
        copied = ", ".join(f'"{c.name}"' for c in kept if c.name != "release")
        op.create_table("perf_rollups_new", *kept,
                        sa.PrimaryKeyConstraint(*columns, name="pk_perf_rollups"))
        op.execute(f"INSERT INTO perf_rollups_new ({copied}) SELECT {copied} FROM perf_rollups")
        op.drop_table("perf_rollups")
        op.rename_table("perf_rollups_new", "perf_rollups")
        return
    release = sa.Column("release", sa.String(length=250), server_default="",
                        nullable=False)
    op.drop_constraint("pk_perf_rollups", "perf_rollups", type_="primary")
    if add_release:
        op.add_column("perf_rollups", release)
    else:
        op.drop_column("perf_rollups", "release")
    op.create_primary_key("pk_perf_rollups", "perf_rollups", columns)


def upgrade() -> None:
    _set_key(KEY, add_release=True)
    op.create_table("perf_rollups_hourly", *_columns(),
                    sa.PrimaryKeyConstraint(*KEY, name=op.f("pk_perf_rollups_hourly")))
    with op.batch_alter_table("slow_spans", schema=None) as batch_op:
        batch_op.add_column(sa.Column("segment_id", sa.String(length=16), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("slow_spans", schema=None) as batch_op:
        batch_op.drop_column("segment_id")
    op.drop_table("perf_rollups_hourly")
    # Rows of several releases in one minute would collide: fold them first.
    op.execute("DELETE FROM perf_rollups WHERE release <> ''")
    _set_key(OLD_KEY, add_release=False)
