"""The reads the issue pages add: an event's neighbours in its issue, and the
hourly counts of a page of issues in one query."""

from __future__ import annotations

from datetime import timedelta

import issue_kit as kit
from tocsin.issues import queries
from tocsin.lib.clock import FakeClock
from tocsin.store.engine import Database


def test_an_events_neighbours_are_the_next_older_and_newer_of_its_issue(
        db: Database, clock: FakeClock) -> None:
    now = clock.now()
    with db.write() as conn:
        pid = kit.project(conn, "shop", now)
        first, other = kit.issue(conn, pid, now), kit.issue(conn, pid, now)
        for n in range(3):
            kit.events_for(conn, first, now + timedelta(seconds=n))
            kit.events_for(conn, other, now + timedelta(seconds=n))  # interleaved rows
    with db.read() as conn:
        oldest, middle, newest = queries.issue_events(conn, first)[::-1]
        assert queries.neighbours(conn, first, middle["id"]) == (
            oldest["event_id"], newest["event_id"])
        assert queries.neighbours(conn, first, oldest["id"]) == (None, middle["event_id"])
        assert queries.neighbours(conn, first, newest["id"]) == (middle["event_id"], None)


def test_hourly_counts_of_several_issues_match_one_by_one(
        db: Database, clock: FakeClock) -> None:
    now = clock.now()
    with db.write() as conn:
        pid = kit.project(conn, "shop", now)
        ids = [kit.issue(conn, pid, now) for _ in range(3)]
        kit.events_for(conn, ids[0], now - timedelta(hours=2), 4)
        kit.events_for(conn, ids[0], now, 1)
        kit.events_for(conn, ids[1], now - timedelta(hours=30), 9)  # before the window
        kit.events_for(conn, ids[1], now - timedelta(hours=23), 2)
    since, until = now - timedelta(hours=23), now + timedelta(minutes=1)
    with db.read() as conn:
        together = queries.hourly_counts_of(conn, ids, since, until)
        for issue_id in ids:
            one = [n for _, n in queries.hourly_counts(conn, issue_id, since, until)]
            assert together[issue_id] == one and len(one) == 24
        assert queries.hourly_counts_of(conn, [], since, until) == {}
    assert sum(together[ids[0]]) == 5 and together[ids[1]][0] == 2 and not any(together[ids[2]])
