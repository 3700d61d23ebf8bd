"""Writing the performance rollups: per minute and per hour, in the digest's flush.

Each batch touches a row per (project, transaction, environment, release,
bucket) in ``perf_rollups`` (minutes) and in ``perf_rollups_hourly``. Hour
rows are kept here, on write, rather than rolled up later by housekeeping:
transactions up to 30 days late are accepted (sentry-protocol §1.11), so a
later roll-up would have to find and redo old hours; merged on write, an hour
row is always complete, and it costs the same three statements a batch
already spends on its minutes (create, lock, update), whatever its size.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any, Protocol

from sqlalchemy import Connection, Table, bindparam, select, tuple_

from tocsin.issues.sdktime import chunks, floor_to
from tocsin.lib import histogram
from tocsin.lib.histogram import Latency
from tocsin.store.schema import perf_rollups, perf_rollups_hourly
from tocsin.store.upsert import insert_for

MINUTE = timedelta(minutes=1)
HOUR = timedelta(hours=1)

Key = tuple[int, str, str, str, datetime]  # project, transaction, environment, release, bucket


class Timed(Protocol):
    """What a rollup needs of one transaction (``performance.Sample`` has it)."""

    @property
    def project_id(self) -> int: ...
    @property
    def name(self) -> str: ...
    @property
    def environment(self) -> str: ...
    @property
    def release(self) -> str: ...
    @property
    def op(self) -> str | None: ...
    @property
    def at(self) -> datetime: ...
    @property
    def duration_ms(self) -> float: ...
    @property
    def failed(self) -> bool: ...


def write(conn: Connection, samples: Iterable[Timed]) -> None:
    """Merge ``samples`` into their minute and their hour rows."""
    samples = list(samples)
    for table, width in ((perf_rollups, MINUTE), (perf_rollups_hourly, HOUR)):
        _merge(conn, table, width, samples)


def _merge(conn: Connection, table: Table, width: timedelta, samples: list[Timed]) -> None:
    groups: dict[Key, tuple[Latency, list[int], str | None]] = {}
    for s in samples:
        key = (s.project_id, s.name, s.environment, s.release, floor_to(s.at, width))
        latency, failures, _ = groups.setdefault(key, (Latency(), [0], s.op))
        latency.add(s.duration_ms)
        failures[0] += s.failed
    if not groups:
        return
    keys = sorted(groups)
    insert = insert_for(conn)
    c = table.c
    columns = (c.project_id, c.transaction, c.environment, c.release, c.bucket)
    # Create missing rows, then lock them all: two workers merging into one
    # bucket must not overwrite each other's histogram on PostgreSQL.
    for part in chunks(keys):
        conn.execute(insert(table).values([
            {"project_id": p, "transaction": t, "environment": e, "release": r, "bucket": b,
             "op": groups[(p, t, e, r, b)][2], "count": 0, "failures": 0, "sum_ms": 0.0,
             "max_ms": None, "hist": {}} for p, t, e, r, b in part]).on_conflict_do_nothing())
    stored: dict[Key, Any] = {}
    for part in chunks(keys):
        for row in conn.execute(
            select(*columns, c.count, c.failures, c.sum_ms, c.max_ms, c.hist)
            .where(tuple_(*columns).in_(part)).order_by(*columns).with_for_update()):
            stored[(row.project_id, row.transaction, row.environment, row.release,
                    floor_to(row.bucket, width))] = row
    updates = []
    for key in keys:
        latency, failures, _ = groups[key]
        row = stored[key]
        top = latency.max_ms if row.max_ms is None else max(row.max_ms, latency.max_ms or 0)
        updates.append({
            "p": key[0], "t": key[1], "e": key[2], "r": key[3], "b": key[4],
            "count": row.count + latency.n, "failures": row.failures + failures[0],
            "sum_ms": row.sum_ms + latency.sum_ms, "max_ms": top,
            "hist": histogram.to_json(histogram.merge(
                histogram.from_json(row.hist), latency.hist))})
    conn.execute(table.update().where(
        c.project_id == bindparam("p"), c.transaction == bindparam("t"),
        c.environment == bindparam("e"), c.release == bindparam("r"),
        c.bucket == bindparam("b")), updates)
