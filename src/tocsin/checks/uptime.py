"""Uptime, response-time statistics and daily bars, read from rollups.

Every read here is one SQL statement, whatever the history size and however
many monitors are asked about at once (``*_many`` group by monitor).

A window (24 h, 7 d, 30 d, 90 d) is assembled from the coarsest rows that fit,
so a 90-day read touches about 175 rows per monitor instead of 2,160 hourly
ones::

    start ─ minutes (m) ─► first whole hour ─ hours (h) ─► first whole day ─ days (d) ─► now
                                                        watermark ─ raw results ─►

Hour and day rows are kept current up to the roll-up watermark (see
``rollups``), and raw results after the watermark close the gap to ``now``, so
the 24-hour uptime is exact to the minute: it counts checks that started at or
after ``now - 24 h`` rounded up to the minute. Longer windows start at the first
whole hour once their head minutes are past the minute-rollup retention (3
days): at most one hour of 168 or more left out.

Uptime is the share of passing checks; degraded counts as passing; ``None``
when there were no checks. The watermark is read inside the same statement
because PostgreSQL gives each statement of a READ COMMITTED transaction its own
snapshot: a roll-up committing between two statements would count a minute
twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, TypedDict

from sqlalchemy import (
    Connection,
    Select,
    and_,
    case,
    exists,
    func,
    literal_column,
    not_,
    select,
)
from sqlalchemy import union_all as sql_union_all

from tocsin.checks.rollups import (
    MINUTE,
    WATERMARK_NEXT_KEY,
    Tally,
    floor_day,
    floor_hour,
    floor_minute,
    watermark_sql,
)
from tocsin.lib.histogram import Latency
from tocsin.store.schema import monitors, results, rollups

WINDOWS: dict[str, timedelta] = {
    "24h": timedelta(days=1), "7d": timedelta(days=7),
    "30d": timedelta(days=30), "90d": timedelta(days=90),
}
HOUR, DAY = timedelta(hours=1), timedelta(days=1)


def _ceil(t: datetime, floor: Any, step: timedelta) -> datetime:
    down: datetime = floor(t)
    return down if down == t else down + step


@dataclass(frozen=True)
class Span:
    """A window cut at its first whole hour and first whole day."""

    name: str
    start: datetime
    hour: datetime
    day: datetime

    @classmethod
    def ending(cls, name: str, length: timedelta, now: datetime) -> Span:
        start = _ceil(now - length, floor_minute, MINUTE)
        hour = _ceil(start, floor_hour, HOUR)
        return cls(name, start, hour, _ceil(hour, floor_day, DAY))

    def pieces(self) -> tuple[tuple[str, datetime, datetime | None], ...]:
        """(resolution, from, to) ranges of bucket starts that tile the window."""
        return (("m", self.start, self.hour), ("h", self.hour, self.day), ("d", self.day, None))


def _in(col: Any, lo: datetime, hi: datetime | None) -> Any:
    return col >= lo if hi is None else and_(col >= lo, col < hi)


def _rollup_counts(ids: list[int], window: int, resolution: str, lo: datetime,
                   hi: datetime | None, now: datetime) -> Select[Any]:
    """Checks and failures per monitor from one resolution's rows in ``[lo, hi)``."""
    return (
        select(rollups.c.monitor_id, literal_column(str(window)).label("w"),
               func.sum(rollups.c.count).label("checks"),
               func.sum(rollups.c.failures).label("failures"))
        .where(rollups.c.monitor_id.in_(ids), rollups.c.resolution == resolution,
               _in(rollups.c.bucket, lo, hi), rollups.c.bucket <= now)
        .group_by(rollups.c.monitor_id)
    )


def _tail_counts(conn: Connection, ids: list[int], window: int, start: datetime,
                 now: datetime) -> Select[Any]:
    """Checks and failures per monitor from raw results the roll-up has not reached."""
    watermark = watermark_sql(conn)
    rolled_this_minute = exists().where(
        rollups.c.monitor_id == results.c.monitor_id, rollups.c.resolution == "m",
        rollups.c.bucket == watermark)
    failing = case((results.c.ok == monitors.c.upside_down, 1), else_=0)
    return (
        select(results.c.monitor_id, literal_column(str(window)).label("w"),
               func.count().label("checks"), func.sum(failing).label("failures"))
        .join(monitors, monitors.c.id == results.c.monitor_id)
        .where(results.c.monitor_id.in_(ids), results.c.at >= watermark,
               results.c.at >= start, results.c.at <= now,
               # the watermark minute is in progress: skip monitors already rolled in it
               not_(and_(results.c.at < watermark_sql(conn, WATERMARK_NEXT_KEY),
                         rolled_this_minute)))
        .group_by(results.c.monitor_id)
    )


def uptime_many(conn: Connection, monitor_ids: list[int], *, now: datetime
                ) -> dict[int, dict[str, float | None]]:
    """Uptime per window for each monitor, in one statement.

    Each window and resolution is its own tight range in a UNION ALL, so every
    part is an index range scan: about 60 + 24 + 90 rollup rows per monitor for
    the 90-day window, fewer for the others, never the minute or hour rows of
    the whole 90 days.
    """
    ids = list(dict.fromkeys(monitor_ids))
    out: dict[int, dict[str, float | None]] = {i: dict.fromkeys(WINDOWS) for i in ids}
    if not ids:
        return out
    spans = [Span.ending(name, length, now) for name, length in WINDOWS.items()]
    parts: list[Select[Any]] = []
    for w, span in enumerate(spans):
        parts += [_rollup_counts(ids, w, resolution, lo, hi, now)
                  for resolution, lo, hi in span.pieces() if hi is None or lo < hi]
        parts.append(_tail_counts(conn, ids, w, span.start, now))
    totals = {(i, w): [0, 0] for i in ids for w in range(len(spans))}
    for monitor_id, w, checks, failures in conn.execute(sql_union_all(*parts)):
        acc = totals[(monitor_id, int(w))]
        acc[0] += int(checks or 0)
        acc[1] += int(failures or 0)
    for (i, w), (checks, failures) in totals.items():
        out[i][spans[w].name] = (checks - failures) / checks if checks else None
    return out


def uptime(conn: Connection, monitor_id: int, *, now: datetime) -> dict[str, float | None]:
    """Uptime over 24 h, 7 d, 30 d and 90 d (0–1, None without checks); one statement."""
    return uptime_many(conn, [monitor_id], now=now)[monitor_id]


class ResponseStats(TypedDict):
    checks: int
    failures: int
    avg_ms: float | None
    min_ms: float | None
    max_ms: float | None
    p50_ms: float | None
    p95_ms: float | None
    p99_ms: float | None


def response_stats(conn: Connection, monitor_id: int, window: str | timedelta, now: datetime
                   ) -> ResponseStats:
    """Response times over a window from rollups (up to the watermark); one statement.

    Percentiles come from the merged histograms: within 4.5 % of exact.
    """
    length = WINDOWS[window] if isinstance(window, str) else window
    span = Span.ending("w", length, now)
    parts = [
        select(rollups).where(rollups.c.monitor_id == monitor_id,
                              rollups.c.resolution == resolution,
                              rollups.c.bucket <= now, _in(rollups.c.bucket, lo, hi))
        for resolution, lo, hi in span.pieces()
    ]
    total = Tally()
    for row in conn.execute(sql_union_all(*parts)).mappings():
        total.merge(Tally.from_row(row))
    lat: Latency = total.latency

    def pct(q: float) -> float | None:
        value = lat.quantile(q)
        return None if value is None else round(value, 3)

    avg = lat.avg_ms
    return ResponseStats(
        checks=total.count, failures=total.failures,
        avg_ms=None if avg is None else round(avg, 3), min_ms=lat.min_ms, max_ms=lat.max_ms,
        p50_ms=pct(0.5), p95_ms=pct(0.95), p99_ms=pct(0.99),
    )


class Bar(TypedDict):
    day: date
    checks: int
    failures: int
    degraded: int
    uptime: float | None


def daily_bars_many(conn: Connection, monitor_ids: list[int], *, days: int = 90,
                    now: datetime) -> dict[int, list[Bar]]:
    """One bar per UTC day, oldest first, ending today, for each monitor; one statement.

    Today's bar is current up to the roll-up watermark (a few minutes behind).
    """
    ids = list(dict.fromkeys(monitor_ids))
    first = floor_day(now) - (days - 1) * DAY
    stored: dict[tuple[int, date], Any] = {}
    if ids:
        rows = conn.execute(
            select(rollups.c.monitor_id, rollups.c.bucket, rollups.c.count,
                   rollups.c.failures, rollups.c.degraded)
            .where(rollups.c.monitor_id.in_(ids), rollups.c.resolution == "d",
                   rollups.c.bucket >= first, rollups.c.bucket <= now)
        ).mappings().all()
        stored = {(r["monitor_id"], r["bucket"].date()): r for r in rows}
    out: dict[int, list[Bar]] = {}
    for i in ids:
        bars: list[Bar] = []
        for n in range(days):
            day = (first + n * DAY).date()
            r = stored.get((i, day))
            checks = r["count"] if r else 0
            failures = r["failures"] if r else 0
            bars.append(Bar(day=day, checks=checks, failures=failures,
                            degraded=r["degraded"] if r else 0,
                            uptime=(checks - failures) / checks if checks else None))
        out[i] = bars
    return out


def daily_bars(conn: Connection, monitor_id: int, days: int = 90, *, now: datetime
               ) -> list[Bar]:
    """The 90-day bars of a status page for one monitor."""
    return daily_bars_many(conn, [monitor_id], days=days, now=now)[monitor_id]
