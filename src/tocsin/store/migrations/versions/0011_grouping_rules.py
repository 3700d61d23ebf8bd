"""Grouping rules: a project's fingerprint rules and stack trace rules.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
# Chained after 0010 on main; "0008" only while this branch is tested alone.
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("projects") as batch_op:
        batch_op.add_column(sa.Column("fingerprint_rules", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("stack_trace_rules", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("projects") as batch_op:
        batch_op.drop_column("stack_trace_rules")
        batch_op.drop_column("fingerprint_rules")
