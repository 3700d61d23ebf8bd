from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from history_kit import T0, Check, StatementCounter, add_checks, add_monitor
from sqlalchemy import Connection, delete

from tocsin.checks import rollups
from tocsin.checks.rollups import roll_up
from tocsin.checks.uptime import (
    WINDOWS,
    daily_bars,
    daily_bars_many,
    response_stats,
    uptime,
    uptime_many,
)
from tocsin.lib import histogram
from tocsin.store.engine import Database
from tocsin.store.schema import rollups as rollups_table

S, M, H, D = (timedelta(seconds=1), timedelta(minutes=1), timedelta(hours=1),
              timedelta(days=1))
NOW = T0 + 30 * S


def _ceil(t: datetime, step: timedelta) -> datetime:
    epoch = datetime(1970, 1, 1, tzinfo=t.tzinfo)
    n = -((epoch - t) // step)
    return epoch + n * step


def expected(checks: list[Check], length: timedelta, *, now: datetime = NOW,
             whole_hours: bool = False) -> float | None:
    start = _ceil(now - length, M)
    if whole_hours:
        start = _ceil(start, H)
    inside = [c for c in checks if start <= c.at <= now]
    return sum(c.ok for c in inside) / len(inside) if inside else None


def long_history() -> list[Check]:
    """Every 3 h for 95 days, each minute of the last 3 h, and window edges."""
    checks = [Check(T0 - i * 3 * H + 17 * M, ok=i % 7 != 3, duration_ms=40.0 + i % 50)
              for i in range(1, 95 * 8)]
    checks += [Check(T0 - i * M + 5 * S, ok=i % 5 != 0, degraded=i % 3 == 0,
                     duration_ms=80.0 + i) for i in range(180)]
    for length in WINDOWS.values():
        edge = _ceil(NOW - length, M)
        checks += [Check(edge - 10 * S, ok=False), Check(edge, ok=False),
                   Check(edge + 20 * M, ok=True)]
    return sorted(checks, key=lambda c: c.at)


def _monitor(db: Database, checks: list[Check], name: str = "web") -> int:
    with db.write() as conn:
        mid = add_monitor(conn, name)
        add_checks(conn, mid, checks)
    return mid


def test_it_reads_uptime_per_window_from_rollups_and_the_raw_tail(db: Database) -> None:
    checks = long_history()
    mid = _monitor(db, checks)
    roll_up(db, now=NOW, max_minutes=100_000)
    with db.read() as conn:
        got = uptime(conn, mid, now=NOW)
    assert got == {name: expected(checks, length) for name, length in WINDOWS.items()}
    assert 0.8 < (got["90d"] or 0) < 0.9


def test_it_reads_the_same_uptime_at_every_stage_of_rolling_up(db: Database) -> None:
    checks = long_history()
    mid = _monitor(db, checks)
    want = {name: expected(checks, length) for name, length in WINDOWS.items()}
    with db.read() as conn:
        assert uptime(conn, mid, now=NOW) == want  # nothing rolled: all from raw results
    for _ in range(4):
        roll_up(db, now=NOW, max_minutes=300, chunk=40)
        with db.read() as conn:
            assert uptime(conn, mid, now=NOW) == want


def test_it_stays_exact_while_a_minute_is_partly_rolled(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    with db.write() as conn:
        ids = [add_monitor(conn, f"m{n}") for n in range(4)]
        per_monitor = {mid: [Check(T0 + i * 20 * S, ok=(i + n) % 3 != 0) for i in range(9)]
                       for n, mid in enumerate(ids)}
        for mid, checks in per_monitor.items():
            add_checks(conn, mid, checks)
    now = T0 + 10 * M
    want = {mid: {name: expected(c, length, now=now) for name, length in WINDOWS.items()}
            for mid, c in per_monitor.items()}
    real = rollups._write_chunk
    calls = 0

    def crash_in_second_chunk(conn: Connection, part: object) -> int:
        nonlocal calls
        calls += 1
        if calls == 2:
            raise RuntimeError("killed")
        return real(conn, part)  # type: ignore[arg-type]

    monkeypatch.setattr(rollups, "_write_chunk", crash_in_second_chunk)
    with pytest.raises(RuntimeError):
        roll_up(db, now=now, chunk=3)
    with db.read() as conn:
        assert rollups.read_watermark(conn) == T0  # 3 of 4 monitors rolled in minute 0
        assert uptime_many(conn, ids, now=now) == want


def test_it_starts_long_windows_at_a_whole_hour_once_minutes_are_pruned(db: Database) -> None:
    checks = long_history()
    mid = _monitor(db, checks)
    roll_up(db, now=NOW, max_minutes=100_000)
    with db.write() as conn:
        conn.execute(delete(rollups_table).where(rollups_table.c.resolution == "m",
                                                 rollups_table.c.bucket < NOW - 3 * D))
        got = uptime(conn, mid, now=NOW)
    assert got["24h"] == expected(checks, WINDOWS["24h"])
    for name in ("7d", "30d", "90d"):
        assert got[name] == expected(checks, WINDOWS[name], whole_hours=True)


def test_it_reads_a_page_of_monitors_in_one_statement(db: Database) -> None:
    busy = long_history()
    ids = [_monitor(db, busy, "busy"), _monitor(db, [Check(T0 - H)], "quiet"),
           _monitor(db, [], "new")]
    roll_up(db, now=NOW, max_minutes=100_000)
    with db.read() as conn, StatementCounter(db) as counter:
        page = uptime_many(conn, [*ids, ids[0], 999_999], now=NOW)
    assert counter.selects == 1
    assert page[ids[0]] == {name: expected(busy, length) for name, length in WINDOWS.items()}
    assert page[ids[1]] == dict.fromkeys(WINDOWS, 1.0)
    assert page[ids[2]] == dict.fromkeys(WINDOWS)
    assert page[999_999] == dict.fromkeys(WINDOWS)
    with db.read() as conn:
        assert uptime_many(conn, [], now=NOW) == {}


@pytest.mark.parametrize("days_of_history", [0, 90])
def test_it_reads_each_view_in_one_statement_whatever_the_history(
    db: Database, days_of_history: int
) -> None:
    checks = [Check(T0 - i * H) for i in range(days_of_history * 24)] + [Check(T0)]
    mid = _monitor(db, checks)
    roll_up(db, now=NOW, max_minutes=100_000)
    with db.read() as conn:
        for read in (lambda: uptime(conn, mid, now=NOW),
                     lambda: response_stats(conn, mid, "90d", NOW),
                     lambda: daily_bars(conn, mid, now=NOW)):
            with StatementCounter(db) as counter:
                read()
            assert counter.selects == 1


def test_it_counts_degraded_as_up_and_honours_upside_down(db: Database) -> None:
    with db.write() as conn:
        normal = add_monitor(conn, "normal")
        inverted = add_monitor(conn, "inverted", upside_down=True)
        for mid in (normal, inverted):
            add_checks(conn, mid, [Check(T0 - 10 * M, degraded=True), Check(T0 - 9 * M),
                                   Check(T0 - 8 * M, ok=False), Check(T0, ok=False)])
    for stage in range(2):
        if stage:
            roll_up(db, now=NOW)
        with db.read() as conn:
            page = uptime_many(conn, [normal, inverted], now=NOW)
        assert page[normal]["24h"] == 0.5
        assert page[inverted]["24h"] == 0.5


def test_it_summarises_response_times_from_rollups(db: Database) -> None:
    checks = long_history()
    mid = _monitor(db, checks)
    roll_up(db, now=NOW, max_minutes=100_000)
    with db.read() as conn:
        stats = response_stats(conn, mid, "7d", NOW)
        empty = response_stats(conn, mid, "24h", T0 - 200 * D)
    rolled_up_to = NOW.replace(second=0) - 2 * M
    inside = [c for c in checks if _ceil(NOW - 7 * D, M) <= c.at < rolled_up_to]
    passing = sorted(c.duration_ms for c in inside if c.ok)
    assert stats["checks"] == len(inside)
    assert stats["failures"] == len(inside) - len(passing)
    assert stats["avg_ms"] == pytest.approx(sum(passing) / len(passing))
    assert (stats["min_ms"], stats["max_ms"]) == (passing[0], passing[-1])
    for key, q in (("p50_ms", 0.5), ("p95_ms", 0.95), ("p99_ms", 0.99)):
        exact = histogram.exact_quantile(passing, q)
        assert exact is not None and stats[key] is not None
        assert abs(stats[key] - exact) <= exact * histogram.RELATIVE_ERROR + 0.001  # type: ignore[operator]
    assert empty["checks"] == 0 and empty["avg_ms"] is None and empty["p95_ms"] is None


def test_it_draws_one_bar_per_day_for_90_days(db: Database) -> None:
    checks = long_history()
    busy = _monitor(db, checks, "busy")
    late = _monitor(db, [Check(T0 - 2 * D, ok=False), Check(T0 - 2 * D + H)], "late")
    roll_up(db, now=NOW, max_minutes=100_000)
    with db.read() as conn, StatementCounter(db) as counter:
        bars = daily_bars_many(conn, [busy, late], now=NOW)
    assert counter.selects == 1
    assert [len(b) for b in bars.values()] == [90, 90]
    assert bars[busy][0]["day"] == (T0 - 89 * D).date()
    assert bars[busy][-1]["day"] == T0.date()
    yesterday = [c for c in checks if c.at.date() == (T0 - D).date()]
    assert bars[busy][-2]["checks"] == len(yesterday)
    assert bars[busy][-2]["uptime"] == sum(c.ok for c in yesterday) / len(yesterday)
    assert [b["uptime"] for b in bars[late][-3:]] == [0.5, None, None]
    assert all(b["checks"] == 0 for b in bars[late][:-3])
