"""Web sessions kept on the server, and failed sign-ins for the attempt limit.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "web_sessions",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE",
                                name=op.f("fk_web_sessions_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_web_sessions")),
    )
    with op.batch_alter_table("web_sessions", schema=None) as batch_op:
        batch_op.create_index("ix_web_sessions_user", ["user_id"], unique=False)
        batch_op.create_index("ix_web_sessions_expires", ["expires_at"], unique=False)
    op.create_table(
        "signin_failures",
        sa.Column("id", BigId, nullable=False),
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_signin_failures")),
    )
    with op.batch_alter_table("signin_failures", schema=None) as batch_op:
        batch_op.create_index("ix_signin_failures_key_at", ["key", "at"], unique=False)
        batch_op.create_index("ix_signin_failures_at", ["at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("signin_failures", schema=None) as batch_op:
        batch_op.drop_index("ix_signin_failures_at")
        batch_op.drop_index("ix_signin_failures_key_at")
    op.drop_table("signin_failures")
    with op.batch_alter_table("web_sessions", schema=None) as batch_op:
        batch_op.drop_index("ix_web_sessions_expires")
        batch_op.drop_index("ix_web_sessions_user")
    op.drop_table("web_sessions")
