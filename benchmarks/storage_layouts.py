"""What-if layouts for the two big history tables, measured on the same data.

Used by ``storage_growth.py --compare-compact``. The stored rows are copied
into scratch tables in a more compact shape and measured the same way, so a
schema change can be judged by bytes, not guesses:

* results: times as integer epoch milliseconds instead of timestamps (SQLite
  keeps a timestamp as 26 characters of text, in the row and in each index);
  ``scheduled_at`` as a small integer drift; durations and phase timings as
  integers in 0.1 ms (SQLite stores small integers in 1–3 bytes, a REAL in 8);
  only the ``(monitor_id, at)`` index (roll-up and retention would walk ids
  instead of ``ix_results_at``).
* rollups: bucket as integer epoch seconds; on SQLite a WITHOUT ROWID table
  (the primary key is the table, not a second copy of the key); the histogram
  as JSON without spaces.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Float,
    Index,
    Integer,
    MetaData,
    SmallInteger,
    String,
    Table,
    Text,
    select,
)

from tocsin.store.engine import Database
from tocsin.store.schema import BigId, results, rollups

Sizes = Callable[[Database], dict[str, dict[str, int]]]


def _ms(when: datetime | None) -> int | None:
    return None if when is None else round(when.timestamp() * 1000)


def _tenths(ms: float | None) -> int | None:
    return None if ms is None else round(ms * 10)


def _compact_results(meta: MetaData) -> Table:
    table = Table(
        "scratch_results_compact", meta,
        Column("id", BigId, primary_key=True),
        Column("monitor_id", Integer, nullable=False),
        Column("at_ms", BigInteger, nullable=False),
        Column("drift_ms", Integer),
        Column("ok", Boolean, nullable=False),
        Column("degraded", Boolean, nullable=False),
        Column("duration", Integer, nullable=False),
        Column("reason", String(20)),
        Column("message", Text),
        Column("status_code", SmallInteger),
        *[Column(name, Integer) for name in
          ("t_resolve", "t_connect", "t_tls", "t_processing", "t_transfer")],
    )
    Index("ix_scratch_results_compact", table.c.monitor_id, table.c.at_ms)
    return table


def _compact_rollups(meta: MetaData, resolution: str) -> Table:
    table = Table(
        f"scratch_rollups_compact_{resolution}", meta,
        Column("monitor_id", Integer, primary_key=True),
        Column("resolution", String(1), primary_key=True),
        Column("bucket", BigInteger, primary_key=True),
        *[Column(name, Integer, nullable=False) for name in ("count", "failures", "degraded")],
        *[Column(name, Float) for name in
          ("sum_ms", "min_ms", "max_ms", "p50_ms", "p95_ms", "p99_ms")],
        Column("hist", Text, nullable=False),
        sqlite_with_rowid=False,
    )
    Index(f"ix_scratch_rollups_compact_{resolution}", table.c.resolution, table.c.bucket)
    return table


def _copy(db: Database, query: Any, target: Table, convert: Callable[[Any], dict[str, Any]]
          ) -> int:
    """Stream ``query`` into ``target`` 20,000 rows per transaction."""
    copied = 0
    with db.engine.connect() as reader:
        rows = reader.execution_options(stream_results=True, yield_per=20_000).execute(query)
        for chunk in rows.mappings().partitions():
            with db.write() as conn:
                conn.execute(target.insert(), [convert(r) for r in chunk])
            copied += len(chunk)
    return copied


def measure_compact(db: Database, sizes: Sizes) -> dict[str, float]:
    """Bytes per row of results and of each rollup resolution in the compact shapes."""
    out: dict[str, float] = {}
    meta = MetaData()
    table = _compact_results(meta)
    meta.create_all(db.engine)

    def slim(r: Any) -> dict[str, Any]:
        drift = _ms(r["scheduled_at"])
        return {
            "id": r["id"], "monitor_id": r["monitor_id"], "at_ms": _ms(r["at"]),
            "drift_ms": None if drift is None else drift - (_ms(r["at"]) or 0),
            "ok": r["ok"], "degraded": r["degraded"], "duration": _tenths(r["duration_ms"]),
            "reason": r["reason"], "message": r["message"], "status_code": r["status_code"],
            **{k: _tenths(r[k]) for k in
               ("t_resolve", "t_connect", "t_tls", "t_processing", "t_transfer")},
        }

    rows = _copy(db, select(results).order_by(results.c.id), table, slim)
    out["raw"] = sum(sizes(db)[table.name].values()) / max(1, rows)
    meta.drop_all(db.engine)
    for resolution in "mhd":
        meta = MetaData()
        table = _compact_rollups(meta, resolution)
        meta.create_all(db.engine)

        def compact(r: Any) -> dict[str, Any]:
            return {**{k: r[k] for k in r if k not in ("bucket", "hist")},
                    "bucket": int(r["bucket"].timestamp()),
                    "hist": json.dumps(r["hist"], separators=(",", ":"))}

        source = (select(rollups).where(rollups.c.resolution == resolution)
                  .order_by(rollups.c.bucket, rollups.c.monitor_id))
        rows = _copy(db, source, table, compact)
        out[resolution] = sum(sizes(db)[table.name].values()) / max(1, rows)
        meta.drop_all(db.engine)
    return out
