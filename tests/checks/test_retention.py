from __future__ import annotations

import threading
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

from history_kit import T0, Check, StatementCounter, add_checks, add_monitor
from sqlalchemy import Connection, event, func, insert, select

from tocsin.checks import rollups
from tocsin.checks.retention import Retention, prune
from tocsin.config import load_config
from tocsin.store.engine import Database
from tocsin.store.schema import instance, pings, results, signals, state_changes
from tocsin.store.schema import rollups as rollups_table
from tocsin.store.writer import BatchWriter

S, M, D = timedelta(seconds=1), timedelta(minutes=1), timedelta(days=1)
NOW = T0


def _count(db: Database, table: Any, *where: Any) -> int:
    with db.read() as conn:
        return int(conn.execute(select(func.count()).select_from(table).where(*where))
                   .scalar_one())


def _rollup(conn: Connection, mid: int, resolution: str, bucket: Any) -> None:
    conn.execute(insert(rollups_table).values(
        monitor_id=mid, resolution=resolution, bucket=bucket, count=1, failures=0,
        degraded=0, sum_ms=1.0, hist={}))


def test_it_deletes_each_kind_past_its_retention_and_keeps_the_boundary(db: Database) -> None:
    with db.write() as conn:
        mid = add_monitor(conn, "web")
        rollups._set_watermark(conn, NOW)
        add_checks(conn, mid, [Check(NOW - 7 * D - S), Check(NOW - 7 * D), Check(NOW)])
        for at in (NOW - 7 * D - S, NOW - 7 * D):
            conn.execute(insert(pings).values(monitor_id=mid, at=at, kind="success",
                                              method="GET"))
        for resolution, age, step in (("m", 3 * D, M), ("h", 90 * D, 60 * M),
                                      ("d", 730 * D, D)):
            _rollup(conn, mid, resolution, NOW - age - step)
            _rollup(conn, mid, resolution, NOW - age)
        for at in (NOW - 730 * D - S, NOW - 730 * D):
            conn.execute(insert(state_changes).values(
                monitor_id=mid, at=at, old_status="up", new_status="down", cause="x"))
        for created, done in ((NOW - 30 * D, NOW - 7 * D - S), (NOW - 30 * D, NOW - 7 * D),
                              (NOW - 30 * D, None)):
            conn.execute(insert(signals).values(kind="monitor.down", subject="s", payload={},
                                                created_at=created, done_at=done))
    deleted = prune(db, now=NOW, pause=0)
    assert deleted == {"results": 1, "pings": 1, "state_changes": 1, "signals": 1,
                       "rollups_m": 1, "rollups_h": 1, "rollups_d": 1}
    assert _count(db, results) == 2 and _count(db, pings) == 1
    assert _count(db, rollups_table) == 3 and _count(db, state_changes) == 1
    assert _count(db, signals, signals.c.done_at.is_(None)) == 1
    assert prune(db, now=NOW, pause=0) == dict.fromkeys(deleted, 0)


def test_it_keeps_raw_results_the_rollup_has_not_counted_yet(db: Database) -> None:
    with db.write() as conn:
        mid = add_monitor(conn, "web")
        add_checks(conn, mid, [Check(NOW - 12 * D), Check(NOW - 10 * D), Check(NOW - 9 * D)])
    assert prune(db, now=NOW, pause=0)["results"] == 0  # no roll-up has run yet
    with db.write() as conn:
        rollups._set_watermark(conn, NOW - 10 * D)  # a roll-up stalled for ten days
    assert prune(db, now=NOW, pause=0)["results"] == 1
    assert _count(db, results) == 2


def test_it_deletes_in_batches_each_its_own_transaction(db: Database) -> None:
    with db.write() as conn:
        mid = add_monitor(conn, "web")
        add_checks(conn, mid, [Check(NOW - 8 * D - i * M) for i in range(23)])
        add_checks(conn, mid, [Check(NOW - i * M) for i in range(4)])
        rollups._set_watermark(conn, NOW)
    commits = 0

    def on_commit(conn: object) -> None:
        nonlocal commits
        commits += 1

    event.listen(db.engine, "commit", on_commit)
    try:
        with StatementCounter(db) as counter:
            deleted = prune(db, now=NOW, batch=5, pause=0)
    finally:
        event.remove(db.engine, "commit", on_commit)
    assert deleted["results"] == 23
    raw_deletes = [s for s in counter.statements if s.startswith("DELETE FROM results")]
    assert len(raw_deletes) == 5  # 5 + 5 + 5 + 5 + 3
    assert commits >= 5 + 6  # one per batch, and one per other kind
    assert _count(db, results) == 4


def test_it_stops_between_batches_when_asked(db: Database) -> None:
    with db.write() as conn:
        mid = add_monitor(conn, "web")
        add_checks(conn, mid, [Check(NOW - 8 * D - i * M) for i in range(10)])
        rollups._set_watermark(conn, NOW)
    answers = iter([True])
    deleted = prune(db, now=NOW, batch=3, pause=0, keep_going=lambda: next(answers, False))
    assert deleted["results"] == 3
    assert _count(db, results) == 7


def test_it_takes_the_retention_days_from_the_settings(tmp_path: Path) -> None:
    config = load_config({"TOCSIN_RESULTS_RETENTION_DAYS": "14",
                          "TOCSIN_DAY_ROLLUP_RETENTION_DAYS": "365"}, data_dir=tmp_path)
    assert Retention.from_config(config) == Retention(results_days=14, minute_rollup_days=3,
                                                      hour_rollup_days=90, day_rollup_days=365)


def test_it_lets_result_writes_through_while_it_prunes(sqlite_db: Database) -> None:
    db = sqlite_db
    with db.write() as conn:
        mid = add_monitor(conn, "web")
        add_checks(conn, mid, [Check(NOW - 8 * D - i * S) for i in range(20_000)])
        rollups._set_watermark(conn, NOW)
    batches: list[float] = []

    def on_execute(conn: object, cursor: object, statement: str, *args: object) -> None:
        if statement.startswith("DELETE FROM results"):
            batches.append(time.monotonic())

    writer = BatchWriter(db, max_delay=0.001)
    writer.start()
    written: list[float] = []
    done = threading.Event()

    def write_results() -> None:
        n = 0
        while not done.is_set():
            n += 1
            writer.submit(lambda conn, n=n: conn.execute(instance.insert().values(
                key=f"probe-{n}", value="ok"))).result(timeout=30)
            written.append(time.monotonic())

    thread = threading.Thread(target=write_results)
    event.listen(db.engine, "after_cursor_execute", on_execute)
    try:
        thread.start()
        deleted = prune(db, now=NOW, batch=500, pause=0.005)
    finally:
        event.remove(db.engine, "after_cursor_execute", on_execute)
        done.set()
        thread.join()
        writer.stop()
    assert deleted["results"] == 20_000
    assert len(batches) == 41
    during = [t for t in written if batches[0] < t < batches[-1]]
    assert len(during) >= 10, "the writer was shut out while retention ran"


def test_it_deletes_rollups_a_few_buckets_at_a_time(db: Database) -> None:
    with db.write() as conn:
        ids = [add_monitor(conn, f"m{i}") for i in range(3)]
        for minute in range(10):
            for mid in ids:
                _rollup(conn, mid, "m", NOW - 4 * D - minute * M)
        _rollup(conn, ids[0], "m", NOW - 3 * D)
    with StatementCounter(db) as counter:
        deleted = prune(db, now=NOW, batch=4, pause=0)
    assert deleted["rollups_m"] == 30
    batches = [s for s in counter.statements if s.startswith("DELETE FROM rollups")]
    # 4 rows reach into a second bucket, so 6 go at a time: 6 x 5, then an empty check
    assert len(batches) == 6 + 2  # and one each for hours and days
    assert _count(db, rollups_table) == 1
