from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from history_kit import T0, Check, StatementCounter, add_checks, add_monitor
from sqlalchemy import Connection, func, select

from tocsin.checks import rollups
from tocsin.checks.rollups import read_watermark, roll_up, series
from tocsin.lib import histogram
from tocsin.store.engine import Database
from tocsin.store.schema import rollups as rollups_table

S, M, H = timedelta(seconds=1), timedelta(minutes=1), timedelta(hours=1)


def _rows(db: Database, resolution: str) -> dict[tuple[int, Any], dict[str, Any]]:
    with db.read() as conn:
        rows = conn.execute(select(rollups_table).where(
            rollups_table.c.resolution == resolution)).mappings().all()
    return {(r["monitor_id"], r["bucket"]): dict(r) for r in rows}


def _setup(db: Database, *checks: Check, upside_down: bool = False) -> int:
    with db.write() as conn:
        mid = add_monitor(conn, "web", upside_down=upside_down)
        add_checks(conn, mid, checks)
    return mid


def test_it_rolls_complete_minutes_into_minute_hour_and_day_rows(db: Database) -> None:
    mid = _setup(
        db,
        Check(T0 + 10 * S, duration_ms=100.0), Check(T0 + 40 * S, duration_ms=300.0),
        Check(T0 + M + 10 * S, ok=False, duration_ms=30_000.0),
        Check(T0 + M + 20 * S, duration_ms=200.0, degraded=True),
        Check(T0 + 5 * M, duration_ms=50.0),  # not complete yet at now
    )
    assert roll_up(db, now=T0 + 4 * M + 30 * S) == 2  # minutes ending before now - 2 min
    minutes = _rows(db, "m")
    assert set(minutes) == {(mid, T0), (mid, T0 + M)}
    first = minutes[(mid, T0)]
    assert (first["count"], first["failures"], first["degraded"]) == (2, 0, 0)
    assert (first["sum_ms"], first["min_ms"], first["max_ms"]) == (400.0, 100.0, 300.0)
    assert (first["p50_ms"], first["p99_ms"]) == (100.0, 300.0)  # exact, nearest rank
    second = minutes[(mid, T0 + M)]
    # the timeout is a failure, not a response time
    assert (second["count"], second["failures"], second["degraded"]) == (2, 1, 1)
    assert (second["sum_ms"], second["max_ms"]) == (200.0, 200.0)
    hour = _rows(db, "h")[(mid, T0)]
    day = _rows(db, "d")[(mid, T0.replace(hour=0))]
    for row in (hour, day):
        assert (row["count"], row["failures"], row["degraded"]) == (4, 1, 1)
        assert (row["sum_ms"], row["min_ms"], row["max_ms"]) == (600.0, 100.0, 300.0)
        assert histogram.from_json(row["hist"]) == histogram.Latency.of(
            [100.0, 300.0, 200.0]).hist
    with db.read() as conn:
        assert read_watermark(conn) == T0 + 2 * M


def test_it_waits_until_a_minute_ended_two_minutes_ago(db: Database) -> None:
    _setup(db, Check(T0 + 59 * S))
    assert roll_up(db, now=T0 + 2 * M + 59 * S) == 0
    assert _rows(db, "m") == {}
    assert roll_up(db, now=T0 + 3 * M) == 1
    assert len(_rows(db, "m")) == 1


def test_it_merges_minutes_into_each_hour_and_day_across_midnight(db: Database) -> None:
    midnight = T0.replace(hour=0) + timedelta(days=1)
    start = midnight - 90 * M
    checks = [Check(start + i * M + 5 * S, ok=i % 10 != 0, duration_ms=10.0 + i)
              for i in range(180)]
    mid = _setup(db, *checks)
    assert roll_up(db, now=start + 200 * M, max_minutes=1000) == 180
    hours = _rows(db, "h")
    assert {b: r["count"] for (_, b), r in hours.items()} == {
        midnight - 2 * H: 30, midnight - H: 60, midnight: 60, midnight + H: 30}
    days = _rows(db, "d")
    assert {b: (r["count"], r["failures"]) for (_, b), r in days.items()} == {
        midnight - timedelta(days=1): (90, 9), midnight: (90, 9)}
    day = days[(mid, midnight)]
    assert day["min_ms"] == 101.0 and day["max_ms"] == 189.0  # 100 failed
    values = sorted(10.0 + i for i in range(90, 180) if i % 10 != 0)
    exact = histogram.exact_quantile(values, 0.95)
    assert exact is not None
    assert day["p95_ms"] == pytest.approx(exact, rel=histogram.RELATIVE_ERROR)


def test_it_inverts_verdicts_for_upside_down_monitors(db: Database) -> None:
    mid = _setup(db, Check(T0, ok=True), Check(T0 + S, ok=False, duration_ms=5.0),
                 Check(T0 + 2 * S, ok=False, degraded=True, duration_ms=7.0),
                 upside_down=True)
    roll_up(db, now=T0 + 10 * M)
    row = _rows(db, "m")[(mid, T0)]
    assert (row["count"], row["failures"], row["degraded"]) == (3, 1, 0)
    assert (row["min_ms"], row["max_ms"]) == (5.0, 7.0)


def test_it_changes_nothing_when_run_again(db: Database) -> None:
    _setup(db, *[Check(T0 + i * 20 * S) for i in range(30)])
    roll_up(db, now=T0 + H)
    before = (_rows(db, "m"), _rows(db, "h"), _rows(db, "d"))
    assert roll_up(db, now=T0 + H) == 0
    assert (_rows(db, "m"), _rows(db, "h"), _rows(db, "d")) == before


def test_it_bounds_the_work_of_one_call(db: Database) -> None:
    _setup(db, *[Check(T0 + i * M) for i in range(10)])
    assert roll_up(db, now=T0 + H, max_minutes=3) == 3
    with db.read() as conn:
        assert read_watermark(conn) == T0 + 3 * M
    assert roll_up(db, now=T0 + H, max_minutes=100) == 7
    with db.read() as conn:
        assert read_watermark(conn) == T0 + 58 * M


def test_it_skips_stretches_without_results_for_free(db: Database) -> None:
    _setup(db, Check(T0), Check(T0 + timedelta(days=3)))
    with StatementCounter(db) as counter:
        assert roll_up(db, now=T0 + timedelta(days=4), max_minutes=10) == 2
    assert counter.selects < 20  # not one per empty minute: there are 5,760 of them
    assert len(_rows(db, "m")) == 2 and len(_rows(db, "d")) == 2
    with db.read() as conn:
        assert read_watermark(conn) == T0 + timedelta(days=4) - 2 * M


def test_it_reads_a_minute_larger_than_one_fetch_whole(db: Database) -> None:
    mid = _setup(db, *[Check(T0 + i * S) for i in range(50)], Check(T0 + M))
    assert roll_up(db, now=T0 + H, fetch=7) == 2
    assert _rows(db, "m")[(mid, T0)]["count"] == 50
    assert _rows(db, "h")[(mid, T0)]["count"] == 51


def _history(db: Database) -> list[int]:
    with db.write() as conn:
        ids = [add_monitor(conn, f"m{i}") for i in range(5)]
        for n, mid in enumerate(ids):
            add_checks(conn, mid, [Check(T0 + i * 30 * S, ok=(i + n) % 4 != 0,
                                         duration_ms=20.0 + 3 * i + n) for i in range(8)])
    return ids


def _totals(db: Database) -> dict[str, tuple[int, int, float]]:
    with db.read() as conn:
        rows = conn.execute(
            select(rollups_table.c.resolution, func.sum(rollups_table.c.count),
                   func.sum(rollups_table.c.failures), func.sum(rollups_table.c.sum_ms))
            .group_by(rollups_table.c.resolution)).all()
    return {r[0]: (int(r[1]), int(r[2]), float(r[3])) for r in rows}


def test_it_does_not_double_count_after_a_crash(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    _history(db)  # 5 monitors x 4 minutes: 20 minute rows, written 2 per transaction
    real = rollups._write_chunk
    calls = 0

    def crash_in_third_chunk(conn: Connection, part: Any) -> int:
        nonlocal calls
        calls += 1
        written = real(conn, part)
        if calls == 3:
            raise RuntimeError("power cut")  # inside the transaction: rolled back
        return written

    monkeypatch.setattr(rollups, "_write_chunk", crash_in_third_chunk)
    with pytest.raises(RuntimeError):
        roll_up(db, now=T0 + H, chunk=2)
    monkeypatch.undo()
    with db.read() as conn:
        assert read_watermark(conn) == T0  # minute 0 is only partly rolled
    assert len(_rows(db, "m")) == 4
    assert _totals(db)["h"][:2] == (8, 2)
    for _ in range(2):  # the retry, then a redundant run
        roll_up(db, now=T0 + H, chunk=2)
    totals = _totals(db)
    assert {r: totals[r][:2] for r in totals} == {"m": (40, 10), "h": (40, 10), "d": (40, 10)}
    assert totals["h"][2] == pytest.approx(totals["m"][2])
    assert totals["d"][2] == pytest.approx(totals["m"][2])
    assert len(_rows(db, "m")) == 20


def test_it_moves_the_watermark_with_every_commit(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    _history(db)
    seen: list[Any] = []
    real = rollups._set_watermark

    def spy(conn: Connection, minute: Any) -> None:
        seen.append(minute)
        real(conn, minute)

    monkeypatch.setattr(rollups, "_set_watermark", spy)
    roll_up(db, now=T0 + H, chunk=3)
    # First the fresh watermark; then each minute (5 monitors) is written as 3 + 2,
    # each commit naming the minute of the first monitor-minute it did not write;
    # last the jump over the empty rest to the end of the rollable range.
    assert seen == [T0, T0, T0 + M, T0 + M, T0 + 2 * M, T0 + 2 * M, T0 + 3 * M,
                    T0 + 3 * M, T0 + 4 * M, T0 + 58 * M]


def test_it_skips_results_of_monitors_deleted_meanwhile(db: Database) -> None:
    ids = _history(db)
    from tocsin.store.schema import monitors

    with db.write() as conn:
        conn.execute(monitors.delete().where(monitors.c.id == ids[0]))
    roll_up(db, now=T0 + H)
    assert {mid for mid, _ in _rows(db, "m")} == set(ids[1:])


def test_it_serves_chart_points_oldest_first(db: Database) -> None:
    mid = _setup(db, Check(T0, duration_ms=100.0), Check(T0 + 30 * S, ok=False),
                 Check(T0 + M, duration_ms=300.0), Check(T0 + H, duration_ms=50.0))
    roll_up(db, now=T0 + 2 * H)
    with db.read() as conn:
        points = series(conn, mid, "m", T0, T0 + H)
        hours = series(conn, mid, "h", T0, T0 + 2 * H)
        with pytest.raises(ValueError):
            series(conn, mid, "x", T0, T0 + H)
    assert [p["at"] for p in points] == [T0, T0 + M]
    assert points[0]["checks"] == 2 and points[0]["uptime"] == 0.5
    assert points[0]["avg_ms"] == 100.0
    assert [(p["checks"], p["avg_ms"]) for p in hours] == [(3, 200.0), (1, 50.0)]
