"""Error tracking: DSN keys, the ingest spool, outcomes, events and issues,
releases, sessions, performance, logs, attachments and feedback.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")

# Full-text search over issues. SQLite: an FTS5 index kept in step with the
# issues table by triggers (external content, so the text is stored once).
# PostgreSQL needs nothing here: issues/search.py matches to_tsvector() of the
# same columns, and a project"s issues are few enough to scan.
_SQLITE_FTS = (
    "CREATE VIRTUAL TABLE issues_fts USING fts5("
    "title, search_text, content='issues', content_rowid='id', tokenize='unicode61')",
    "CREATE TRIGGER issues_fts_insert AFTER INSERT ON issues BEGIN "
    "INSERT INTO issues_fts(rowid, title, search_text) "
    "VALUES (new.id, new.title, new.search_text); END",
    "CREATE TRIGGER issues_fts_delete AFTER DELETE ON issues BEGIN "
    "INSERT INTO issues_fts(issues_fts, rowid, title, search_text) "
    "VALUES ('delete', old.id, old.title, old.search_text); END",
    "CREATE TRIGGER issues_fts_update AFTER UPDATE OF title, search_text ON issues BEGIN "
    "INSERT INTO issues_fts(issues_fts, rowid, title, search_text) "
    "VALUES ('delete', old.id, old.title, old.search_text); "
    "INSERT INTO issues_fts(rowid, title, search_text) "
    "VALUES (new.id, new.title, new.search_text); END",
)


def upgrade() -> None:
    op.create_table(
        "attachments",
        sa.Column("id", BigId, nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.String(length=32), nullable=False),
        sa.Column("filename", sa.String(length=255), nullable=False),
        sa.Column("content_type", sa.String(length=100), nullable=True),
        sa.Column("attachment_type", sa.String(length=40), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_attachments")),
    )
    with op.batch_alter_table("attachments", schema=None) as batch_op:
        batch_op.create_index("ix_attachments_event", ["project_id", "event_id"], unique=False)

    op.create_table(
        "envelopes",
        sa.Column("id", BigId, nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("key_id", sa.Integer(), nullable=True),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("body", sa.LargeBinary(), nullable=False),
        sa.Column("remote_addr", sa.String(length=64), nullable=True),
        sa.Column("claimed_by", sa.String(length=100), nullable=True),
        sa.Column("claimed_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("attempts", sa.Integer(), server_default="0", nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_envelopes")),
    )
    op.create_table(
        "events",
        sa.Column("id", BigId, nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.String(length=32), nullable=False),
        sa.Column("issue_id", sa.Integer(), nullable=True),
        sa.Column("type", sa.String(length=16), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("timestamp", sa.DateTime(timezone=True), nullable=False),
        sa.Column("level", sa.String(length=10), nullable=False),
        sa.Column("environment", sa.String(length=64), nullable=True),
        sa.Column("release", sa.String(length=250), nullable=True),
        sa.Column("transaction", sa.String(length=200), nullable=True),
        sa.Column("title", sa.String(length=255), nullable=False),
        sa.Column("user_key", sa.String(length=200), nullable=True),
        sa.Column("trace_id", sa.String(length=32), nullable=True),
        sa.Column("tags", sa.JSON(), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_events")),
        sa.UniqueConstraint("project_id", "event_id", name=op.f("uq_events_project_id_event_id")),
    )
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.create_index("ix_events_issue", ["issue_id", "id"], unique=False)
        batch_op.create_index("ix_events_received", ["received_at"], unique=False)

    op.create_table(
        "feedback",
        sa.Column("id", BigId, nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.String(length=32), nullable=False),
        sa.Column("associated_event_id", sa.String(length=32), nullable=True),
        sa.Column("name", sa.String(length=200), nullable=True),
        sa.Column("email", sa.String(length=254), nullable=True),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("url", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_feedback")),
    )
    with op.batch_alter_table("feedback", schema=None) as batch_op:
        batch_op.create_index("ix_feedback_project", ["project_id", "created_at"], unique=False)

    op.create_table(
        "logs",
        sa.Column("id", BigId, nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("level", sa.String(length=10), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("trace_id", sa.String(length=32), nullable=True),
        sa.Column("release", sa.String(length=250), nullable=True),
        sa.Column("environment", sa.String(length=64), nullable=True),
        sa.Column("attributes", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_logs")),
    )
    with op.batch_alter_table("logs", schema=None) as batch_op:
        batch_op.create_index("ix_logs_project_at", ["project_id", "at"], unique=False)

    op.create_table(
        "open_sessions",
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("sid", sa.String(length=64), nullable=False),
        sa.Column("errored", sa.Boolean(), server_default="0", nullable=False),
        sa.Column("ended", sa.Boolean(), server_default="0", nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("project_id", "sid", name=op.f("pk_open_sessions")),
    )
    with op.batch_alter_table("open_sessions", schema=None) as batch_op:
        batch_op.create_index("ix_open_sessions_updated", ["updated_at"], unique=False)

    op.create_table(
        "outcomes",
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("bucket", sa.DateTime(timezone=True), nullable=False),
        sa.Column("source", sa.String(length=6), nullable=False),
        sa.Column("reason", sa.String(length=40), nullable=False),
        sa.Column("category", sa.String(length=20), nullable=False),
        sa.Column("quantity", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint(
            "project_id", "bucket", "source", "reason", "category", name=op.f("pk_outcomes")
        ),
    )
    op.create_table(
        "perf_rollups",
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("transaction", sa.String(length=200), nullable=False),
        sa.Column("environment", sa.String(length=64), nullable=False),
        sa.Column("bucket", sa.DateTime(timezone=True), nullable=False),
        sa.Column("op", sa.String(length=64), nullable=True),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("sum_ms", sa.Float(), nullable=False),
        sa.Column("max_ms", sa.Float(), nullable=True),
        sa.Column("hist", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint(
            "project_id", "transaction", "environment", "bucket", name=op.f("pk_perf_rollups")
        ),
    )
    op.create_table(
        "session_counts",
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("release", sa.String(length=250), nullable=False),
        sa.Column("environment", sa.String(length=64), nullable=False),
        sa.Column("bucket", sa.DateTime(timezone=True), nullable=False),
        sa.Column("started", sa.Integer(), server_default="0", nullable=False),
        sa.Column("exited", sa.Integer(), server_default="0", nullable=False),
        sa.Column("errored", sa.Integer(), server_default="0", nullable=False),
        sa.Column("crashed", sa.Integer(), server_default="0", nullable=False),
        sa.Column("abnormal", sa.Integer(), server_default="0", nullable=False),
        sa.PrimaryKeyConstraint(
            "project_id", "release", "environment", "bucket", name=op.f("pk_session_counts")
        ),
    )
    op.create_table(
        "session_users",
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("release", sa.String(length=250), nullable=False),
        sa.Column("environment", sa.String(length=64), nullable=False),
        sa.Column("day", sa.DateTime(timezone=True), nullable=False),
        sa.Column("did", sa.String(length=200), nullable=False),
        sa.Column("errored", sa.Boolean(), server_default="0", nullable=False),
        sa.Column("crashed", sa.Boolean(), server_default="0", nullable=False),
        sa.PrimaryKeyConstraint(
            "project_id", "release", "environment", "day", "did", name=op.f("pk_session_users")
        ),
    )
    op.create_table(
        "slow_spans",
        sa.Column("id", BigId, nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("transaction", sa.String(length=200), nullable=True),
        sa.Column("op", sa.String(length=64), nullable=True),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("duration_ms", sa.Float(), nullable=False),
        sa.Column("trace_id", sa.String(length=32), nullable=True),
        sa.Column("event_id", sa.String(length=32), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_slow_spans")),
    )
    with op.batch_alter_table("slow_spans", schema=None) as batch_op:
        batch_op.create_index("ix_slow_spans_project_at", ["project_id", "at"], unique=False)

    op.create_table(
        "dsn_keys",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("public_key", sa.String(length=32), nullable=False),
        sa.Column("label", sa.String(length=100), nullable=False),
        sa.Column("rate_limits", sa.JSON(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["projects.id"],
            name=op.f("fk_dsn_keys_project_id_projects"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dsn_keys")),
        sa.UniqueConstraint("public_key", name=op.f("uq_dsn_keys_public_key")),
    )
    op.create_table(
        "environments",
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("first_seen", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["projects.id"],
            name=op.f("fk_environments_project_id_projects"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("project_id", "name", name=op.f("pk_environments")),
    )
    op.create_table(
        "issues",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("short_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=255), nullable=False),
        sa.Column("culprit", sa.String(length=255), server_default="", nullable=False),
        sa.Column("type", sa.String(length=16), nullable=False),
        sa.Column("level", sa.String(length=10), nullable=False),
        sa.Column("platform", sa.String(length=32), nullable=True),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("substatus", sa.String(length=16), nullable=False),
        sa.Column("first_seen", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen", sa.DateTime(timezone=True), nullable=False),
        sa.Column("times_seen", sa.BigInteger(), nullable=False),
        sa.Column("users_seen", sa.Integer(), server_default="0", nullable=False),
        sa.Column("first_release", sa.String(length=250), nullable=True),
        sa.Column("last_release", sa.String(length=250), nullable=True),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("resolution", sa.String(length=16), nullable=True),
        sa.Column("resolved_in", sa.String(length=250), nullable=True),
        sa.Column("ignore_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("ignore_until_count", sa.BigInteger(), nullable=True),
        sa.Column("ignore_until_users", sa.Integer(), nullable=True),
        sa.Column("merged_into", sa.Integer(), nullable=True),
        sa.Column("last_event_id", sa.String(length=32), nullable=True),
        sa.Column("grouping", sa.JSON(), nullable=True),
        sa.Column("metadata", sa.JSON(), nullable=False),
        sa.Column("search_text", sa.Text(), server_default="", nullable=False),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["projects.id"],
            name=op.f("fk_issues_project_id_projects"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_issues")),
        sa.UniqueConstraint("project_id", "short_id", name=op.f("uq_issues_project_id_short_id")),
    )
    with op.batch_alter_table("issues", schema=None) as batch_op:
        batch_op.create_index(
            "ix_issues_project_last_seen", ["project_id", "status", "last_seen"], unique=False
        )

    op.create_table(
        "releases",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.String(length=250), nullable=False),
        sa.Column("first_seen", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen", sa.DateTime(timezone=True), nullable=False),
        sa.Column("new_issues", sa.Integer(), server_default="0", nullable=False),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["projects.id"],
            name=op.f("fk_releases_project_id_projects"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_releases")),
        sa.UniqueConstraint("project_id", "version", name=op.f("uq_releases_project_id_version")),
    )
    op.create_table(
        "issue_activity",
        sa.Column("id", BigId, nullable=False),
        sa.Column("issue_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["issue_id"],
            ["issues.id"],
            name=op.f("fk_issue_activity_issue_id_issues"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_issue_activity")),
    )
    with op.batch_alter_table("issue_activity", schema=None) as batch_op:
        batch_op.create_index("ix_issue_activity_issue", ["issue_id", "at"], unique=False)

    op.create_table(
        "issue_hashes",
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("hash", sa.String(length=32), nullable=False),
        sa.Column("issue_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["issue_id"],
            ["issues.id"],
            name=op.f("fk_issue_hashes_issue_id_issues"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("project_id", "hash", name=op.f("pk_issue_hashes")),
    )
    with op.batch_alter_table("issue_hashes", schema=None) as batch_op:
        batch_op.create_index("ix_issue_hashes_issue", ["issue_id"], unique=False)

    op.create_table(
        "issue_hourly",
        sa.Column("issue_id", sa.Integer(), nullable=False),
        sa.Column("bucket", sa.DateTime(timezone=True), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["issue_id"],
            ["issues.id"],
            name=op.f("fk_issue_hourly_issue_id_issues"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("issue_id", "bucket", name=op.f("pk_issue_hourly")),
    )
    op.create_table(
        "issue_tags",
        sa.Column("issue_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=32), nullable=False),
        sa.Column("value", sa.String(length=200), nullable=False),
        sa.Column("count", sa.BigInteger(), nullable=False),
        sa.Column("first_seen", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["issue_id"],
            ["issues.id"],
            name=op.f("fk_issue_tags_issue_id_issues"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("issue_id", "key", "value", name=op.f("pk_issue_tags")),
    )
    op.create_table(
        "issue_users",
        sa.Column("issue_id", sa.Integer(), nullable=False),
        sa.Column("user_key", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["issue_id"],
            ["issues.id"],
            name=op.f("fk_issue_users_issue_id_issues"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("issue_id", "user_key", name=op.f("pk_issue_users")),
    )
    with op.batch_alter_table("monitors", schema=None) as batch_op:
        batch_op.add_column(sa.Column("max_runtime_s", sa.Integer(), nullable=True))

    with op.batch_alter_table("projects", schema=None) as batch_op:
        batch_op.add_column(sa.Column("allowed_origins", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("rate_limits", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("monthly_quota", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("quota_warned", sa.String(length=7), nullable=True))
        batch_op.add_column(
            sa.Column("hash_users", sa.Boolean(), server_default="0", nullable=False)
        )
        batch_op.add_column(
            sa.Column("next_short_id", sa.Integer(), server_default="1", nullable=False)
        )
    if op.get_bind().dialect.name == "sqlite":
        for statement in _SQLITE_FTS:
            op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TABLE IF EXISTS issues_fts")
    with op.batch_alter_table("projects", schema=None) as batch_op:
        batch_op.drop_column("next_short_id")
        batch_op.drop_column("hash_users")
        batch_op.drop_column("quota_warned")
        batch_op.drop_column("monthly_quota")
        batch_op.drop_column("rate_limits")
        batch_op.drop_column("allowed_origins")

    with op.batch_alter_table("monitors", schema=None) as batch_op:
        batch_op.drop_column("max_runtime_s")

    op.drop_table("issue_users")
    op.drop_table("issue_tags")
    op.drop_table("issue_hourly")
    with op.batch_alter_table("issue_hashes", schema=None) as batch_op:
        batch_op.drop_index("ix_issue_hashes_issue")

    op.drop_table("issue_hashes")
    with op.batch_alter_table("issue_activity", schema=None) as batch_op:
        batch_op.drop_index("ix_issue_activity_issue")

    op.drop_table("issue_activity")
    op.drop_table("releases")
    with op.batch_alter_table("issues", schema=None) as batch_op:
        batch_op.drop_index("ix_issues_project_last_seen")

    op.drop_table("issues")
    op.drop_table("environments")
    op.drop_table("dsn_keys")
    with op.batch_alter_table("slow_spans", schema=None) as batch_op:
        batch_op.drop_index("ix_slow_spans_project_at")

    op.drop_table("slow_spans")
    op.drop_table("session_users")
    op.drop_table("session_counts")
    op.drop_table("perf_rollups")
    op.drop_table("outcomes")
    with op.batch_alter_table("open_sessions", schema=None) as batch_op:
        batch_op.drop_index("ix_open_sessions_updated")

    op.drop_table("open_sessions")
    with op.batch_alter_table("logs", schema=None) as batch_op:
        batch_op.drop_index("ix_logs_project_at")

    op.drop_table("logs")
    with op.batch_alter_table("feedback", schema=None) as batch_op:
        batch_op.drop_index("ix_feedback_project")

    op.drop_table("feedback")
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.drop_index("ix_events_received")
        batch_op.drop_index("ix_events_issue")

    op.drop_table("events")
    op.drop_table("envelopes")
    with op.batch_alter_table("attachments", schema=None) as batch_op:
        batch_op.drop_index("ix_attachments_event")

    op.drop_table("attachments")
