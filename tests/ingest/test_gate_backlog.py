"""The ingest gate counts the spool backlog at most once a second, one count at a time."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tocsin.ingest.gate import BACKLOG_TTL_S, Gate
from tocsin.store.engine import Database


class Ticks:
    def __init__(self) -> None:
        self.t = 100.0

    def __call__(self) -> float:
        return self.t


def _gate(db: Database, ticks: Ticks, limit: int = 10) -> Gate:
    return Gate(db, now=lambda: datetime.now(UTC), backlog_limit=limit, monotonic=ticks)


def test_only_one_caller_counts_while_a_count_is_due(db: Database) -> None:
    ticks = Ticks()
    gate = _gate(db, ticks)
    assert gate.claim_backlog_refresh()
    assert not gate.claim_backlog_refresh()  # the first count is still running
    gate.refresh_backlog()
    assert not gate.claim_backlog_refresh()  # fresh for BACKLOG_TTL_S
    ticks.t += BACKLOG_TTL_S + 0.01
    assert gate.claim_backlog_refresh()


def test_a_failed_count_lets_the_next_caller_try(db: Database) -> None:
    gate = _gate(db, Ticks())
    gate.db = None  # type: ignore[assignment]  # the count cannot reach the database
    assert gate.claim_backlog_refresh()
    with pytest.raises(AttributeError):
        gate.refresh_backlog()
    assert gate.claim_backlog_refresh()


def test_overloaded_counts_queued_writes_with_the_backlog(db: Database) -> None:
    gate = _gate(db, Ticks(), limit=5)
    gate.refresh_backlog()
    assert not gate.overloaded(4)
    assert gate.overloaded(5)
