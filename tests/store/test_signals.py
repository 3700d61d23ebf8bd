from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tocsin.store import signals
from tocsin.store.engine import Database

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)


def _append(db: Database, n: int) -> list[int]:
    with db.write() as conn:
        return [signals.append(conn, "monitor.down", f"monitor:{i}", {"i": i}, now=NOW)
                for i in range(n)]


def test_each_signal_is_claimed_by_one_consumer(db: Database) -> None:
    ids = _append(db, 10)
    first = signals.claim(db, "w1", now=NOW, limit=6)
    second = signals.claim(db, "w2", now=NOW, limit=6)
    assert [s.id for s in first] == ids[:6]
    assert [s.id for s in second] == ids[6:]
    assert first[0].payload == {"i": 0}


def test_an_expired_lease_is_claimed_again(db: Database) -> None:
    _append(db, 1)
    assert len(signals.claim(db, "crashed", now=NOW, lease=30)) == 1
    assert signals.claim(db, "w2", now=NOW + timedelta(seconds=10)) == []
    again = signals.claim(db, "w2", now=NOW + timedelta(seconds=31))
    assert len(again) == 1 and again[0].attempts == 2


def test_completed_signals_are_not_claimed_and_only_the_owner_completes(db: Database) -> None:
    _append(db, 2)
    claimed = signals.claim(db, "w1", now=NOW)
    with db.write() as conn:
        assert signals.complete(conn, [s.id for s in claimed], "intruder", now=NOW) == 0
        assert signals.complete(conn, [s.id for s in claimed], "w1", now=NOW) == 2
        assert signals.pending_count(conn) == 0
    assert signals.claim(db, "w1", now=NOW + timedelta(hours=1)) == []
