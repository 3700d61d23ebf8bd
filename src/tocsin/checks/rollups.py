"""Per-minute, per-hour and per-day rollups of check results, kept on write.

:func:`roll_up` walks forward from a watermark (the first minute not yet fully
rolled, kept in the ``instance`` table) over complete minutes only. A probe may
run 30 s and queue a little before its result is written with ``at`` = its
start, so a minute is rolled only once it ended ``SAFETY_LAG`` (2 min) ago; a
result written later than that for an already-rolled minute stays in the raw
table but is not counted.

For each minute the raw results become one ``m`` row per monitor, and the
same tallies are merged into that monitor's ``h`` and ``d`` rows (read,
merge, upsert), so hour and day rows are always current up to the watermark
and reads never recompute from raw results. Monitors are written in chunks,
each chunk one short write transaction, so the batched writer (probe results)
never waits long behind us.

Crash safety without double counting: a chunk inserts its ``m`` rows and
merges the ``h``/``d`` rows in the same transaction, and skips monitors that
already have an ``m`` row for the minute. So the ``m`` row is the receipt:
re-running after a crash at any point redoes exactly the chunks that did not
commit. The watermark moves on only after every chunk of a minute committed.

What a row counts: ``count`` checks; ``failures`` checks whose verdict failed
(``ok`` inverted for upside-down monitors; degraded is passing); ``degraded``
passing checks with a warning. Latency (``sum_ms``, min, max, percentiles,
``hist``) covers passing checks only, as Uptime Kuma's stat tables do: a
refused connection's 1 ms or a timeout's 30 s is not a response time. So the
average is ``sum_ms / (count - failures)``. Minute percentiles are exact;
hour and day ones come from the merged histogram (see ``histogram``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, TypedDict

from sqlalchemy import ColumnElement, Connection, DateTime, cast, func, select
from sqlalchemy.sql.dml import Insert

from tocsin.lib import histogram
from tocsin.lib.clock import ensure_utc
from tocsin.lib.histogram import Latency
from tocsin.store.engine import Database
from tocsin.store.schema import instance, monitors, results, rollups
from tocsin.store.upsert import insert_for

MINUTE = timedelta(minutes=1)
SAFETY_LAG = timedelta(minutes=2)
WATERMARK_KEY = "rollups.watermark"
WATERMARK_NEXT_KEY = "rollups.watermark_next"
"""The watermark plus one minute, so reads can compare without date arithmetic in SQL."""
CHUNK = 500
"""Monitor-minutes per write transaction: ~1,500 rows (m, h, d) in 9 statements.
Measured (benchmarks/storage_growth.py, 200 monitors, a loaded 2-core VM): 0.3 to
0.4 ms of CPU per monitor-minute, so 10,000 monitors cost 3-4 s a minute."""
FETCH = 20_000
"""Raw results read per query: two minutes of 10,000 monitors, a day of 14."""
STAT_COLUMNS = ("count", "failures", "degraded", "sum_ms", "min_ms", "max_ms",
                "p50_ms", "p95_ms", "p99_ms", "hist")
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def floor_minute(t: datetime) -> datetime:
    return t.replace(second=0, microsecond=0)


def floor_hour(t: datetime) -> datetime:
    return t.replace(minute=0, second=0, microsecond=0)


def floor_day(t: datetime) -> datetime:
    return t.replace(hour=0, minute=0, second=0, microsecond=0)


@dataclass
class Tally:
    """Counts and latency of one bucket, mergeable."""

    count: int = 0
    failures: int = 0
    degraded: int = 0
    latency: Latency = field(default_factory=Latency)

    @classmethod
    def from_row(cls, row: Any) -> Tally:
        latency = Latency(n=row["count"] - row["failures"], sum_ms=row["sum_ms"],
                          min_ms=row["min_ms"], max_ms=row["max_ms"],
                          hist=histogram.from_json(row["hist"]))
        return cls(row["count"], row["failures"], row["degraded"], latency)

    def merge(self, other: Tally) -> None:
        self.count += other.count
        self.failures += other.failures
        self.degraded += other.degraded
        self.latency.merge(other.latency)

    def columns(self, exact: list[float] | None = None) -> dict[str, Any]:
        """Row values; ``exact`` (sorted raw latencies) gives exact percentiles."""
        lat = self.latency
        if exact is not None:
            pcts = [histogram.exact_quantile(exact, q) for q in histogram.QUANTILES]
        else:
            pcts = lat.quantiles(histogram.QUANTILES)
        p50, p95, p99 = (None if v is None else round(v, 3) for v in pcts)
        return {
            "count": self.count, "failures": self.failures, "degraded": self.degraded,
            "sum_ms": round(lat.sum_ms, 3), "min_ms": lat.min_ms, "max_ms": lat.max_ms,
            "p50_ms": p50, "p95_ms": p95, "p99_ms": p99,
            "hist": histogram.to_json(lat.hist),
        }


# --- the watermark ------------------------------------------------------------

def _stamp(conn: Connection, when: datetime) -> str:
    """A watermark as text that SQL compares with stored timestamps.

    SQLite keeps datetimes as ``YYYY-MM-DD HH:MM:SS.ffffff`` text (SQLAlchemy's
    format), so the same text compares correctly; PostgreSQL casts ISO text.
    """
    when = when.astimezone(UTC)
    if conn.dialect.name == "sqlite":
        return when.strftime("%Y-%m-%d %H:%M:%S.%f")
    return when.isoformat()


def read_watermark(conn: Connection) -> datetime | None:
    raw = conn.execute(select(instance.c.value).where(instance.c.key == WATERMARK_KEY)).scalar()
    return None if raw is None else ensure_utc(datetime.fromisoformat(raw))


def watermark_sql(conn: Connection, key: str = WATERMARK_KEY) -> ColumnElement[Any]:
    """The stored watermark as an SQL expression, read in the caller's statement.

    Reading it inside the same statement as the rollups matters on PostgreSQL:
    under READ COMMITTED each statement has its own snapshot, and a roll-up
    committing between two statements would count a minute twice.
    """
    stored = select(instance.c.value).where(instance.c.key == key).scalar_subquery()
    expr: ColumnElement[Any] = func.coalesce(stored, _stamp(conn, _EPOCH))
    if conn.dialect.name == "postgresql":
        expr = cast(expr, DateTime(timezone=True))
    return expr


def _set_watermark(conn: Connection, minute: datetime) -> None:
    for key, when in ((WATERMARK_KEY, minute), (WATERMARK_NEXT_KEY, minute + MINUTE)):
        stmt = _insert(conn, instance).values(key=key, value=_stamp(conn, when))
        conn.execute(stmt.on_conflict_do_update(
            index_elements=[instance.c.key], set_={"value": stmt.excluded.value}))


def _insert(conn: Connection, table: Any) -> Any:
    return insert_for(conn)(table)


# --- rolling up ---------------------------------------------------------------

@dataclass
class _Minute:
    tally: Tally = field(default_factory=Tally)
    values: list[float] = field(default_factory=list)


Unit = tuple[datetime, int]
"""(minute, monitor id): one ``m`` row. Sorted minute first, the order of commits."""


def roll_up(db: Database, *, now: datetime, max_minutes: int = 30, chunk: int = CHUNK,
            fetch: int = FETCH) -> int:
    """Roll up complete minutes after the watermark; return how many had results.

    At most ``max_minutes`` minutes with results per call (stretches without
    results are skipped for free), so a return value equal to ``max_minutes``
    means more work may be waiting. Raw results are read ``fetch`` rows at a
    time in ``at`` order, and written ``chunk`` monitor-minutes per commit, so
    a small installation catching up reads and commits once for many minutes.
    """
    end = floor_minute(now - SAFETY_LAG)
    with db.read() as conn:
        minute = read_watermark(conn)
        if minute is None:
            first = conn.execute(select(func.min(results.c.at))).scalar()
            minute = min(end, floor_minute(first)) if first else end
            fresh = True
        else:
            fresh = False
    if fresh:
        with db.write() as conn:
            _set_watermark(conn, minute)
    rolled = 0
    start = minute
    pending: dict[Unit, _Minute] = {}
    while rolled < max_minutes and minute < end:
        batch = _read_minutes(db, minute, end, fetch)
        if not batch:  # nothing more to roll before ``end``
            minute = end
            break
        for at_minute, rows in batch[:max_minutes - rolled]:
            _tally(pending, at_minute, rows)
            rolled += 1
            minute = at_minute + MINUTE
            if len(pending) >= chunk:
                _flush(db, pending, minute, chunk)
                pending = {}
    if minute != start:
        _flush(db, pending, minute, chunk)
    return rolled


def _read_minutes(db: Database, since: datetime, end: datetime, fetch: int
                  ) -> list[tuple[datetime, list[Any]]]:
    """Whole minutes of raw results from ``since`` on, oldest first, about ``fetch`` rows."""
    query = (select(results.c.at, results.c.monitor_id, results.c.ok, results.c.degraded,
                    results.c.duration_ms, monitors.c.upside_down)
             .join(monitors, monitors.c.id == results.c.monitor_id)
             .order_by(results.c.at))
    with db.read() as conn:
        rows = conn.execute(query.where(results.c.at >= since, results.c.at < end)
                            .limit(fetch)).all()
        if len(rows) == fetch:  # the last minute may be cut short: drop or complete it
            last = floor_minute(rows[-1].at)
            rows = [r for r in rows if r.at < last]
            if not rows:  # one minute holds more than ``fetch`` results
                rows = list(conn.execute(query.where(
                    results.c.at >= last, results.c.at < last + MINUTE)).all())
    minutes: dict[datetime, list[Any]] = {}
    for row in rows:
        minutes.setdefault(floor_minute(row.at), []).append(row[1:])
    return list(minutes.items())


def _tally(pending: dict[Unit, _Minute], minute: datetime, rows: list[Any]) -> None:
    for monitor_id, ok, degraded, duration_ms, upside_down in rows:
        entry = pending.setdefault((minute, monitor_id), _Minute())
        entry.tally.count += 1
        if bool(ok) == bool(upside_down):
            entry.tally.failures += 1
            continue
        if degraded and not upside_down:
            entry.tally.degraded += 1
        entry.tally.latency.add(duration_ms)
        entry.values.append(duration_ms)


def _flush(db: Database, pending: dict[Unit, _Minute], watermark: datetime, chunk: int
           ) -> None:
    """Write ``pending`` in chunks, moving the watermark with every commit.

    After each commit the watermark is the minute of the first unit not yet
    written, so at every moment: minutes before it are fully rolled, its own
    minute is rolled for some monitors (those with an ``m`` row), and nothing
    after it is. ``uptime`` relies on exactly that to count the raw tail.
    """
    units = sorted(pending)
    if not units:
        with db.write() as conn:
            _set_watermark(conn, watermark)
        return
    for start in range(0, len(units), chunk):
        part = units[start:start + chunk]
        rest = units[start + chunk:]
        with db.write() as conn:
            _write_chunk(conn, {unit: pending[unit] for unit in part})
            _set_watermark(conn, rest[0][0] if rest else watermark)


def _write_chunk(conn: Connection, part: dict[Unit, _Minute]) -> int:
    ids = sorted({monitor_id for _, monitor_id in part})
    minutes = [minute for minute, _ in part]
    present = set(conn.execute(select(monitors.c.id).where(monitors.c.id.in_(ids))).scalars())
    done = {(r.bucket, r.monitor_id) for r in conn.execute(
        select(rollups.c.bucket, rollups.c.monitor_id).where(
            rollups.c.resolution == "m", rollups.c.monitor_id.in_(ids),
            rollups.c.bucket >= min(minutes), rollups.c.bucket <= max(minutes)))}
    todo = {u: m for u, m in part.items() if u[1] in present and u not in done}
    if not todo:
        return 0
    conn.execute(rollups.insert(), [
        {"monitor_id": monitor_id, "resolution": "m", "bucket": minute,
         **m.tally.columns(sorted(m.values))} for (minute, monitor_id), m in todo.items()])
    for resolution, floor in (("h", floor_hour), ("d", floor_day)):
        sums: dict[tuple[int, datetime], Tally] = {}
        for (minute, monitor_id), m in todo.items():
            sums.setdefault((monitor_id, floor(minute)), Tally()).merge(m.tally)
        old = {(r["monitor_id"], r["bucket"]): Tally.from_row(r) for r in conn.execute(
            select(rollups).where(rollups.c.resolution == resolution,
                                  rollups.c.monitor_id.in_(ids),
                                  rollups.c.bucket.in_({b for _, b in sums}))).mappings()}
        merged = []
        for (monitor_id, bucket), tally in sums.items():
            total = old.get((monitor_id, bucket)) or Tally()
            total.merge(tally)
            merged.append({"monitor_id": monitor_id, "resolution": resolution,
                           "bucket": bucket, **total.columns()})
        conn.execute(_upsert(conn), merged)
    return len(todo)


def _upsert(conn: Connection) -> Insert:
    stmt = _insert(conn, rollups)
    upsert: Insert = stmt.on_conflict_do_update(
        index_elements=[rollups.c.monitor_id, rollups.c.resolution, rollups.c.bucket],
        set_={name: stmt.excluded[name] for name in STAT_COLUMNS})
    return upsert


# --- reading ------------------------------------------------------------------

class Point(TypedDict):
    at: datetime
    checks: int
    failures: int
    degraded: int
    uptime: float | None
    avg_ms: float | None
    min_ms: float | None
    max_ms: float | None
    p50_ms: float | None
    p95_ms: float | None
    p99_ms: float | None


def point(row: Any) -> Point:
    passing = row["count"] - row["failures"]
    return Point(
        at=row["bucket"], checks=row["count"], failures=row["failures"],
        degraded=row["degraded"], uptime=passing / row["count"] if row["count"] else None,
        avg_ms=round(row["sum_ms"] / passing, 3) if passing else None,
        min_ms=row["min_ms"], max_ms=row["max_ms"], p50_ms=row["p50_ms"],
        p95_ms=row["p95_ms"], p99_ms=row["p99_ms"],
    )


def series(
    conn: Connection, monitor_id: int, resolution: str, since: datetime, until: datetime,
    *, limit: int = 5000,
) -> list[Point]:
    """Chart points, oldest first, for buckets starting in ``[since, until)``; one query."""
    if resolution not in ("m", "h", "d"):
        raise ValueError("resolution must be 'm', 'h' or 'd'")
    rows = conn.execute(
        select(rollups).where(rollups.c.monitor_id == monitor_id,
                              rollups.c.resolution == resolution,
                              rollups.c.bucket >= since, rollups.c.bucket < until)
        .order_by(rollups.c.bucket).limit(limit)
    ).mappings().all()
    return [point(r) for r in rows]
