"""``sessions`` items (pre-aggregated buckets), real SDK shapes, and pruning open sessions."""

from __future__ import annotations

from datetime import timedelta

from health_kit import make_project
from sqlalchemy import func, select

from tocsin.issues.sessions import SessionBatch, prune_open_sessions, release_health
from tocsin.lib.clock import FakeClock
from tocsin.store.engine import Database
from tocsin.store.schema import open_sessions, releases


def test_it_adds_aggregates_to_updates_of_the_same_hour(db: Database, clock: FakeClock) -> None:
    pid = make_project(db, clock)
    batch = SessionBatch()
    # what sentry-python sends in server mode (tests/samples python session-3)
    batch.add_aggregates(pid, {
        "attrs": {"environment": "production", "release": "shop@2.0"},
        "aggregates": [{"started": "2026-03-02T12:00:00.000000Z", "errored": 1, "exited": 2},
                       {"started": "2026-03-02T12:01:00Z", "did": "u9", "crashed": 1,
                        "abnormal": 1, "exited": 4}]}, received=clock.now())
    # Node's single update that starts and ends at once (samples node session-1)
    batch.add_update(pid, {"sid": "949a72e0646c4d8db0df35dc91776121", "init": True,
                           "started": "2026-03-02T12:00:20.637Z",
                           "timestamp": "2026-03-02T12:00:20.654Z", "status": "exited",
                           "errors": 0, "duration": 0.016,
                           "attrs": {"release": "shop@2.0", "environment": "production"}},
                     received=clock.now())
    with db.write() as conn:
        [(project_id, signal)] = batch.flush(conn, now=clock.now())
        version = conn.execute(select(releases.c.version)).scalar_one()
    assert project_id == pid and version == "shop@2.0"
    assert signal == {"release": "shop@2.0", "environment": "production", "started": 10,
                      "exited": 7, "errored": 3, "crashed": 1, "abnormal": 1}
    with db.read() as conn:
        [health] = release_health(conn, pid, since=clock.now() - timedelta(hours=1))
    assert health["crash_free_sessions"] == 90.0
    assert (health["users"], health["crashed_users"], health["crash_free_users"]) == (1, 1, 0.0)


def test_aggregates_without_a_release_are_dropped(db: Database, clock: FakeClock) -> None:
    batch = SessionBatch()
    assert batch.add_aggregates(1, {"attrs": {}, "aggregates": [
        {"started": "2026-03-02T12:00:00Z", "exited": 5}]}) == 0
    assert batch.dropped == {"missing_release": 1}


def test_pruned_sessions_are_forgotten(db: Database, clock: FakeClock) -> None:
    pid = make_project(db, clock)
    batch = SessionBatch()
    for sid in ("a", "b"):
        batch.add_update(pid, {"sid": sid, "init": True, "started": clock.now().isoformat(),
                               "status": "ok", "attrs": {"release": "1"}},
                         received=clock.now())
    with db.write() as conn:
        batch.flush(conn, now=clock.now())
    clock.advance(3600)
    with db.write() as conn:
        assert prune_open_sessions(conn, before=clock.now() - timedelta(minutes=30)) == 2
        assert conn.execute(select(func.count()).select_from(open_sessions)).scalar() == 0
