"""Alerting: rules, alerts, alert groups, window counters, silences,
maintenance windows and integrations.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
When = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "alert_rules",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("spec", sa.JSON(), nullable=False),
        sa.Column("enabled", sa.Boolean(), server_default="1", nullable=False),
        sa.Column("source", sa.String(length=10), server_default="api", nullable=False),
        sa.Column("created_at", When, nullable=False),
        sa.Column("updated_at", When, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alert_rules")),
        sa.UniqueConstraint("name", name=op.f("uq_alert_rules_name")),
    )
    op.create_table(
        "alerts",
        sa.Column("id", BigId, nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("rule_id", sa.Integer(), nullable=True),
        sa.Column("group_key", sa.String(length=200), nullable=False),
        sa.Column("state", sa.String(length=10), nullable=False),
        sa.Column("severity", sa.String(length=10), nullable=False),
        sa.Column("labels", sa.JSON(), nullable=False),
        sa.Column("annotations", sa.JSON(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("flapping", sa.Boolean(), server_default="0", nullable=False),
        sa.Column("flap_history", sa.JSON(), nullable=False),
        sa.Column("started_at", When, nullable=False),
        sa.Column("fired_at", When, nullable=True),
        sa.Column("resolved_at", When, nullable=True),
        sa.Column("cleared_at", When, nullable=True),
        sa.Column("last_change", When, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alerts")),
        sa.UniqueConstraint("fingerprint", name=op.f("uq_alerts_fingerprint")),
    )
    op.create_index("ix_alerts_group", "alerts", ["group_key"])
    op.create_index("ix_alerts_state", "alerts", ["state"])
    op.create_table(
        "alert_groups",
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("rule_id", sa.Integer(), nullable=True),
        sa.Column("created_at", When, nullable=False),
        sa.Column("notified_at", When, nullable=True),
        sa.Column("notified", sa.JSON(), nullable=False),
        sa.Column("resolved_sent", sa.Boolean(), server_default="0", nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_alert_groups")),
    )
    op.create_table(
        "alert_counters",
        sa.Column("rule_id", sa.Integer(), nullable=False),
        sa.Column("scope", sa.String(length=100), nullable=False),
        sa.Column("minute", When, nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("users", sa.JSON(), nullable=False),
        sa.Column("sums", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("rule_id", "scope", "minute", name=op.f("pk_alert_counters")),
    )
    op.create_table(
        "silences",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("matchers", sa.JSON(), nullable=False),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.Column("starts_at", When, nullable=False),
        sa.Column("ends_at", When, nullable=False),
        sa.Column("created_at", When, nullable=False),
        sa.Column("source", sa.String(length=10), server_default="api", nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_silences")),
    )
    op.create_table(
        "maintenance_windows",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("matchers", sa.JSON(), nullable=False),
        sa.Column("monitors", sa.JSON(), nullable=False),
        sa.Column("starts_at", When, nullable=True),
        sa.Column("cron", sa.String(length=100), nullable=True),
        sa.Column("duration_s", sa.Integer(), nullable=False),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.Column("comment", sa.Text(), server_default="", nullable=False),
        sa.Column("source", sa.String(length=10), server_default="api", nullable=False),
        sa.Column("created_at", When, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_maintenance_windows")),
        sa.UniqueConstraint("name", name=op.f("uq_maintenance_windows_name")),
    )
    op.create_table(
        "integrations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("severity", sa.String(length=10), server_default="high", nullable=False),
        sa.Column("channels", sa.JSON(), nullable=False),
        sa.Column("created_at", When, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_integrations")),
        sa.UniqueConstraint("name", name=op.f("uq_integrations_name")),
        sa.UniqueConstraint("key", name=op.f("uq_integrations_key")),
    )


def downgrade() -> None:
    for table in ("integrations", "maintenance_windows", "silences", "alert_counters",
                  "alert_groups"):
        op.drop_table(table)
    op.drop_index("ix_alerts_state", table_name="alerts")
    op.drop_index("ix_alerts_group", table_name="alerts")
    op.drop_table("alerts")
    op.drop_table("alert_rules")
