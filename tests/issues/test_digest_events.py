"""The digest of error events: issues made and counted, in a bounded number of writes."""

from __future__ import annotations

import copy
import uuid
from typing import Any

from event_kit import sample
from sqlalchemy import select

from tocsin.accounts import projects
from tocsin.issues import eventdata
from tocsin.issues.digest import EventBatch, digest_events
from tocsin.issues.state import IssueStates
from tocsin.lib.clock import FakeClock
from tocsin.store import signals
from tocsin.store.engine import Database
from tocsin.store.schema import events, issue_hourly, issue_tags, issues, releases


def _event(name: str, **changes: Any) -> dict[str, Any]:
    payload = copy.deepcopy(sample(name))
    payload["event_id"] = uuid.uuid4().hex
    payload.update(changes)
    return payload


def _project(db: Database, clock: FakeClock) -> int:
    with db.write() as conn:
        return projects.ensure_project(conn, "shop", "Shop", now=clock.now()).id


def _issues(db: Database) -> list[dict[str, Any]]:
    with db.read() as conn:
        return [dict(r) for r in conn.execute(select(issues).order_by(issues.c.id)).mappings()]


def _signals(db: Database) -> list[tuple[str, dict[str, Any]]]:
    with db.read() as conn:
        return [(r.kind, r.payload) for r in conn.execute(
            select(signals.signals).order_by(signals.signals.c.id))]


def test_events_of_one_error_make_one_issue_with_counts_users_and_tags(
        db: Database, clock: FakeClock) -> None:
    pid = _project(db, clock)
    batch = [(pid, _event("python_chained_exception", user={"id": str(n % 3)}), clock.now())
             for n in range(12)]
    with db.write() as conn:
        done = digest_events(conn, batch, now=clock.now())
    assert (done.stored, len(done.new_issues)) == (12, 1)
    [issue] = _issues(db)
    assert issue["times_seen"] == 12 and issue["users_seen"] == 3
    assert issue["short_id"] == 1 and issue["status"] == "unresolved"
    assert issue["title"].startswith("ConfigError: cannot read")
    assert issue["grouping"]["hashes"]
    with db.read() as conn:
        hourly = conn.execute(select(issue_hourly.c.count)).scalars().all()
        levels = conn.execute(select(issue_tags.c.value, issue_tags.c.count)
                              .where(issue_tags.c.key == "level")).all()
        stored = conn.execute(select(events.c.data).limit(1)).scalar_one()
    assert sum(hourly) == 12
    assert [tuple(r) for r in levels] == [("error", 12)]
    assert eventdata.unpack(stored)["exception"]["values"]


def test_a_replayed_event_is_stored_once(db: Database, clock: FakeClock) -> None:
    pid = _project(db, clock)
    payload = _event("node_exception")
    with db.write() as conn:
        digest_events(conn, [(pid, payload, clock.now())], now=clock.now())
    with db.write() as conn:
        again = digest_events(conn, [(pid, payload, clock.now()), (pid, payload, clock.now())],
                              now=clock.now())
    assert (again.stored, again.duplicates) == (0, 2)
    assert _issues(db)[0]["times_seen"] == 1


def test_different_errors_make_different_issues_and_signals(
        db: Database, clock: FakeClock) -> None:
    pid = _project(db, clock)
    batch = [(pid, _event(name), clock.now()) for name in (
        "python_chained_exception", "node_exception", "python_logentry_message",
        "node_capture_message_synthetic", "node_exception")]
    with db.write() as conn:
        done = digest_events(conn, batch, now=clock.now())
    assert len(done.new_issues) == 4
    assert sorted(i["short_id"] for i in _issues(db)) == [1, 2, 3, 4]
    kinds = [k for k, _ in _signals(db)]
    assert kinds.count("issue.new") == 4
    summaries = [p for k, p in _signals(db) if k == "event.batch"]
    assert sum(p["count"] for p in summaries) == 5
    node = next(p for p in summaries if p["count"] == 2)
    assert {"level", "environment", "release", "handled", "transaction", "url"} <= set(node)


def test_a_resolved_issue_regresses_on_a_new_event_and_signals_it(
        db: Database, clock: FakeClock) -> None:
    pid = _project(db, clock)
    with db.write() as conn:
        digest_events(conn, [(pid, _event("node_exception"), clock.now())], now=clock.now())
    [issue] = _issues(db)
    with db.write() as conn:
        IssueStates(conn, now=clock.now()).resolve(issue["id"])
    clock.advance(3600)
    with db.write() as conn:
        done = digest_events(conn, [(pid, _event("node_exception"), clock.now())],
                             now=clock.now())
    assert done.transitions == {issue["id"]: "regression"}
    assert _issues(db)[0]["status"] == "unresolved"
    assert [k for k, _ in _signals(db)].count("issue.regression") == 1


def test_releases_and_first_issues_per_release_are_recorded(
        db: Database, clock: FakeClock) -> None:
    pid = _project(db, clock)
    with db.write() as conn:
        digest_events(conn, [(pid, _event("node_exception", release="web@2.0.0"), clock.now()),
                             (pid, _event("python_chained_exception", release="web@2.0.0"),
                              clock.now())], now=clock.now())
    with db.read() as conn:
        rows = conn.execute(select(releases.c.version, releases.c.new_issues)).all()
    assert [tuple(r) for r in rows] == [("web@2.0.0", 2)]


def test_an_invalid_payload_is_counted_and_the_rest_stored(
        db: Database, clock: FakeClock) -> None:
    pid = _project(db, clock)
    batch = EventBatch()
    batch.add(pid, ["not", "an", "event"], received=clock.now())
    batch.add(pid, _event("node_exception"), received=clock.now())
    with db.read() as conn:
        batch.prepare(conn)
    with db.write() as conn:
        done = batch.flush(conn, now=clock.now())
    assert (done.stored, done.invalid) == (1, 1)
