"""Release files (source maps matched by release and URL) and release commits.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "release_files",
        sa.Column("id", BigId, nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("release", sa.String(length=250), nullable=False),
        sa.Column("dist", sa.String(length=64), nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("sourcemap", sa.Text(), nullable=True),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.Column("bundle", sa.String(length=40), nullable=False),
        sa.Column("uploaded_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_release_files")),
        sa.UniqueConstraint("project_id", "release", "dist", "url",
                            name=op.f("uq_release_files_project_id_release_dist_url")),
    )
    with op.batch_alter_table("release_files", schema=None) as batch_op:
        batch_op.create_index("ix_release_files_uploaded", ["uploaded_at"], unique=False)
    op.create_table(
        "release_commits",
        sa.Column("id", BigId, nullable=False),
        sa.Column("version", sa.String(length=250), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("commit_id", sa.String(length=64), nullable=False),
        sa.Column("previous_commit", sa.String(length=64), nullable=True),
        sa.Column("repository", sa.String(length=200), nullable=False),
        sa.Column("message", sa.Text(), nullable=True),
        sa.Column("author_name", sa.String(length=200), nullable=True),
        sa.Column("author_email", sa.String(length=200), nullable=True),
        sa.Column("committed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("files", sa.JSON(), nullable=False),
        sa.Column("set_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_release_commits")),
        sa.UniqueConstraint("version", "position",
                            name=op.f("uq_release_commits_version_position")),
    )
    with op.batch_alter_table("release_commits", schema=None) as batch_op:
        batch_op.create_index("ix_release_commits_set_at", ["set_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("release_commits", schema=None) as batch_op:
        batch_op.drop_index("ix_release_commits_set_at")
    op.drop_table("release_commits")
    with op.batch_alter_table("release_files", schema=None) as batch_op:
        batch_op.drop_index("ix_release_files_uploaded")
    op.drop_table("release_files")
