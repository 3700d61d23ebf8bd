"""Issue status transitions: each one, its activity row, and the refusals."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import Connection, select

import issue_kit as kit
from tocsin.issues.state import IssueNotFound, IssueStates, TransitionError
from tocsin.lib.clock import FakeClock
from tocsin.store.engine import Database
from tocsin.store.schema import issue_activity


def _activity(conn: Connection, issue_id: int) -> list[tuple[str, int | None, dict[str, Any]]]:
    rows = conn.execute(select(issue_activity).where(issue_activity.c.issue_id == issue_id)
                        .order_by(issue_activity.c.id))
    return [(r.kind, r.user_id, r.data) for r in rows]


def test_it_resolves_and_unresolves_with_activity(db: Database, clock: FakeClock) -> None:
    now = clock.now()
    with db.write() as conn:
        pid = kit.project(conn, "shop", now)
        iid = kit.issue(conn, pid, now)
        states = IssueStates(conn, now=now)
        states.resolve(iid, user_id=7)
        row = kit.get(conn, iid)
        assert (row["status"], row["resolution"], row["resolved_at"]) == ("resolved", "now", now)
        states.unresolve(iid, user_id=8)
        row = kit.get(conn, iid)
        assert (row["status"], row["substatus"], row["resolution"]) == (
            "unresolved", "ongoing", None)
        assert _activity(conn, iid) == [("resolved", 7, {}), ("unresolved", 8, {})]


def test_a_plain_resolve_regresses_on_any_new_event(db: Database, clock: FakeClock) -> None:
    now = clock.now()
    with db.write() as conn:
        pid = kit.project(conn, "shop", now)
        iid = kit.issue(conn, pid, now)
        kit.events_for(conn, iid, now, release="shop@1.0.0")
        IssueStates(conn, now=now).resolve(iid)
        row = kit.events_for(conn, iid, now, release="shop@1.0.0")
        assert IssueStates(conn, now=now).on_events(row, releases=["shop@1.0.0"]) == "regression"
        row = kit.get(conn, iid)
        assert (row["status"], row["substatus"], row["resolution"]) == (
            "unresolved", "regressed", None)
        assert _activity(conn, iid)[-1][0] == "regression"
        # an unresolved issue seeing events changes nothing
        assert IssueStates(conn, now=now).on_events(row, releases=[]) is None


def test_resolve_in_next_release_regresses_only_on_a_newer_release(
        db: Database, clock: FakeClock) -> None:
    now = clock.now()
    with db.write() as conn:
        pid = kit.project(conn, "shop", now)
        iid = kit.issue(conn, pid, now)
        kit.events_for(conn, iid, now, release="shop@1.2.0")
        kit.events_for(conn, iid, now, release="shop@1.10.0")
        states = IssueStates(conn, now=now)
        states.resolve(iid, in_next_release=True, user_id=3)
        row = kit.get(conn, iid)
        assert (row["resolution"], row["resolved_in"]) == ("next_release", "shop@1.10.0")
        assert _activity(conn, iid) == [
            ("resolved_in_next_release", 3, {"release": "shop@1.10.0"})]
        # old servers still running the same or an older release: not a regression
        row = kit.events_for(conn, iid, now, release="shop@1.2.0")
        assert states.on_events(row, releases=["shop@1.2.0", "shop@1.10.0"]) is None
        row = kit.events_for(conn, iid, now, release=None)
        assert states.on_events(row, releases=[]) is None
        assert kit.get(conn, iid)["status"] == "resolved"
        row = kit.events_for(conn, iid, now, release="shop@1.11.0-rc.1")
        assert states.on_events(row, releases=["shop@1.2.0", "shop@1.11.0-rc.1"]) == \
            "regression"
        assert _activity(conn, iid)[-1] == ("regression", None, {
            "releases": ["shop@1.2.0", "shop@1.11.0-rc.1"], "resolution": "next_release",
            "resolved_in": "shop@1.10.0"})


def test_next_release_without_releases_is_a_plain_resolve(db: Database,
                                                          clock: FakeClock) -> None:
    now = clock.now()
    with db.write() as conn:
        pid = kit.project(conn, "shop", now)
        iid = kit.issue(conn, pid, now)
        IssueStates(conn, now=now).resolve(iid, in_next_release=True)
        assert kit.get(conn, iid)["resolution"] == "now"
        assert _activity(conn, iid) == [("resolved", None, {})]


def test_resolve_in_release_uses_first_seen_order_for_commits(
        db: Database, clock: FakeClock) -> None:
    now = clock.now()
    with db.write() as conn:
        pid = kit.project(conn, "shop", now)
        iid = kit.issue(conn, pid, now)
        kit.events_for(conn, iid, now, release="c0ffee1")
        kit.events_for(conn, iid, now + timedelta(hours=1), release="beef002")
        states = IssueStates(conn, now=now)
        states.resolve(iid, in_release="beef002")
        assert _activity(conn, iid) == [("resolved_in_release", None, {"release": "beef002"})]
        row = kit.events_for(conn, iid, now + timedelta(hours=2), release="c0ffee1")
        assert states.on_events(row, releases=["c0ffee1"]) is None
        row = kit.events_for(conn, iid, now + timedelta(hours=3), release="dead003")
        assert states.on_events(row, releases=["dead003"]) == "regression"


def test_ignore_forever_never_ends(db: Database, clock: FakeClock) -> None:
    now = clock.now()
    with db.write() as conn:
        pid = kit.project(conn, "shop", now)
        iid = kit.issue(conn, pid, now)
        states = IssueStates(conn, now=now)
        states.ignore(iid, user_id=2)
        row = kit.events_for(conn, iid, now, 500)
        assert states.on_events(row, releases=[]) is None
        assert kit.get(conn, iid)["status"] == "ignored"
        assert _activity(conn, iid) == [
            ("ignored", 2, {"until": None, "more_events": None, "more_users": None})]


def test_ignore_until_more_events_ends_escalating(db: Database, clock: FakeClock) -> None:
    now = clock.now()
    with db.write() as conn:
        pid = kit.project(conn, "shop", now)
        iid = kit.issue(conn, pid, now)
        kit.events_for(conn, iid, now, 10)
        states = IssueStates(conn, now=now)
        states.ignore(iid, more_events=5)
        assert kit.get(conn, iid)["ignore_until_count"] == 15
        row = kit.events_for(conn, iid, now, 4)
        assert states.on_events(row, releases=[]) is None
        row = kit.events_for(conn, iid, now, 1)
        assert states.on_events(row, releases=[]) == "unignored"
        row = kit.get(conn, iid)
        assert (row["status"], row["substatus"], row["ignore_until_count"]) == (
            "unresolved", "escalating", None)
        assert _activity(conn, iid)[-1] == ("unignored", None, {"reason": "more_events"})


def test_ignore_until_more_users(db: Database, clock: FakeClock) -> None:
    now = clock.now()
    with db.write() as conn:
        pid = kit.project(conn, "shop", now)
        iid = kit.issue(conn, pid, now)
        kit.events_for(conn, iid, now, user="ann")
        states = IssueStates(conn, now=now)
        states.ignore(iid, more_users=2)
        row = kit.events_for(conn, iid, now, 20, user="ann")
        row = kit.events_for(conn, iid, now, 1, user="ben")
        assert states.on_events(row, releases=[]) is None
        row = kit.events_for(conn, iid, now, 1, user="cat")
        assert states.on_events(row, releases=[]) == "unignored"
        assert _activity(conn, iid)[-1][2] == {"reason": "more_users"}


def test_ignore_until_a_date_ends_on_an_event_or_by_expiry(
        db: Database, clock: FakeClock) -> None:
    now = clock.now()
    later = now + timedelta(hours=2)
    with db.write() as conn:
        pid = kit.project(conn, "shop", now)
        first, second, third = (kit.issue(conn, pid, now) for _ in range(3))
        states = IssueStates(conn, now=now)
        for iid in (first, second):
            states.ignore(iid, until=now + timedelta(hours=1))
        states.ignore(third, until=now + timedelta(days=1))
        row = kit.events_for(conn, first, now)
        assert states.on_events(row, releases=[]) is None
        assert IssueStates(conn, now=now).expire() == 0
        row = kit.events_for(conn, first, later)
        assert IssueStates(conn, now=later).on_events(row, releases=[]) == "unignored"
        assert kit.get(conn, first)["substatus"] == "escalating"
        assert IssueStates(conn, now=later).expire() == 1
        row = kit.get(conn, second)
        assert (row["status"], row["substatus"], row["ignore_until"]) == (
            "unresolved", "ongoing", None)
        assert _activity(conn, second)[-1] == ("unignored", None, {"reason": "until"})
        assert kit.get(conn, third)["status"] == "ignored"


def test_it_refuses_bad_transitions(db: Database, clock: FakeClock) -> None:
    now = clock.now()
    with db.write() as conn:
        pid = kit.project(conn, "shop", now)
        other = kit.project(conn, "blog", now)
        a, b = kit.issue(conn, pid, now), kit.issue(conn, pid, now)
        foreign = kit.issue(conn, other, now)
        states = IssueStates(conn, now=now)
        with pytest.raises(IssueNotFound, match="no issue with id 999"):
            states.resolve(999)
        with pytest.raises(TransitionError, match="into itself"):
            states.merge(a, [a])
        with pytest.raises(TransitionError, match="another project"):
            states.merge(a, [foreign])
        with pytest.raises(TransitionError, match="at least one"):
            states.merge(a, [])
        with pytest.raises(TransitionError, match="not passed"):
            states.ignore(a, until=now)
        with pytest.raises(TransitionError, match="more_events must be at least 1"):
            states.ignore(a, more_events=0)
        states.merge(a, [b])
        with pytest.raises(TransitionError, match=f"merged into issue {a}"):
            states.resolve(b)
        with pytest.raises(TransitionError, match="merged"):
            states.merge(b, [a])
        assert issubclass(TransitionError, ValueError)
