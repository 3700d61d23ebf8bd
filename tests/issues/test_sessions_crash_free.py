"""Crash-free rates from session updates: init, errors, terminal states, duplicates."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from health_kit import make_project

from tocsin.accounts.projects import get_project
from tocsin.issues.sessions import SessionBatch, health_series, release_health
from tocsin.lib.clock import FakeClock
from tocsin.store.engine import Database

ATTRS = {"release": "shop@1.0", "environment": "production"}


def update(sid: str, status: str = "ok", *, init: bool = False, errors: int = 0,
           did: str | None = None, clock: FakeClock, **attrs: Any) -> dict[str, Any]:
    now = clock.now().isoformat()
    doc: dict[str, Any] = {"sid": sid, "init": init, "started": now, "timestamp": now,
                           "status": status, "errors": errors, "attrs": ATTRS | attrs}
    if did:
        doc["did"] = did
    return doc


def project(db: Database, clock: FakeClock) -> int:
    with db.read() as conn:
        found = get_project(conn, "shop")
    return found.id if found else make_project(db, clock)


def digest(db: Database, clock: FakeClock, *docs: dict[str, Any]) -> list[Any]:
    batch = SessionBatch()
    for doc in docs:
        batch.add_update(project(db, clock), doc, received=clock.now())
    with db.write() as conn:
        return batch.flush(conn, now=clock.now())


def test_it_computes_crash_free_sessions_and_users(db: Database, clock: FakeClock) -> None:
    digest(db, clock,
           update("a", init=True, did="u1", clock=clock),
           update("b", init=True, did="u2", clock=clock),
           update("c", init=True, did="u3", clock=clock),
           update("d", "exited", init=True, did="u3", clock=clock))
    signals = digest(db, clock,
                     update("a", "exited", did="u1", clock=clock),
                     update("b", "ok", errors=2, did="u2", clock=clock),
                     update("b", "crashed", errors=3, did="u2", clock=clock),
                     update("c", "abnormal", did="u3", clock=clock))
    assert signals == [(1, {"release": "shop@1.0", "environment": "production",
                            "started": 0, "exited": 1, "errored": 2, "crashed": 1,
                            "abnormal": 1})]
    with db.read() as conn:
        [health] = release_health(conn, 1, since=clock.now() - timedelta(days=1))
    assert (health["sessions"], health["exited"], health["crashed"]) == (4, 2, 1)
    # b errored (then crashed: still one errored session), c ended abnormal
    assert (health["errored"], health["abnormal"]) == (2, 1)
    assert health["crash_free_sessions"] == 75.0
    assert (health["users"], health["crashed_users"]) == (3, 1)
    assert health["crash_free_users"] == round(100 * 2 / 3, 4)


def test_duplicates_and_updates_after_the_end_count_nothing(
    db: Database, clock: FakeClock
) -> None:
    start = update("a", init=True, clock=clock)
    crash = update("a", "crashed", errors=1, clock=clock)
    digest(db, clock, start, start)
    digest(db, clock, start, crash, crash)
    digest(db, clock, update("a", "exited", clock=clock), update("a", "ok", errors=5,
                                                                  clock=clock))
    with db.read() as conn:
        [health] = release_health(conn, 1, since=clock.now() - timedelta(hours=1))
    assert (health["sessions"], health["crashed"], health["errored"]) == (1, 1, 1)
    assert health["exited"] == 0 and health["crash_free_sessions"] == 0.0


def test_errors_count_one_errored_session_across_updates(
    db: Database, clock: FakeClock
) -> None:
    digest(db, clock, update("a", init=True, errors=1, clock=clock))
    digest(db, clock, update("a", errors=2, clock=clock), update("a", "errored", clock=clock))
    digest(db, clock, update("a", "exited", errors=4, clock=clock))
    with db.read() as conn:
        [health] = release_health(conn, 1, since=clock.now() - timedelta(hours=1))
    assert (health["sessions"], health["errored"], health["exited"]) == (1, 1, 1)
    assert health["crash_free_sessions"] == 100.0


def test_it_drops_sessions_without_a_release_and_old_updates(
    db: Database, clock: FakeClock
) -> None:
    batch = SessionBatch()
    old = update("old", init=True, clock=clock)
    old["timestamp"] = (clock.now() - timedelta(days=5, seconds=1)).isoformat()
    assert not batch.add_update(1, old, received=clock.now())
    assert not batch.add_update(1, update("x", init=True, clock=clock, release=""),
                                received=clock.now())
    assert not batch.add_update(1, update("y", "sleeping", clock=clock),
                                received=clock.now())
    assert batch.dropped == {"too_old": 1, "missing_release": 1, "invalid": 1}
    with db.write() as conn:
        assert batch.flush(conn, now=clock.now()) == []
    with db.read() as conn:
        assert release_health(conn, 1, since=clock.now() - timedelta(days=9)) == []


def test_it_reports_health_per_hour_and_environment(db: Database, clock: FakeClock) -> None:
    first = clock.now()
    digest(db, clock, update("a", "crashed", init=True, clock=clock))
    clock.advance(2 * 3600)
    digest(db, clock, update("b", "exited", init=True, clock=clock),
           update("c", "exited", init=True, clock=clock, environment="staging"))
    with db.read() as conn:
        points = health_series(conn, 1, "shop@1.0", first, first + timedelta(hours=3))
        staging = release_health(conn, 1, since=first, environment="staging")
    assert [(p["started"], p["crashed"], p["crash_free_sessions"]) for p in points] == [
        (1, 1, 0.0), (0, 0, None), (2, 0, 100.0)]
    assert points[0]["at"] == first
    assert [(h["sessions"], h["crash_free_sessions"]) for h in staging] == [(1, 100.0)]
