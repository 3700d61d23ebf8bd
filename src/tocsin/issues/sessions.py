"""Release health: session updates and aggregates, counted per release and hour.

Semantics follow sentry-protocol §1.11 [D-SESS]:

* counts are additive and kept in hourly buckets (``session_counts``), in the
  hour the session *started*, as Relay does when it extracts session metrics,
  so a session's start and its end always land in one bucket;
* ``init: true`` marks the first update and counts the start; the server must
  not dedupe otherwise, but ``open_sessions`` remembers each sid, so a second
  ``init`` of the same sid (a retried envelope) counts nothing;
* ``exited``, ``crashed`` and ``abnormal`` are terminal: counted once, and the
  session takes no further updates;
* a session is *errored* once, the first time it has ``errors > 0`` or a
  status of errored, crashed or abnormal (a crash is an error too, so
  ``errored >= crashed`` and healthy = started − errored);
* updates whose timestamp is more than 5 days before receipt are dropped, as
  Relay drops them (``max_session_secs_in_past``).

A release is required: Relay rejects a session whose ``attrs.release`` is
missing or empty [D-SESS: "release … required"], and crash-free rates only
mean something per release, so such updates are dropped, not filed under "".

The digest calls ``add_*`` for every item of a batch of envelopes and
:meth:`SessionBatch.flush` once, inside the batch's transaction; reading
release health lives in :mod:`tocsin.issues.session_health` (re-exported here).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, bindparam, or_, select, tuple_

from tocsin.issues import releases
from tocsin.issues.sdktime import chunks, floor_to, parse_timestamp
from tocsin.issues.session_health import (
    get_release,
    health_series,
    list_releases,
    release_health,
)
from tocsin.store.schema import open_sessions, session_counts, session_users
from tocsin.store.upsert import insert_for

__all__ = ["SessionBatch", "get_release", "health_series", "list_releases",
           "prune_open_sessions", "release_health"]

HOUR = timedelta(hours=1)
DAY = timedelta(days=1)
MAX_AGE = timedelta(days=5)
"""Older session updates are dropped (Relay ``max_session_secs_in_past``)."""
TERMINAL = frozenset({"exited", "crashed", "abnormal"})
STATUSES = TERMINAL | {"ok", "errored"}
_COUNTS = ("started", "exited", "errored", "crashed", "abnormal")

Key = tuple[int, str, str]  # project, release, environment


@dataclass(frozen=True)
class _Update:
    project_id: int
    sid: str
    did: str | None
    init: bool
    started: datetime
    status: str
    errors: int
    release: str
    environment: str


@dataclass
class _State:
    errored: bool = False
    ended: bool = False


@dataclass
class SessionBatch:
    """Session data of one digest batch, written by one :meth:`flush`."""

    updates: list[_Update] = field(default_factory=list)
    counts: dict[tuple[Key, datetime], Counter[str]] = field(default_factory=dict)
    users: dict[tuple[Key, datetime, str], list[bool]] = field(default_factory=dict)
    dropped: Counter[str] = field(default_factory=Counter)
    """Why updates were refused (reason → count), for client outcomes."""

    def add_update(self, project_id: int, payload: dict[str, Any], *,
                   received: datetime) -> bool:
        """Queue one ``session`` item; False when it is invalid or too old."""
        attrs = _mapping(payload.get("attrs"))
        release = _text(attrs.get("release"), 250)
        sid = _text(payload.get("sid"), 64)
        status = payload.get("status", "ok")
        timestamp = parse_timestamp(payload.get("timestamp")) or received
        started = parse_timestamp(payload.get("started"))
        errors = payload.get("errors", 0)
        reason = None
        if not release:
            reason = "missing_release"
        elif not sid or started is None or status not in STATUSES or _count(errors) != errors:
            reason = "invalid"
        elif received - timestamp > MAX_AGE:
            reason = "too_old"
        if reason or started is None:
            self.dropped[reason or "invalid"] += 1
            return False
        self.updates.append(_Update(
            project_id, sid, _text(payload.get("did"), 200) or None,
            payload.get("init") is True, min(started, received), str(status), errors,
            release, _text(attrs.get("environment"), 64)))
        return True

    def add_aggregates(self, project_id: int, payload: dict[str, Any], *,
                       received: datetime | None = None) -> int:
        """Count one ``sessions`` item (pre-aggregated by the SDK); returns buckets taken.

        Each bucket's ``exited``/``errored``/``crashed``/``abnormal`` are disjoint
        final states of sessions that started in it, so their sum is the number
        started; errored sessions here are the ones that ended errored without
        crashing, and crashed and abnormal ones count as errored as well.
        """
        attrs = _mapping(payload.get("attrs"))
        release = _text(attrs.get("release"), 250)
        env = _text(attrs.get("environment"), 64)
        buckets = payload.get("aggregates")
        if not release or not isinstance(buckets, list):
            self.dropped["missing_release" if not release else "invalid"] += 1
            return 0
        taken = 0
        for bucket in buckets[:100]:  # ≤100 buckets per item (sentry-protocol §0)
            started = parse_timestamp(bucket.get("started")) if isinstance(bucket, dict) \
                else None
            if started is None or (received and received - started > MAX_AGE):
                self.dropped["invalid" if started is None else "too_old"] += 1
                continue
            n = {k: _count(bucket.get(k)) for k in ("exited", "errored", "crashed", "abnormal")}
            key: Key = (project_id, release, env)
            counts = self.counts.setdefault((key, floor_to(started, HOUR)), Counter())
            counts["started"] += sum(n.values())
            counts["exited"] += n["exited"]
            counts["errored"] += n["errored"] + n["crashed"] + n["abnormal"]
            counts["crashed"] += n["crashed"]
            counts["abnormal"] += n["abnormal"]
            did = _text(bucket.get("did"), 200)
            if did:
                self._user(key, started, did, n["errored"] + n["crashed"] + n["abnormal"] > 0,
                           n["crashed"] > 0)
            taken += 1
        return taken

    def flush(self, conn: Connection, *, now: datetime) -> list[tuple[int, dict[str, Any]]]:
        """Write the batch; returns ``(project_id, payload)`` of ``sessions.batch`` signals."""
        self._apply_updates(conn, now)
        counts = {k: c for k, c in self.counts.items() if any(c.values())}
        insert = insert_for(conn)
        rows = [{"project_id": p, "release": r, "environment": e, "bucket": b}
                | {name: c[name] for name in _COUNTS}
                for ((p, r, e), b), c in sorted(counts.items())]
        for part in chunks(rows):
            stmt = insert(session_counts).values(part)
            conn.execute(stmt.on_conflict_do_update(
                index_elements=["project_id", "release", "environment", "bucket"],
                set_={name: session_counts.c[name] + stmt.excluded[name]
                      for name in _COUNTS}))
        user_rows = [{"project_id": p, "release": r, "environment": e, "day": day,
                      "did": did, "errored": flags[0], "crashed": flags[1]}
                     for ((p, r, e), day, did), flags in sorted(self.users.items())]
        for part in chunks(user_rows):
            stmt = insert(session_users).values(part)
            conn.execute(stmt.on_conflict_do_update(
                index_elements=["project_id", "release", "environment", "day", "did"],
                set_={"errored": or_(session_users.c.errored, stmt.excluded.errored),
                      "crashed": or_(session_users.c.crashed, stmt.excluded.crashed)}))
        return self._signals(conn, counts, now)

    def _user(self, key: Key, started: datetime, did: str, errored: bool,
              crashed: bool) -> None:
        flags = self.users.setdefault((key, floor_to(started, DAY), did), [False, False])
        flags[0] = flags[0] or errored
        flags[1] = flags[1] or crashed

    def _apply_updates(self, conn: Connection, now: datetime) -> None:
        """Run the updates, in arrival order, against each session's stored state."""
        if not self.updates:
            return
        states = _lock_states(conn, {(u.project_id, u.sid) for u in self.updates}, now)
        changed: set[tuple[int, str]] = set()
        for u in self.updates:
            state = states[(u.project_id, u.sid)]
            if state.ended:  # terminal sessions take no further updates (§1.11)
                self.dropped["ended"] += 1
                continue
            key: Key = (u.project_id, u.release, u.environment)
            counts = self.counts.setdefault((key, floor_to(u.started, HOUR)), Counter())
            if u.init and (u.project_id, u.sid) in states.new:
                counts["started"] += 1
                states.new.discard((u.project_id, u.sid))
            errored = u.errors > 0 or u.status in ("errored", "crashed", "abnormal")
            if errored and not state.errored:
                state.errored = True
                counts["errored"] += 1
            if u.status in TERMINAL:
                state.ended = True
                counts[u.status] += 1
            changed.add((u.project_id, u.sid))
            if u.did:
                self._user(key, u.started, u.did, errored, u.status == "crashed")
        if changed:
            conn.execute(open_sessions.update().where(
                open_sessions.c.project_id == bindparam("p"),
                open_sessions.c.sid == bindparam("s"),
            ).values(errored=bindparam("e"), ended=bindparam("d"), updated_at=now), [
                {"p": p, "s": s, "e": states[(p, s)].errored, "d": states[(p, s)].ended}
                for p, s in sorted(changed)])
        self.updates.clear()

    def _signals(self, conn: Connection, counts: dict[tuple[Key, datetime], Counter[str]],
                 now: datetime) -> list[tuple[int, dict[str, Any]]]:
        totals: dict[Key, Counter[str]] = {}
        seen: dict[int, dict[str, datetime]] = {}
        for (key, bucket), c in counts.items():
            totals.setdefault(key, Counter()).update(c)
            last = seen.setdefault(key[0], {})
            last[key[1]] = max(last.get(key[1], bucket), bucket)
        for project_id, versions in sorted(seen.items()):
            envs = {e for (p, _, e) in totals if p == project_id}
            releases.touch(conn, project_id, versions.items(), envs, now=now)
        self.counts.clear()
        self.users.clear()
        return [(p, {"release": r, "environment": e} | {n: c[n] for n in _COUNTS})
                for (p, r, e), c in sorted(totals.items())]


class _States(dict[tuple[int, str], _State]):
    new: set[tuple[int, str]]


def _lock_states(conn: Connection, keys: set[tuple[int, str]], now: datetime) -> _States:
    """Each session's state, locked for this transaction (several workers may digest).

    Unknown sids are inserted first; RETURNING names the rows this statement
    created, so of two workers seeing one new session only one counts its
    start. Known rows are read ``FOR UPDATE`` (a no-op on SQLite, whose single
    writer already serialises batches).
    """
    states = _States()
    states.new = set()
    insert = insert_for(conn)
    ordered = sorted(keys)
    for part in chunks(ordered):
        stmt = insert(open_sessions).values([
            {"project_id": p, "sid": s, "errored": False, "ended": False, "updated_at": now}
            for p, s in part]).on_conflict_do_nothing().returning(
            open_sessions.c.project_id, open_sessions.c.sid)
        states.new.update((int(p), str(s)) for p, s in conn.execute(stmt))
    for key in states.new:
        states[key] = _State()
    known = [k for k in ordered if k not in states.new]
    c = open_sessions.c
    for part in chunks(known):
        for row in conn.execute(select(c.project_id, c.sid, c.errored, c.ended).where(
                tuple_(c.project_id, c.sid).in_(part)).order_by(c.project_id, c.sid)
                .with_for_update()):
            states[(row.project_id, row.sid)] = _State(bool(row.errored), bool(row.ended))
    return states


def prune_open_sessions(conn: Connection, *, before: datetime) -> int:
    """Forget sessions not updated since ``before``; returns how many."""
    result = conn.execute(open_sessions.delete().where(open_sessions.c.updated_at < before))
    return int(result.rowcount or 0)


def _mapping(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _text(value: Any, limit: int) -> str:
    return value.strip()[:limit] if isinstance(value, str) else ""


def _count(value: Any) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else 0
