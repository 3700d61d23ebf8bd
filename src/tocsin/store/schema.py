"""The one schema, identical on SQLite and PostgreSQL.

Alembic migrations in ``migrations/versions`` create exactly these tables; a
test compares the migrated database with this metadata on both engines.
Timestamps are stored as timezone-aware UTC (`UTCDateTime`).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    DateTime,
    Dialect,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    TypeDecorator,
    UniqueConstraint,
)

# SQLite only auto-increments INTEGER PRIMARY KEY; PostgreSQL wants BIGINT for
# tables that grow without bound (results, pings, signals).
BigId = BigInteger().with_variant(Integer(), "sqlite")


class UTCDateTime(TypeDecorator[datetime]):
    """Aware UTC in, aware UTC out, on both engines (SQLite keeps no zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the store; use UTC-aware values")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def bind_processor(self, dialect: Dialect) -> Any:
        if dialect.name != "sqlite":
            return super().bind_processor(dialect)

        # SQLite: straight to the text SQLAlchemy's DATETIME stores
        # ("2026-12-07 21:15:36.000450"), in one C call. The generic path
        # (this decorator, then DATETIME's %-formatting) was a twentieth of
        # the digest's time: every event, tag and hourly row carries dates.
        def process(value: datetime | None) -> str | None:
            if value is None:
                return None
            zone = value.tzinfo
            if zone is None:
                raise ValueError("naive datetime given to the store; use UTC-aware values")
            if zone is not UTC:
                value = value.astimezone(UTC)
            return value.replace(tzinfo=None).isoformat(" ", "microseconds")

        return process

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

instance = Table(
    "instance", metadata,
    Column("key", String(64), primary_key=True),
    Column("value", Text, nullable=False),
)

users = Table(
    "users", metadata,
    Column("id", Integer, primary_key=True),
    Column("email", String(254), nullable=False, unique=True),
    Column("name", String(200), nullable=False, server_default=""),
    Column("password_hash", String(200), nullable=False),
    Column("role", String(16), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("last_login_at", UTCDateTime),
)

projects = Table(
    "projects", metadata,
    Column("id", Integer, primary_key=True),
    Column("slug", String(100), nullable=False, unique=True),
    Column("name", String(200), nullable=False),
    Column("ping_key", String(64), nullable=False, unique=True),
    Column("created_at", UTCDateTime, nullable=False),
    # error tracking: who may send (browser origins), how much, what is kept
    Column("allowed_origins", JSON),  # null: any origin
    Column("rate_limits", JSON),  # [{"category": "error"|null, "per_minute": n}]
    Column("monthly_quota", Integer),  # events a month; null: no quota
    Column("quota_warned", String(7)),  # the month ("2026-11") the 80 % signal went out
    Column("hash_users", Boolean, nullable=False, server_default="0"),
    Column("next_short_id", Integer, nullable=False, server_default="1"),
    # Sentry's grouping rule texts, one rule a line; null: none
    Column("fingerprint_rules", Text),
    Column("stack_trace_rules", Text),
)

dsn_keys = Table(
    "dsn_keys", metadata,
    Column("id", Integer, primary_key=True),
    Column("project_id", Integer, ForeignKey("projects.id", ondelete="CASCADE"),
           nullable=False),
    Column("public_key", String(32), nullable=False, unique=True),
    Column("label", String(100), nullable=False),
    Column("rate_limits", JSON),
    Column("created_at", UTCDateTime, nullable=False),
    Column("revoked_at", UTCDateTime),
)

api_tokens = Table(
    "api_tokens", metadata,
    Column("id", Integer, primary_key=True),
    Column("user_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("name", String(200), nullable=False),
    Column("prefix", String(16), nullable=False),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("read_only", Boolean, nullable=False, server_default="0"),
    Column("created_at", UTCDateTime, nullable=False),
    Column("last_used_at", UTCDateTime),
    Column("revoked_at", UTCDateTime),
)

setup_tokens = Table(
    "setup_tokens", metadata,
    Column("token_hash", String(64), primary_key=True),
    Column("created_at", UTCDateTime, nullable=False),
    Column("expires_at", UTCDateTime, nullable=False),
    Column("used_at", UTCDateTime),
)

# Web-page sign-ins (accounts.web_sessions): the signed cookie carries a
# random id, the row keeps its SHA-256, so signing out (deleting the row)
# ends the session even for a copy of the cookie taken elsewhere.
web_sessions = Table(
    "web_sessions", metadata,
    Column("id", String(64), primary_key=True),
    Column("user_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("expires_at", UTCDateTime, nullable=False),
    Index("ix_web_sessions_user", "user_id"),
    Index("ix_web_sessions_expires", "expires_at"),
)

# Failed sign-ins (accounts.signin_limits), one row each, keyed by the SHA-256
# of the e-mail tried or of the client's address; pruned after the window.
signin_failures = Table(
    "signin_failures", metadata,
    Column("id", BigId, primary_key=True),
    Column("key", String(64), nullable=False),
    Column("at", UTCDateTime, nullable=False),
    Index("ix_signin_failures_key_at", "key", "at"),
    Index("ix_signin_failures_at", "at"),
)

monitors = Table(
    "monitors", metadata,
    Column("id", Integer, primary_key=True),
    Column("uuid", String(36), nullable=False, unique=True),
    Column("project_id", Integer, ForeignKey("projects.id", ondelete="CASCADE"),
           nullable=False),
    Column("name", String(200), nullable=False),
    Column("slug", String(100), nullable=False),
    Column("kind", String(20), nullable=False),
    Column("settings", JSON, nullable=False),
    Column("interval_s", Integer, nullable=False),
    Column("timeout_s", Float, nullable=False),
    Column("failure_threshold", Integer, nullable=False),
    Column("recovery_threshold", Integer, nullable=False),
    Column("upside_down", Boolean, nullable=False),
    Column("paused", Boolean, nullable=False),
    Column("tags", JSON, nullable=False),
    Column("description", Text, nullable=False, server_default=""),
    Column("source", String(10), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    # current state, maintained on write
    Column("status", String(10), nullable=False),
    Column("status_since", UTCDateTime, nullable=False),
    Column("consecutive_failures", Integer, nullable=False, server_default="0"),
    Column("consecutive_successes", Integer, nullable=False, server_default="0"),
    Column("last_check_at", UTCDateTime),
    Column("last_ok", Boolean),
    Column("last_duration_ms", Float),
    Column("last_message", Text),
    Column("last_reason", String(20)),
    Column("last_timings", JSON),
    Column("last_status_code", Integer),
    Column("cert_expires_at", UTCDateTime),
    # scheduling: the row is claimed by one worker at a time
    Column("next_run_at", UTCDateTime),
    Column("lease_owner", String(100)),
    Column("lease_until", UTCDateTime),
    # heartbeats
    Column("schedule", String(200)),
    Column("tz", String(64)),
    Column("grace_s", Integer),
    Column("last_ping_at", UTCDateTime),
    Column("last_start_at", UTCDateTime),
    Column("last_start_rid", String(64)),
    Column("last_run_duration_s", Float),
    Column("deadline_at", UTCDateTime),
    # when a heartbeat's next ping is expected: past it (within grace) it is late
    Column("late_at", UTCDateTime),
    Column("n_pings", Integer, nullable=False, server_default="0"),
    # a run that started (check-in in_progress) and is not over after this is down
    Column("max_runtime_s", Integer),
    UniqueConstraint("project_id", "slug"),
    Index("ix_monitors_due", "paused", "next_run_at"),
    Index("ix_monitors_deadline", "deadline_at"),
    Index("ix_monitors_late", "late_at"),
)

results = Table(
    "results", metadata,
    Column("id", BigId, primary_key=True),
    Column("monitor_id", Integer, ForeignKey("monitors.id", ondelete="CASCADE"),
           nullable=False),
    Column("at", UTCDateTime, nullable=False),
    Column("scheduled_at", UTCDateTime),
    Column("ok", Boolean, nullable=False),
    Column("degraded", Boolean, nullable=False),
    Column("duration_ms", Float, nullable=False),
    Column("reason", String(20)),
    Column("message", Text),
    Column("status_code", Integer),
    Column("t_resolve", Float),
    Column("t_connect", Float),
    Column("t_tls", Float),
    Column("t_processing", Float),
    Column("t_transfer", Float),
    Index("ix_results_monitor_at", "monitor_id", "at"),
    Index("ix_results_at", "at"),
)

state_changes = Table(
    "state_changes", metadata,
    Column("id", BigId, primary_key=True),
    Column("monitor_id", Integer, ForeignKey("monitors.id", ondelete="CASCADE"),
           nullable=False),
    Column("at", UTCDateTime, nullable=False),
    Column("old_status", String(10), nullable=False),
    Column("new_status", String(10), nullable=False),
    Column("reason", String(20)),
    Column("cause", Text, nullable=False),
    Index("ix_state_changes_monitor_at", "monitor_id", "at"),
)

pings = Table(
    "pings", metadata,
    Column("id", BigId, primary_key=True),
    Column("monitor_id", Integer, ForeignKey("monitors.id", ondelete="CASCADE"),
           nullable=False),
    Column("at", UTCDateTime, nullable=False),
    Column("kind", String(10), nullable=False),
    Column("exit_status", Integer),
    Column("rid", String(64)),
    Column("method", String(10), nullable=False),
    Column("remote_addr", String(64)),
    Column("user_agent", String(300)),
    Column("body", Text),
    Column("body_truncated", Boolean, nullable=False, server_default="0"),
    Column("body_size", Integer, nullable=False, server_default="0"),
    Column("run_duration_s", Float),
    Index("ix_pings_monitor_at", "monitor_id", "at"),
    Index("ix_pings_at", "at"),
)

rollups = Table(
    "rollups", metadata,
    Column("monitor_id", Integer, ForeignKey("monitors.id", ondelete="CASCADE"),
           primary_key=True),
    Column("resolution", String(1), primary_key=True),  # m, h, d
    Column("bucket", UTCDateTime, primary_key=True),
    Column("count", Integer, nullable=False),
    Column("failures", Integer, nullable=False),
    Column("degraded", Integer, nullable=False),
    Column("sum_ms", Float, nullable=False),
    Column("min_ms", Float),
    Column("max_ms", Float),
    Column("p50_ms", Float),
    Column("p95_ms", Float),
    Column("p99_ms", Float),
    Column("hist", JSON, nullable=False),
    Index("ix_rollups_resolution_bucket", "resolution", "bucket"),
)

signals = Table(
    "signals", metadata,
    Column("id", BigId, primary_key=True),
    Column("kind", String(40), nullable=False),
    Column("project_id", Integer),
    Column("subject", String(100), nullable=False),
    Column("payload", JSON, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("claimed_by", String(100)),
    Column("claimed_until", UTCDateTime),
    Column("attempts", Integer, nullable=False, server_default="0"),
    Column("done_at", UTCDateTime),
    Index("ix_signals_pending", "done_at", "id"),
)

leases = Table(
    "leases", metadata,
    Column("name", String(100), primary_key=True),
    Column("owner", String(100), nullable=False),
    Column("until", UTCDateTime, nullable=False),
)

workers = Table(
    "workers", metadata,
    Column("worker_id", String(100), primary_key=True),
    Column("started_at", UTCDateTime, nullable=False),
    Column("seen_at", UTCDateTime, nullable=False),
    Column("scheduler_lag_s", Float, nullable=False, server_default="0"),
    Column("checks_in_flight", Integer, nullable=False, server_default="0"),
)


# -- ingest: the spool the web layer writes and the digest drains ----------------

envelopes = Table(
    "envelopes", metadata,
    Column("id", BigId, primary_key=True),
    Column("project_id", Integer, nullable=False),
    Column("key_id", Integer),
    Column("received_at", UTCDateTime, nullable=False),
    Column("body", LargeBinary, nullable=False),  # the decompressed envelope
    Column("remote_addr", String(64)),
    Column("claimed_by", String(100)),
    Column("claimed_until", UTCDateTime),
    Column("attempts", Integer, nullable=False, server_default="0"),
)

outcomes = Table(
    # what happened to data per hour: accepted, rate limited, invalid … (server)
    # and what the SDKs say they dropped (client reports)
    "outcomes", metadata,
    Column("project_id", Integer, primary_key=True),
    Column("bucket", UTCDateTime, primary_key=True),
    Column("source", String(6), primary_key=True),  # server | client
    Column("reason", String(40), primary_key=True),
    Column("category", String(20), primary_key=True),
    Column("quantity", BigInteger, nullable=False),
)

# -- issues: events, issues, releases, sessions, performance ---------------------

releases = Table(
    "releases", metadata,
    Column("id", Integer, primary_key=True),
    Column("project_id", Integer, ForeignKey("projects.id", ondelete="CASCADE"),
           nullable=False),
    Column("version", String(250), nullable=False),
    Column("first_seen", UTCDateTime, nullable=False),
    Column("last_seen", UTCDateTime, nullable=False),
    Column("new_issues", Integer, nullable=False, server_default="0"),
    UniqueConstraint("project_id", "version"),
)

environments = Table(
    "environments", metadata,
    Column("project_id", Integer, ForeignKey("projects.id", ondelete="CASCADE"),
           primary_key=True),
    Column("name", String(64), primary_key=True),
    Column("first_seen", UTCDateTime, nullable=False),
)

issues = Table(
    "issues", metadata,
    Column("id", Integer, primary_key=True),
    Column("project_id", Integer, ForeignKey("projects.id", ondelete="CASCADE"),
           nullable=False),
    Column("short_id", Integer, nullable=False),
    Column("title", String(255), nullable=False),
    Column("culprit", String(255), nullable=False, server_default=""),
    Column("type", String(16), nullable=False),
    Column("level", String(10), nullable=False),
    Column("platform", String(32)),
    Column("status", String(12), nullable=False),  # unresolved | resolved | ignored
    Column("substatus", String(16), nullable=False),  # new | ongoing | regressed | …
    Column("first_seen", UTCDateTime, nullable=False),
    Column("last_seen", UTCDateTime, nullable=False),
    Column("times_seen", BigInteger, nullable=False),
    Column("users_seen", Integer, nullable=False, server_default="0"),
    Column("first_release", String(250)),
    Column("last_release", String(250)),
    Column("resolved_at", UTCDateTime),
    Column("resolution", String(16)),  # now | next_release | in_release
    Column("resolved_in", String(250)),  # the release a resolution names
    Column("ignore_until", UTCDateTime),
    Column("ignore_until_count", BigInteger),  # times_seen at which an ignore ends
    Column("ignore_until_users", Integer),
    Column("merged_into", Integer),
    Column("last_event_id", String(32)),
    Column("grouping", JSON),  # why events land here: the winning variant and components
    Column("metadata", JSON, nullable=False),
    Column("search_text", Text, nullable=False, server_default=""),
    UniqueConstraint("project_id", "short_id"),
    Index("ix_issues_project_last_seen", "project_id", "status", "last_seen"),
)

issue_hashes = Table(
    "issue_hashes", metadata,
    Column("project_id", Integer, primary_key=True),
    Column("hash", String(32), primary_key=True),
    Column("issue_id", Integer, ForeignKey("issues.id", ondelete="CASCADE"), nullable=False),
    Index("ix_issue_hashes_issue", "issue_id"),
)

events = Table(
    "events", metadata,
    Column("id", BigId, primary_key=True),
    Column("project_id", Integer, nullable=False),
    Column("event_id", String(32), nullable=False),
    Column("issue_id", Integer),
    Column("type", String(16), nullable=False),
    Column("received_at", UTCDateTime, nullable=False),
    Column("timestamp", UTCDateTime, nullable=False),
    Column("level", String(10), nullable=False),
    Column("environment", String(64)),
    Column("release", String(250)),
    Column("transaction", String(200)),
    Column("title", String(255), nullable=False),
    Column("user_key", String(200)),
    Column("trace_id", String(32)),
    Column("tags", JSON, nullable=False),
    Column("data", LargeBinary, nullable=False),  # the normalised event, compressed JSON
    UniqueConstraint("project_id", "event_id"),
    Index("ix_events_issue", "issue_id", "id"),
    Index("ix_events_received", "received_at"),
)

issue_hourly = Table(
    "issue_hourly", metadata,
    Column("issue_id", Integer, ForeignKey("issues.id", ondelete="CASCADE"), primary_key=True),
    Column("bucket", UTCDateTime, primary_key=True),
    Column("count", Integer, nullable=False),
)

issue_users = Table(
    "issue_users", metadata,
    Column("issue_id", Integer, ForeignKey("issues.id", ondelete="CASCADE"), primary_key=True),
    Column("user_key", String(200), primary_key=True),
)

issue_tags = Table(
    "issue_tags", metadata,
    Column("issue_id", Integer, ForeignKey("issues.id", ondelete="CASCADE"), primary_key=True),
    Column("key", String(32), primary_key=True),
    Column("value", String(200), primary_key=True),
    Column("count", BigInteger, nullable=False),
    Column("first_seen", UTCDateTime, nullable=False),
    Column("last_seen", UTCDateTime, nullable=False),
)

issue_activity = Table(
    "issue_activity", metadata,
    Column("id", BigId, primary_key=True),
    Column("issue_id", Integer, ForeignKey("issues.id", ondelete="CASCADE"), nullable=False),
    Column("at", UTCDateTime, nullable=False),
    Column("kind", String(30), nullable=False),
    Column("user_id", Integer),
    Column("data", JSON, nullable=False),
    Index("ix_issue_activity_issue", "issue_id", "at"),
)

session_counts = Table(
    # release health, hourly: sessions started and how they ended
    "session_counts", metadata,
    Column("project_id", Integer, primary_key=True),
    Column("release", String(250), primary_key=True),
    Column("environment", String(64), primary_key=True),
    Column("bucket", UTCDateTime, primary_key=True),
    Column("started", Integer, nullable=False, server_default="0"),
    Column("exited", Integer, nullable=False, server_default="0"),
    Column("errored", Integer, nullable=False, server_default="0"),
    Column("crashed", Integer, nullable=False, server_default="0"),
    Column("abnormal", Integer, nullable=False, server_default="0"),
)

session_users = Table(
    # distinct users per release and day, with the worst outcome they had
    "session_users", metadata,
    Column("project_id", Integer, primary_key=True),
    Column("release", String(250), primary_key=True),
    Column("environment", String(64), primary_key=True),
    Column("day", UTCDateTime, primary_key=True),
    Column("did", String(200), primary_key=True),
    Column("errored", Boolean, nullable=False, server_default="0"),
    Column("crashed", Boolean, nullable=False, server_default="0"),
)

open_sessions = Table(
    # sessions not yet ended, so updates count once and terminal ones take no more
    "open_sessions", metadata,
    Column("project_id", Integer, primary_key=True),
    Column("sid", String(64), primary_key=True),
    Column("errored", Boolean, nullable=False, server_default="0"),
    Column("ended", Boolean, nullable=False, server_default="0"),
    Column("updated_at", UTCDateTime, nullable=False),
    Index("ix_open_sessions_updated", "updated_at"),
)

def _perf_rollup_table(name: str) -> Table:
    # one row per transaction, environment, release and bucket: throughput,
    # failures and a latency histogram (mergeable, so wider buckets add up)
    return Table(
        name, metadata,
        Column("project_id", Integer, primary_key=True),
        Column("transaction", String(200), primary_key=True),
        Column("environment", String(64), primary_key=True),
        Column("release", String(250), primary_key=True, server_default=""),
        Column("bucket", UTCDateTime, primary_key=True),
        Column("op", String(64)),
        Column("count", Integer, nullable=False),
        Column("failures", Integer, nullable=False),
        Column("sum_ms", Float, nullable=False),
        Column("max_ms", Float),
        Column("hist", JSON, nullable=False),
    )


perf_rollups = _perf_rollup_table("perf_rollups")
# Kept on write with the minute rows: a 30-day read takes 720 rows, not 43,200.
perf_rollups_hourly = _perf_rollup_table("perf_rollups_hourly")

slow_spans = Table(
    "slow_spans", metadata,
    Column("id", BigId, primary_key=True),
    Column("project_id", Integer, nullable=False),
    Column("at", UTCDateTime, nullable=False),
    Column("transaction", String(200)),
    Column("op", String(64)),
    Column("description", Text),
    Column("duration_ms", Float, nullable=False),
    Column("trace_id", String(32)),
    Column("event_id", String(32)),
    # the transaction's root span: Node's streamed spans have no event id, and
    # trace_id + segment_id is what links a slow span to its transaction
    Column("segment_id", String(16)),
    Index("ix_slow_spans_project_at", "project_id", "at"),
)

logs = Table(
    "logs", metadata,
    Column("id", BigId, primary_key=True),
    Column("project_id", Integer, nullable=False),
    Column("at", UTCDateTime, nullable=False),
    Column("level", String(10), nullable=False),
    Column("body", Text, nullable=False),
    Column("trace_id", String(32)),
    Column("release", String(250)),
    Column("environment", String(64)),
    Column("attributes", JSON, nullable=False),
    Index("ix_logs_project_at", "project_id", "at"),
)

attachments = Table(
    "attachments", metadata,
    Column("id", BigId, primary_key=True),
    Column("project_id", Integer, nullable=False),
    Column("event_id", String(32), nullable=False),
    Column("filename", String(255), nullable=False),
    Column("content_type", String(100)),
    Column("attachment_type", String(40), nullable=False),
    Column("size", Integer, nullable=False),
    Column("data", LargeBinary, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Index("ix_attachments_event", "project_id", "event_id"),
)

feedback = Table(
    "feedback", metadata,
    Column("id", BigId, primary_key=True),
    Column("project_id", Integer, nullable=False),
    Column("event_id", String(32), nullable=False),
    Column("associated_event_id", String(32)),
    Column("name", String(200)),
    Column("email", String(254)),
    Column("message", Text, nullable=False),
    Column("url", Text),
    Column("created_at", UTCDateTime, nullable=False),
    Index("ix_feedback_project", "project_id", "created_at"),
)

# Source maps (sentry-protocol §6): chunks of an artifact bundle wait here,
# named by their SHA-1, until `sentry-cli` asks for the bundle to be assembled.
artifact_chunks = Table(
    "artifact_chunks", metadata,
    Column("sha1", String(40), primary_key=True),
    Column("data", LargeBinary, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
)

# The files of assembled bundles, one per (project, debug id, kind): the
# minified ``source`` and its ``sourcemap``, zlib-compressed.
source_files = Table(
    "source_files", metadata,
    Column("id", BigId, primary_key=True),
    Column("project_id", Integer, nullable=False),
    Column("debug_id", String(36), nullable=False),
    Column("kind", String(16), nullable=False),
    Column("url", Text, nullable=False),
    Column("size", Integer, nullable=False),
    Column("data", LargeBinary, nullable=False),
    Column("bundle", String(40), nullable=False),  # the bundle's SHA-1
    Column("uploaded_at", UTCDateTime, nullable=False),
    UniqueConstraint("project_id", "debug_id", "kind"),
    Index("ix_source_files_uploaded", "uploaded_at"),
)

# Files of bundles uploaded for a release (``sentry-cli sourcemaps upload
# --release``) that carry no debug id: found by (release, dist, URL) as
# Sentry's legacy release artifacts are. ``dist`` is "" for none, so the
# unique key holds on both engines (NULLs never collide in a UNIQUE).
release_files = Table(
    "release_files", metadata,
    Column("id", BigId, primary_key=True),
    Column("project_id", Integer, nullable=False),
    Column("release", String(250), nullable=False),
    Column("dist", String(64), nullable=False),
    Column("url", Text, nullable=False),
    Column("kind", String(16), nullable=False),
    Column("sourcemap", Text),  # the manifest's Sourcemap header of a minified file
    Column("size", Integer, nullable=False),
    Column("data", LargeBinary, nullable=False),
    Column("bundle", String(40), nullable=False),
    Column("uploaded_at", UTCDateTime, nullable=False),
    UniqueConstraint("project_id", "release", "dist", "url"),
    Index("ix_release_files_uploaded", "uploaded_at"),
)

# Commits of a release as ``sentry-cli releases set-commits`` sends them, in
# its order (newest first). Keyed by version, as Sentry's releases are per
# organisation; set again, a release's commits are replaced.
release_commits = Table(
    "release_commits", metadata,
    Column("id", BigId, primary_key=True),
    Column("version", String(250), nullable=False),
    Column("position", Integer, nullable=False),
    Column("commit_id", String(64), nullable=False),
    Column("previous_commit", String(64)),
    Column("repository", String(200), nullable=False),
    Column("message", Text),
    Column("author_name", String(200)),
    Column("author_email", String(200)),
    Column("committed_at", UTCDateTime),
    Column("files", JSON, nullable=False),  # [{"path", "type"}] from the patch set
    Column("set_at", UTCDateTime, nullable=False),
    UniqueConstraint("version", "position"),
    Index("ix_release_commits_set_at", "set_at"),
)

# On-call (incidents). A schedule's layers are JSON in its row: they are always
# read and written whole with the schedule, never queried on their own, and
# one row keeps "who is on call" to one query plus the overrides. Users in
# them are ids, so a changed e-mail does not break a rotation.
schedules = Table(
    "schedules", metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(200), nullable=False, unique=True),
    Column("time_zone", String(64), nullable=False),
    Column("layers", JSON, nullable=False),
    Column("source", String(10), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    # SHA-256 of the secret in the calendar subscription URL; null: no link
    Column("ical_token_hash", String(64), unique=True),
)

# Overrides are rows, not JSON: they come and go daily through the API, and
# only the ones ending after a time are read (the index).
schedule_overrides = Table(
    "schedule_overrides", metadata,
    Column("id", Integer, primary_key=True),
    Column("schedule_id", Integer, ForeignKey("schedules.id", ondelete="CASCADE"),
           nullable=False),
    Column("user_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("starts_at", UTCDateTime, nullable=False),
    Column("ends_at", UTCDateTime, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Index("ix_schedule_overrides_schedule_ends", "schedule_id", "ends_at"),
)

escalation_policies = Table(
    "escalation_policies", metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(200), nullable=False, unique=True),
    Column("steps", JSON, nullable=False),  # user and schedule ids, not names
    Column("repeat", Integer, nullable=False),
    Column("source", String(10), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
)

# --- notify: channels, the deliveries outbox, and every attempt ---------------
channels = Table(
    "channels", metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(100), nullable=False, unique=True),
    Column("kind", String(20), nullable=False),
    Column("settings", JSON, nullable=False),
    Column("enabled", Boolean, nullable=False, server_default="1"),
    Column("rate_limit_per_minute", Integer),  # None: no limit
    Column("daily_test", Boolean, nullable=False, server_default="0"),
    Column("daily_test_at", UTCDateTime),
    Column("failing", Boolean, nullable=False, server_default="0"),
    Column("failure_reason", Text),
    Column("failing_since", UTCDateTime),
    Column("source", String(10), nullable=False, server_default="api"),  # api | yaml
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
)
# A notification is written here before anything is sent (the outbox).
deliveries = Table(
    "deliveries", metadata,
    Column("id", BigId, primary_key=True),
    Column("channel_id", Integer, ForeignKey("channels.id", ondelete="CASCADE"),
           nullable=False),
    Column("message", JSON, nullable=False),
    Column("source", String(200)),
    Column("thread", String(200)),
    Column("status", String(10), nullable=False),  # pending | sent | failed | dead
    Column("attempts", Integer, nullable=False, server_default="0"),
    Column("next_attempt_at", UTCDateTime, nullable=False),
    Column("last_error", Text),
    Column("last_status", Integer),
    Column("claimed_by", String(100)),
    Column("claimed_until", UTCDateTime),
    Column("created_at", UTCDateTime, nullable=False),
    Column("sent_at", UTCDateTime),
    Column("external_ref", Text),  # the transport's id of the sent message, to update it
    Index("ix_deliveries_due", "status", "next_attempt_at"),
    Index("ix_deliveries_source", "source"),
    Index("ix_deliveries_thread", "channel_id", "thread"),
)
delivery_attempts = Table(
    "delivery_attempts", metadata,
    Column("id", BigId, primary_key=True),
    Column("delivery_id", BigInteger, ForeignKey("deliveries.id", ondelete="CASCADE"),
           nullable=False),
    Column("channel_id", Integer, nullable=False),
    Column("source", String(200)),
    Column("attempt", Integer, nullable=False),
    Column("at", UTCDateTime, nullable=False),
    Column("outcome", String(10), nullable=False),  # sent | retry | failed | dead
    Column("status_code", Integer),
    Column("error", Text),
    Column("duration_ms", Float),
    Index("ix_delivery_attempts_delivery", "delivery_id"),
    Index("ix_delivery_attempts_source", "source"),
    Index("ix_delivery_attempts_channel_at", "channel_id", "at"),
)

# --- incidents: the state machine's rows, their timeline, post-mortems ---------
incidents = Table(
    "incidents", metadata,
    Column("id", Integer, primary_key=True),
    Column("key", String(200), nullable=False),  # the alert group key or a dedup key
    # The key while the incident is open, null once resolved: a unique column
    # whose NULLs never clash is "unique while open" on both engines, without
    # partial indexes.
    Column("open_key", String(200), unique=True),
    Column("title", String(255), nullable=False),
    Column("severity", String(8), nullable=False),  # critical | high | medium | low
    Column("status", String(12), nullable=False),  # triggered | acknowledged | resolved
    Column("owner_user_id", Integer),
    Column("source", String(10), nullable=False),  # alert | external | manual
    Column("labels", JSON, nullable=False),
    Column("runbook_url", Text),
    Column("notes", Text),
    Column("opened_at", UTCDateTime, nullable=False),
    Column("acknowledged_at", UTCDateTime),
    Column("acknowledged_by", String(200)),
    Column("ack_expires_at", UTCDateTime),
    Column("resolved_at", UTCDateTime),
    Column("resolved_by", String(200)),
    Column("snoozed_until", UTCDateTime),
    Column("escalation", JSON),  # the policy snapshot, or null: nobody is paged
    # Where the escalation's clock starts: the opening, or the moment an
    # acknowledgement expired or a snooze ended (escalation restarts then).
    Column("escalation_started_at", UTCDateTime, nullable=False),
    Column("escalation_steps_done", Integer, nullable=False, server_default="0"),
    Column("escalation_next_at", UTCDateTime),  # null: nothing left to page
    # The status last announced to the channels already paged; differs from
    # ``status`` until the worker sends the "ACKed by …" / "RESOLVED" update.
    Column("announced_status", String(12)),
    Index("ix_incidents_status_id", "status", "id"),
    Index("ix_incidents_escalation_next_at", "escalation_next_at"),
)
incident_timeline = Table(
    "incident_timeline", metadata,
    Column("id", BigId, primary_key=True),
    Column("incident_id", Integer, ForeignKey("incidents.id", ondelete="CASCADE"),
           nullable=False),
    Column("at", UTCDateTime, nullable=False),
    Column("kind", String(40), nullable=False),
    Column("actor", String(200)),  # a user's e-mail, "link", "tocsin"
    Column("data", JSON, nullable=False),
    Index("ix_incident_timeline_incident", "incident_id", "id"),
)
postmortems = Table(
    "postmortems", metadata,
    Column("incident_id", Integer, ForeignKey("incidents.id", ondelete="CASCADE"),
           primary_key=True),
    Column("status", String(10), nullable=False),  # draft | in_review | reviewed | closed
    Column("body", Text, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    Column("updated_by", String(200)),
)

# --- alerting: rules, alerts, their groups, window counters, silences ---------
alert_rules = Table(
    "alert_rules", metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(200), nullable=False, unique=True),
    Column("spec", JSON, nullable=False),  # the validated rule document
    Column("enabled", Boolean, nullable=False, server_default="1"),
    Column("source", String(10), nullable=False, server_default="api"),  # api | yaml
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
)
# One row per fingerprint (rule + identity labels): the dedup unit.
alerts = Table(
    "alerts", metadata,
    Column("id", BigId, primary_key=True),
    Column("fingerprint", String(64), nullable=False, unique=True),
    Column("rule_id", Integer),  # None for alerts sent in by an integration
    Column("group_key", String(200), nullable=False),
    Column("state", String(10), nullable=False),  # pending | firing | resolved
    Column("severity", String(10), nullable=False),
    Column("labels", JSON, nullable=False),
    Column("annotations", JSON, nullable=False),
    Column("active", Boolean, nullable=False),  # the condition holds right now
    Column("flapping", Boolean, nullable=False, server_default="0"),
    Column("flap_history", JSON, nullable=False),  # ISO times of recent state changes
    Column("started_at", UTCDateTime, nullable=False),
    Column("fired_at", UTCDateTime),
    Column("resolved_at", UTCDateTime),
    Column("cleared_at", UTCDateTime),  # when the condition stopped holding
    Column("last_change", UTCDateTime, nullable=False),
    Index("ix_alerts_group", "group_key"),
    Index("ix_alerts_state", "state"),
)
alert_groups = Table(
    "alert_groups", metadata,
    Column("key", String(200), primary_key=True),
    Column("rule_id", Integer),
    Column("created_at", UTCDateTime, nullable=False),
    Column("notified_at", UTCDateTime),
    Column("notified", JSON, nullable=False),  # fingerprints firing at the last notice
    Column("resolved_sent", Boolean, nullable=False, server_default="0"),
)
# Sliding-window inputs summed from event.batch signals, one row per minute:
# thresholds never scan events.
alert_counters = Table(
    "alert_counters", metadata,
    Column("rule_id", Integer, primary_key=True),
    Column("scope", String(100), primary_key=True),  # "issue:7" or "project:2"
    Column("minute", UTCDateTime, primary_key=True),
    Column("count", Integer, nullable=False),
    Column("users", JSON, nullable=False),
    Column("sums", JSON, nullable=False),  # failures, crashed, a latency histogram
)
silences = Table(
    "silences", metadata,
    Column("id", Integer, primary_key=True),
    Column("matchers", JSON, nullable=False),
    Column("comment", Text, nullable=False),
    Column("created_by", String(200), nullable=False),
    Column("starts_at", UTCDateTime, nullable=False),
    Column("ends_at", UTCDateTime, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("source", String(10), nullable=False, server_default="api"),
)
maintenance_windows = Table(
    "maintenance_windows", metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(200), nullable=False, unique=True),
    Column("matchers", JSON, nullable=False),
    Column("monitors", JSON, nullable=False),  # monitor uuids, besides matchers
    Column("starts_at", UTCDateTime),  # one-off
    Column("cron", String(100)),  # or recurring
    Column("duration_s", Integer, nullable=False),
    Column("timezone", String(64), nullable=False),
    Column("comment", Text, nullable=False, server_default=""),
    Column("source", String(10), nullable=False, server_default="api"),
    Column("created_at", UTCDateTime, nullable=False),
)
integrations = Table(
    "integrations", metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(200), nullable=False, unique=True),
    Column("key", String(64), nullable=False, unique=True),  # PagerDuty routing_key
    Column("severity", String(10), nullable=False, server_default="high"),
    Column("channels", JSON, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
)
