"""The digest loop: spooled envelopes become events, issues, sessions, spans, check-ins.

Each pass claims a batch of envelopes from the spool, does the CPU work
(parse, decode JSON, normalise, group, compress) outside any write
transaction, then writes everything the batch produced — and deletes the
envelopes — in ONE transaction. So a crash either keeps an envelope in the
spool (claimed again when its lease runs out) or has stored all it became;
and event ids being unique per project, a replay stores nothing twice.

An envelope that makes the whole batch fail is found by digesting the batch
one envelope at a time; after ``MAX_ATTEMPTS`` claims it is dropped, logged
and counted as ``internal_error``, so one poison envelope cannot stall the
queue. Items are routed to the domain that owns them: errors to
``issues.digest``, transactions and spans to ``issues.performance``,
sessions to ``issues.sessions``, check-ins to ``checks.checkins`` (this
module is the composition root that may see both).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import orjson
from sqlalchemy import Connection, select, update

from tocsin.checks import checkins
from tocsin.ingest import envelope, items, spool
from tocsin.ingest.outcomes import Outcomes, month_usage
from tocsin.issues import attachments, feedback, logs, performance, sessions
from tocsin.issues.digest import Digested, EventBatch
from tocsin.store import signals
from tocsin.store.runtime import Runtime
from tocsin.store.schema import projects

log = logging.getLogger(__name__)

# Idle, the loop looks at the spool this often; `tocsin serve` also wakes it
# as soon as the web side spools an envelope.
IDLE_SLEEP_S = 0.25
MAX_ATTEMPTS = 3
QUOTA_WARNING = 0.8


@dataclass
class _Work:
    """Everything one batch of envelopes became, before it is written."""

    events: EventBatch
    perf: performance.PerfBatch = field(default_factory=performance.PerfBatch)
    sessions: sessions.SessionBatch = field(default_factory=sessions.SessionBatch)
    outcomes: Outcomes = field(default_factory=Outcomes)
    check_ins: dict[int, list[checkins.CheckIn]] = field(default_factory=lambda: defaultdict(list))
    later: list[Any] = field(default_factory=list)  # (fn(conn)) small writes: logs, attachments


def _sent_at(headers: dict[str, Any]) -> datetime | None:
    value = headers.get("sent_at")
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed.astimezone(UTC) if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _without_nul(payload: bytes) -> bytes:
    # PostgreSQL text cannot hold U+0000; SDKs do send it (C strings, binary
    # blobs in messages). It becomes U+FFFD here, once, for every store.
    return payload.replace(b"\\u0000", b"\\ufffd") if b"\\u0000" in payload else payload


class Digester:
    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        self.owner = f"{runtime.config.worker_id}:digest"
        self.digested = 0
        self.wake = asyncio.Event()
        runtime.wake_digest = self.wake.set

    # -- one batch -----------------------------------------------------------------

    def digest(self, batch: list[spool.Spooled]) -> Digested:
        """Digest claimed envelopes; on failure, one at a time to isolate the bad one."""
        try:
            return self._digest(batch)
        except Exception:
            if len(batch) == 1:
                self._give_up_maybe(batch[0])
                return Digested()
            log.exception("digest of %d envelopes failed; retrying one by one", len(batch))
        total = Digested()
        for one in batch:
            try:
                part = self._digest([one])
            except Exception:
                log.exception("envelope %d could not be digested", one.id)
                self._give_up_maybe(one)
                continue
            total.stored += part.stored
            total.new_issues += part.new_issues
        return total

    def _give_up_maybe(self, one: spool.Spooled) -> None:
        if one.attempts < MAX_ATTEMPTS:
            return
        log.error("dropping envelope %d of project %d after %d attempts",
                  one.id, one.project_id, one.attempts)
        dropped = Outcomes()
        dropped.add(one.project_id, one.received_at, "internal_error", "envelope")
        with self.runtime.db.write() as conn:
            dropped.flush(conn)
            spool.done(conn, [one.id], self.owner)

    def _digest(self, batch: list[spool.Spooled]) -> Digested:
        runtime = self.runtime
        work = _Work(events=EventBatch(salt=runtime.secret_key.encode()))
        for one in batch:
            self._route(one, work)
        with runtime.db.read() as conn:
            work.events.prepare(conn)
        now = runtime.clock.now()
        with runtime.db.write() as conn:
            digested = work.events.flush(conn, now=now)
            for project_id, n in digested.accepted.items():
                work.outcomes.add(project_id, now, "accepted", "error", n)
            for project_id, payload in work.perf.flush(
                    conn, now=now, slow_span_ms=runtime.config.slow_span_ms):
                signals.append(conn, "transaction.batch", f"project:{project_id}", payload,
                               now=now, project_id=project_id)
            for project_id, payload in work.sessions.flush(conn, now=now):
                signals.append(conn, "sessions.batch", f"project:{project_id}", payload,
                               now=now, project_id=project_id)
            for project_id, batch_in in work.check_ins.items():
                for result in checkins.record_check_ins(conn, project_id, batch_in, now=now):
                    if result != "ok":
                        work.outcomes.add(project_id, now, result.split(":")[0], "monitor")
            for write in work.later:
                write(conn)
            work.outcomes.flush(conn)
            self._quota_signals(conn, {one.project_id for one in batch}, now=now)
            spool.done(conn, [one.id for one in batch], self.owner)
        self.digested += digested.stored
        return digested

    # -- routing items ---------------------------------------------------------------

    def _route(self, one: spool.Spooled, work: _Work) -> None:
        pid, received, cfg = one.project_id, one.received_at, self.runtime.config
        try:
            env = envelope.parse(one.body)
        except envelope.EnvelopeError:
            work.outcomes.add(pid, received, "invalid", "envelope")
            return
        sent_at = _sent_at(env.headers)
        event_id = env.event_id()
        for item in env.items:
            kind = item.type
            category = items.category(item) or kind
            if kind == "attachment":
                headers, data = item.headers, item.payload
                work.later.append(lambda conn, h=headers, d=data: self._attachment(
                    conn, work.outcomes, pid, event_id, h, d, cfg.attachment_max_bytes))
                continue
            try:
                payload = orjson.loads(_without_nul(item.payload))
            except orjson.JSONDecodeError:
                work.outcomes.add(pid, received, "invalid_json", category, items.quantity(item))
                continue
            if kind == "event":
                work.events.add(pid, payload, received=received, sent_at=sent_at,
                                event_id=event_id)
            elif kind == "transaction":
                work.perf.add_transaction(pid, payload)
                work.outcomes.add(pid, received, "accepted", "transaction")
            elif kind == "span":
                work.perf.add_spans(pid, payload)
                work.outcomes.add(pid, received, "accepted", "span", items.quantity(item))
            elif kind == "session":
                work.sessions.add_update(pid, payload, received=received)
                work.outcomes.add(pid, received, "accepted", "session")
            elif kind == "sessions":
                work.sessions.add_aggregates(pid, payload)
                work.outcomes.add(pid, received, "accepted", "session", items.quantity(item))
            elif kind == "check_in":
                try:
                    work.check_ins[pid].append(checkins.parse_check_in(payload, received=received))
                except checkins.CheckInError:
                    work.outcomes.add(pid, received, "invalid", "monitor")
            elif kind == "client_report":
                work.outcomes.add_client_report(pid, payload, received=received)
            elif kind == "log":
                work.later.append(lambda conn, p=payload: logs.record_logs(
                    conn, pid, p, received=received))
                work.outcomes.add(pid, received, "accepted", "log_item", items.quantity(item))
            elif kind in ("feedback", "user_report"):
                work.later.append(lambda conn, k=kind, p=payload: feedback.record_feedback(
                    conn, pid, k, p, now=received))
            else:
                work.outcomes.add(pid, received, "unused_item", kind[:20] or "unknown")

    def _attachment(self, conn: Connection, outcomes: Outcomes, project_id: int,
                    event_id: str | None, headers: dict[str, Any], data: bytes,
                    max_bytes: int) -> None:
        now = self.runtime.clock.now()
        kept = event_id is not None and attachments.record_attachment(
            conn, project_id, event_id, headers, data, max_bytes=max_bytes, now=now)
        outcomes.add(project_id, now, "accepted" if kept else "too_large", "attachment")

    # -- quotas ------------------------------------------------------------------------

    def _quota_signals(self, conn: Connection, project_ids: set[int], *, now: datetime) -> None:
        """Signal once a month when a project passes 80 % of its event quota."""
        month = now.strftime("%Y-%m")
        rows = conn.execute(select(projects.c.id, projects.c.slug, projects.c.monthly_quota)
                            .where(projects.c.id.in_(sorted(project_ids)),
                                   projects.c.monthly_quota.is_not(None),
                                   (projects.c.quota_warned.is_(None))
                                   | (projects.c.quota_warned != month))).all()
        if not rows:
            return
        usage = month_usage(conn, [r.id for r in rows], now=now)
        for row in rows:
            used = usage.get(row.id, 0)
            if row.monthly_quota and used >= QUOTA_WARNING * row.monthly_quota:
                conn.execute(update(projects).where(projects.c.id == row.id)
                             .values(quota_warned=month))
                signals.append(conn, "project.quota", f"project:{row.id}", {
                    "project": row.slug, "used": used, "quota": row.monthly_quota,
                    "percent": round(100 * used / row.monthly_quota, 1), "month": month,
                }, now=now, project_id=row.id)

    # -- the loop ------------------------------------------------------------------------

    async def run_once(self) -> int:
        runtime = self.runtime
        batch = await asyncio.to_thread(
            spool.claim, runtime.db, self.owner, now=runtime.clock.now(),
            limit=runtime.config.digest_batch_size)
        if batch:
            await asyncio.to_thread(self.digest, batch)
        return len(batch)

    async def run(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            try:
                claimed = await self.run_once()
            except Exception:
                log.exception("digest pass failed")
                claimed = 0
            if claimed:
                continue
            self.wake.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(_first(stop, self.wake), timeout=IDLE_SLEEP_S)


async def _first(*events: asyncio.Event) -> None:
    waits = [asyncio.create_task(e.wait()) for e in events]
    try:
        await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for w in waits:
            w.cancel()
