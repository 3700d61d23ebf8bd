"""Events in, issues out: the digest of one batch of error events.

The worker hands over every ``event`` item of a batch of spooled envelopes;
:meth:`EventBatch.flush` normalises, scrubs and groups them, then writes in a
bounded number of statements however many events there are: events are
inserted together, and each issue touched gets one counter update, one upsert
of its hourly count and one of its tag counts — so twenty issues cost about
the same whether the batch holds 50 events or 5,000.

Order of a flush: skip event ids already stored (a replayed envelope stores
nothing twice), find each event's issue by its grouping hashes, create issues
for new groups, store events, add counts, let the state machine judge
regressions and ignores, and append the signals alerting reads:
``issue.new``, ``issue.regression``, ``issue.unignored`` and ``event.batch``
— events summarised per issue and filter fields (level, environment, release,
handled, transaction, url, status code), so "more than 10 errors in 5
minutes" is a sum over signals, never a scan of events.
"""

from __future__ import annotations

import logging
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import Connection, bindparam, func, select, update

from tocsin.issues import eventdata, grouping_rules, releases, titles
from tocsin.issues.grouping import GROUPING_CONFIG, Grouping, group
from tocsin.issues.normalise import InvalidEvent, normalise
from tocsin.issues.scrub import scrub
from tocsin.issues.state import IssueStates
from tocsin.issues.symbolicate import Symbolicator, is_javascript
from tocsin.store import signals
from tocsin.store.bulk import Bulk, json_value, time_value
from tocsin.store.schema import (
    events,
    issue_hashes,
    issue_hourly,
    issue_tags,
    issue_users,
    issues,
    projects,
)
from tocsin.store.upsert import insert_for

log = logging.getLogger(__name__)


@dataclass
class _Raw:
    project_id: int
    payload: Any
    received: datetime
    sent_at: datetime | None
    event_id: str | None


@dataclass
class _Event:
    project_id: int
    data: dict[str, Any]
    grouping: Grouping
    at: datetime
    title: str
    user_key: str | None
    packed: bytes
    tags: list[tuple[str, str]]  # as counted: keys and values cut to the columns
    issue_id: int = 0


@dataclass
class Digested:
    """What one flush did, for the worker's counters and tests."""

    stored: int = 0
    duplicates: int = 0
    invalid: int = 0
    new_issues: list[int] = field(default_factory=list)
    transitions: dict[int, str] = field(default_factory=dict)
    accepted: Counter[int] = field(default_factory=Counter)  # per project


def _hour(ts: datetime) -> datetime:
    return ts.replace(minute=0, second=0, microsecond=0)


def _tags(data: dict[str, Any]) -> list[tuple[str, str]]:
    return [(str(k)[:32], str(v)[:200]) for k, v in data.get("tags") or []]


def _tag(data: dict[str, Any], key: str) -> str | None:
    for k, v in data.get("tags") or []:
        if k == key:
            return str(v)
    return None


def _status_code(data: dict[str, Any]) -> int | None:
    response = (data.get("contexts") or {}).get("response")
    code = response.get("status_code") if isinstance(response, dict) else None
    if code is None:
        code = _tag(data, "http.status_code")
    try:
        return int(code) if code is not None else None
    except (TypeError, ValueError):
        return None


def _issues_of(conn: Connection, project_id: int, hashes: list[str]) -> dict[str, int]:
    if not hashes:
        return {}
    return dict(conn.execute(
        select(issue_hashes.c.hash, issue_hashes.c.issue_id)
        .where(issue_hashes.c.project_id == project_id, issue_hashes.c.hash.in_(hashes))
    ).all())


def _match(evs: list[_Event], found: dict[str, int]) -> dict[int, _Event]:
    """Give each event the issue of its first known hash. Events of a new group
    get a placeholder (negative) id; the first event of each is returned by it."""
    firsts: dict[int, _Event] = {}
    for ev in evs:
        hit = next((found[h] for h in ev.grouping.hashes if h in found), None)
        if hit is None:
            hit = -(len(firsts) + 1)
            firsts[hit] = ev
        for h in ev.grouping.hashes:
            found.setdefault(h, hit)
        ev.issue_id = hit
    return firsts


class EventBatch:
    def __init__(self, *, salt: bytes = b"") -> None:
        self._raw: list[_Raw] = []
        self._prepared: list[_Event] | None = None
        self._result = Digested()
        self._salt = salt

    def __len__(self) -> int:
        return len(self._raw)

    def add(self, project_id: int, payload: Any, *, received: datetime,
            sent_at: datetime | None = None, event_id: str | None = None) -> None:
        self._raw.append(_Raw(project_id, payload, received, sent_at, event_id))

    def prepare(self, conn: Connection) -> None:
        """The CPU-bound part (normalise, scrub, group, compress), needing only reads.

        Call it outside the write transaction so the write lock — which on
        SQLite every ingest request also waits for — is held only for writing.
        """
        self._prepared = self._prepare(conn, self._result)
        self._raw = []

    def flush(self, conn: Connection, *, now: datetime) -> Digested:
        if self._prepared is None:
            self.prepare(conn)
        assert self._prepared is not None
        prepared, result = self._prepared, self._result
        self._prepared, self._result = None, Digested()
        if not prepared:
            return result
        prepared = self._drop_duplicates(conn, prepared, result)
        if not prepared:
            return result
        by_project: dict[int, list[_Event]] = defaultdict(list)
        for ev in prepared:
            by_project[ev.project_id].append(ev)
        for project_id, evs in sorted(by_project.items()):
            self._assign_issues(conn, project_id, evs, result, now=now)
        self._store_events(conn, prepared)
        touched = self._count(conn, prepared)
        self._judge(conn, touched, prepared, result, now=now)
        self._releases(conn, by_project, now=now)
        self._signals(conn, prepared, result, now=now)
        result.stored = len(prepared)
        result.accepted.update(ev.project_id for ev in prepared)
        return result

    # -- preparing ---------------------------------------------------------------

    def _prepare(self, conn: Connection, result: Digested) -> list[_Event]:
        ids = sorted({r.project_id for r in self._raw})
        hashing: dict[int, bool] = {}
        rules: dict[int, grouping_rules.ProjectRules] = {}
        for pid, hash_users, fingerprint_rules, stack_trace_rules in conn.execute(
                select(projects.c.id, projects.c.hash_users, projects.c.fingerprint_rules,
                       projects.c.stack_trace_rules).where(projects.c.id.in_(ids))):
            hashing[pid] = hash_users
            rules[pid] = grouping_rules.compiled(fingerprint_rules, stack_trace_rules)
        staged: list[tuple[_Raw, dict[str, Any]]] = []
        seen: set[tuple[int, str]] = set()
        for raw in self._raw:
            if raw.project_id not in hashing:  # project deleted since the envelope came
                result.invalid += 1
                continue
            try:
                data = normalise(raw.payload, received=raw.received, sent_at=raw.sent_at,
                                 event_id=raw.event_id)
            except InvalidEvent:
                result.invalid += 1
                continue
            if (raw.project_id, data["event_id"]) in seen:
                result.duplicates += 1
                continue
            seen.add((raw.project_id, data["event_id"]))
            staged.append((raw, data))
        symbolicator = _symbolicator(conn, staged)
        out: list[_Event] = []
        for raw, data in staged:
            if symbolicator is not None:
                _symbolicate(symbolicator, raw.project_id, data)
            scrub(data, hash_users=bool(hashing[raw.project_id]), salt=self._salt)
            applied = grouping_rules.apply(rules[raw.project_id], data)
            grouping = group(data)
            if applied is not None:  # a copy: group() shares its results between events
                grouping = Grouping(grouping.hashes, grouping.variant,
                                    {**grouping.why, **applied.explain()})
            # the explanation is kept once, on the issue; events keep their hashes
            data["grouping"] = {"config": GROUPING_CONFIG, "hashes": grouping.hashes,
                                "variant": grouping.variant}
            at = datetime.fromtimestamp(data["timestamp"], UTC)
            title = (applied and applied.title) or titles.title(data)
            out.append(_Event(raw.project_id, data, grouping, at, title[:255],
                              titles.user_key(data), eventdata.pack(data), _tags(data)))
        return out

    def _drop_duplicates(self, conn: Connection, evs: list[_Event], result: Digested
                         ) -> list[_Event]:
        known: set[tuple[int, str]] = set()
        for project_id in {ev.project_id for ev in evs}:
            wanted = [ev.data["event_id"] for ev in evs if ev.project_id == project_id]
            known.update((project_id, e) for e in conn.execute(
                select(events.c.event_id).where(events.c.project_id == project_id,
                                                events.c.event_id.in_(wanted))).scalars())
        kept = [ev for ev in evs if (ev.project_id, ev.data["event_id"]) not in known]
        result.duplicates += len(evs) - len(kept)
        return kept

    # -- issues ------------------------------------------------------------------

    def _assign_issues(self, conn: Connection, project_id: int, evs: list[_Event],
                       result: Digested, *, now: datetime) -> None:
        wanted = sorted({h for ev in evs for h in ev.grouping.hashes})
        found = _issues_of(conn, project_id, wanted)
        known = set(found)
        firsts = _match(evs, dict(found))
        if firsts:
            # A new group: lock the project row, then look again. Another
            # digest (a second lane or worker, PostgreSQL) may have created
            # the issue meanwhile; it committed before we got the lock, and a
            # new statement sees its hashes, so a group is created only once.
            conn.execute(select(projects.c.id).where(projects.c.id == project_id)
                         .with_for_update())
            found.update(_issues_of(conn, project_id, [h for h in wanted if h not in known]))
            known = set(found)
            firsts = _match(evs, dict(found))
        if firsts:
            new_ids = self._create_issues(conn, project_id, list(firsts.values()), now=now)
            real = dict(zip(firsts, new_ids, strict=True))
            result.new_issues.extend(new_ids)
            for ev in evs:
                ev.issue_id = real.get(ev.issue_id, ev.issue_id)
        # a hash an issue did not have yet (say the app variant appeared) joins it
        new_hashes = {h: ev.issue_id for ev in evs for h in ev.grouping.hashes if h not in known}
        if new_hashes:
            rows = [{"project_id": project_id, "hash": h, "issue_id": i}
                    for h, i in sorted(new_hashes.items())]
            conn.execute(_upserts(conn.dialect.name).hashes, rows)

    def _create_issues(self, conn: Connection, project_id: int, firsts: list[_Event], *,
                       now: datetime) -> list[int]:
        top = conn.execute(
            update(projects).where(projects.c.id == project_id)
            .values(next_short_id=projects.c.next_short_id + len(firsts))
            .returning(projects.c.next_short_id)).scalar_one()
        ids = []
        for n, ev in enumerate(firsts):
            data = ev.data
            release = data.get("release")
            ids.append(conn.execute(issues.insert().values(
                project_id=project_id, short_id=top - len(firsts) + n,
                title=ev.title, culprit=titles.culprit(data)[:255],
                type=data.get("type") or "default", level=data.get("level") or "error",
                platform=(data.get("platform") or "")[:32] or None,
                status="unresolved", substatus="new", first_seen=ev.at, last_seen=ev.at,
                times_seen=0, users_seen=0, first_release=release, last_release=release,
                grouping={**data["grouping"], "why": ev.grouping.why},
                metadata=titles.metadata(data),
                search_text=titles.search_text(data),
            ).returning(issues.c.id)).scalar_one())
            if release:
                releases.touch(conn, project_id, [(release, ev.at)], now=now)
                releases.count_new_issue(conn, project_id, release)
        return ids

    # -- storing and counting -----------------------------------------------------

    def _store_events(self, conn: Connection, evs: list[_Event]) -> None:
        when = time_value(conn.dialect.name)
        rows = []
        for ev in evs:
            data = ev.data
            rows.append((
                ev.project_id, data["event_id"], ev.issue_id, data.get("type") or "default",
                when(datetime.fromtimestamp(data["received"], UTC)), when(ev.at),
                data.get("level") or "error", (data.get("environment") or "")[:64] or None,
                (data.get("release") or "")[:250] or None,
                (data.get("transaction") or "")[:200] or None, ev.title, ev.user_key,
                _trace_id(data), json_value(data.get("tags") or []), ev.packed))
        _upserts(conn.dialect.name).events.run(conn, rows)

    def _count(self, conn: Connection, evs: list[_Event]) -> dict[int, list[_Event]]:
        touched: dict[int, list[_Event]] = defaultdict(list)
        for ev in evs:
            touched[ev.issue_id].append(ev)
        upserts = _upserts(conn.dialect.name)
        new_users: dict[int, int] = {}
        # rows are always locked in issue id order, so two digests running at
        # once (PostgreSQL) wait for each other instead of deadlocking
        for issue_id, group_evs in sorted(touched.items()):
            keys = sorted({ev.user_key[:200] for ev in group_evs if ev.user_key})
            if keys:  # rows actually inserted are the users this issue had not seen
                new_users[issue_id] = len(conn.execute(
                    upserts.users, [{"issue_id": issue_id, "user_key": k} for k in keys]
                ).all())
        hourly: Counter[tuple[int, datetime]] = Counter(
            (ev.issue_id, _hour(ev.at)) for ev in evs)
        when = time_value(conn.dialect.name)
        upserts.hourly.run(conn, [(i, when(b), n) for (i, b), n in sorted(hourly.items())])
        self._count_tags(conn, evs, upserts)
        updates = []
        for issue_id, group_evs in sorted(touched.items()):
            last = max(group_evs, key=lambda ev: ev.at)
            updates.append({
                "iid": issue_id, "n": len(group_evs), "u": new_users.get(issue_id, 0),
                "at": last.at, "eid": last.data["event_id"],
                "rel": last.data.get("release") or None,
            })
        conn.execute(upserts.issue_counts, updates)
        return touched

    def _count_tags(self, conn: Connection, evs: list[_Event], upserts: _Upserts) -> None:
        seen: dict[tuple[int, str, str], list[Any]] = {}  # [count, first, last]
        for ev in evs:
            at, issue_id = ev.at, ev.issue_id
            for k, v in ev.tags:
                row = seen.get((issue_id, k, v))
                if row is None:
                    seen[(issue_id, k, v)] = [1, at, at]
                    continue
                row[0] += 1
                if at < row[1]:
                    row[1] = at
                elif at > row[2]:
                    row[2] = at
        when = time_value(conn.dialect.name)
        upserts.tags.run(conn, [(i, k, v, n, when(first), when(last))
                                for (i, k, v), (n, first, last) in sorted(seen.items())])

    def _judge(self, conn: Connection, touched: dict[int, list[_Event]], evs: list[_Event],
               result: Digested, *, now: datetime) -> None:
        fresh = set(result.new_issues)
        old = [i for i in touched if i not in fresh]
        if not old:
            return
        states = IssueStates(conn, now=now)
        rows = conn.execute(select(issues).where(issues.c.id.in_(old))).mappings().all()
        for row in rows:
            if row["status"] == "unresolved":
                continue
            versions = sorted({ev.data["release"] for ev in touched[row["id"]]
                               if ev.data.get("release")})
            change = states.on_events(dict(row), releases=versions)
            if change:
                result.transitions[row["id"]] = change

    def _releases(self, conn: Connection, by_project: dict[int, list[_Event]], *,
                  now: datetime) -> None:
        for project_id, evs in by_project.items():
            releases.touch(conn, project_id,
                           [(ev.data["release"], ev.at) for ev in evs if ev.data.get("release")],
                           [ev.data.get("environment") or "" for ev in evs], now=now)

    # -- signals -----------------------------------------------------------------

    def _signals(self, conn: Connection, evs: list[_Event], result: Digested, *,
                 now: datetime) -> None:
        heads = {ev.issue_id: ev for ev in reversed(evs)}
        for issue_id in result.new_issues:
            ev = heads[issue_id]
            signals.append(conn, "issue.new", f"issue:{issue_id}",
                           _issue_payload(issue_id, ev), now=now, project_id=ev.project_id)
        for issue_id, change in result.transitions.items():
            ev = heads[issue_id]
            signals.append(conn, f"issue.{change}", f"issue:{issue_id}",
                           _issue_payload(issue_id, ev), now=now, project_id=ev.project_id)
        summaries: dict[tuple[Any, ...], dict[str, Any]] = {}
        for ev in evs:
            fields = _filter_fields(ev)
            key = (ev.project_id, ev.issue_id, *fields.values())
            summary = summaries.get(key)
            at = ev.at.isoformat()
            if summary is None:
                summary = summaries[key] = {
                    "issue_id": ev.issue_id, "count": 0, "users": [], **fields,
                    "tags": {}, "first_at": at, "last_at": at,
                    "new_issue": ev.issue_id in result.new_issues,
                }
            summary["count"] += 1
            if ev.user_key and ev.user_key not in summary["users"]:
                summary["users"].append(ev.user_key)
            tags = summary["tags"]
            for k, v in ev.tags:
                values = tags.setdefault(k, {})
                values[v] = values.get(v, 0) + 1
            summary["first_at"] = min(summary["first_at"], at)
            summary["last_at"] = max(summary["last_at"], at)
        signals.append_many(conn, [
            ("event.batch", f"issue:{summary['issue_id']}", summary, key[0])
            for key, summary in summaries.items()], now=now)


def _symbolicator(conn: Connection, staged: list[tuple[_Raw, dict[str, Any]]]
                  ) -> Symbolicator | None:
    """The source maps the batch's JavaScript events need, loaded in one go (or None)."""
    batch = [(raw.project_id, data) for raw, data in staged if is_javascript(data)]
    if not batch:
        return None
    symbolicator = Symbolicator()
    try:
        symbolicator.load_for(conn, batch)
    except Exception:  # a map must never cost the events: they go in unmapped
        log.exception("source maps for this batch could not be loaded")
    return symbolicator


def _symbolicate(symbolicator: Symbolicator, project_id: int, data: dict[str, Any]) -> None:
    try:
        symbolicator.apply(project_id, data)
    except Exception:
        log.exception("event %s: its frames could not be symbolicated", data.get("event_id"))


def _issue_payload(issue_id: int, ev: _Event) -> dict[str, Any]:
    return {"issue_id": issue_id, "title": ev.title, "culprit": titles.culprit(ev.data),
            "event_id": ev.data["event_id"], **_filter_fields(ev)}


def _filter_fields(ev: _Event) -> dict[str, Any]:
    data = ev.data
    request = data.get("request") if isinstance(data.get("request"), dict) else {}
    return {
        "level": data.get("level"), "environment": data.get("environment"),
        "release": data.get("release"), "handled": _tag(data, "handled"),
        "transaction": data.get("transaction"), "url": (request or {}).get("url"),
        "status_code": _status_code(data), "type": data.get("type"),
    }


def _trace_id(data: dict[str, Any]) -> str | None:
    trace = (data.get("contexts") or {}).get("trace")
    value = trace.get("trace_id") if isinstance(trace, dict) else None
    return value[:32] if isinstance(value, str) else None


@dataclass(frozen=True)
class _Upserts:
    """The counting statements, each run once per batch as an executemany."""

    hashes: Any
    users: Any
    hourly: Bulk
    tags: Bulk
    issue_counts: Any
    events: Bulk


@lru_cache(maxsize=4)
def _upserts(dialect: str) -> _Upserts:
    # Built once per dialect and run with a list of parameter sets: SQLAlchemy
    # compiles each once, where a multi-row VALUES of a different length every
    # batch was compiled anew (a fifth of the digest's time).
    insert = insert_for(dialect)
    greatest = func.greatest if dialect == "postgresql" else func.max
    hourly = insert(issue_hourly)
    tags = insert(issue_tags)
    seen = issues.c.last_seen
    return _Upserts(
        hashes=insert(issue_hashes).on_conflict_do_nothing(),
        users=insert(issue_users).on_conflict_do_nothing().returning(issue_users.c.user_key),
        hourly=Bulk(hourly.on_conflict_do_update(
            index_elements=["issue_id", "bucket"],
            set_={"count": issue_hourly.c.count + hourly.excluded.count}),
            ("issue_id", "bucket", "count")),
        tags=Bulk(tags.on_conflict_do_update(
            index_elements=["issue_id", "key", "value"],
            set_={"count": issue_tags.c.count + tags.excluded.count,
                  "last_seen": greatest(issue_tags.c.last_seen, tags.excluded.last_seen)}),
            ("issue_id", "key", "value", "count", "first_seen", "last_seen")),
        issue_counts=update(issues).where(issues.c.id == bindparam("iid")).values(
            times_seen=issues.c.times_seen + bindparam("n"),
            users_seen=issues.c.users_seen + bindparam("u"),
            last_seen=greatest(seen, bindparam("at", type_=seen.type)),
            last_event_id=bindparam("eid"),
            last_release=func.coalesce(bindparam("rel"), issues.c.last_release)),
        events=Bulk(events.insert(), _EVENT_COLUMNS),
    )


_EVENT_COLUMNS = ("project_id", "event_id", "issue_id", "type", "received_at", "timestamp",
                  "level", "environment", "release", "transaction", "title", "user_key",
                  "trace_id", "tags", "data")


def digest_events(conn: Connection, items: Sequence[tuple[int, Any, datetime]], *,
                  now: datetime, salt: bytes = b"") -> Digested:
    """Digest (project id, payload, received) triples in one go: for tests and tools."""
    batch = EventBatch(salt=salt)
    for project_id, payload, received in items:
        batch.add(project_id, payload, received=received)
    return batch.flush(conn, now=now)
