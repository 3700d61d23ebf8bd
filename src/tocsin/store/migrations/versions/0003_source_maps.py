"""Source maps: uploaded artifact-bundle chunks and the files of assembled bundles.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "artifact_chunks",
        sa.Column("sha1", sa.String(length=40), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("sha1", name=op.f("pk_artifact_chunks")),
    )
    op.create_table(
        "source_files",
        sa.Column("id", BigId, nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("debug_id", sa.String(length=36), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.Column("bundle", sa.String(length=40), nullable=False),
        sa.Column("uploaded_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_source_files")),
        sa.UniqueConstraint("project_id", "debug_id", "kind",
                            name=op.f("uq_source_files_project_id_debug_id_kind")),
    )
    with op.batch_alter_table("source_files", schema=None) as batch_op:
        batch_op.create_index("ix_source_files_uploaded", ["uploaded_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("source_files", schema=None) as batch_op:
        batch_op.drop_index("ix_source_files_uploaded")
    op.drop_table("source_files")
    op.drop_table("artifact_chunks")
