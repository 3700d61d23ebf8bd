"""Reading an issue: detail, events, one event, tags, hourly counts, activity."""

from __future__ import annotations

from datetime import timedelta

import issue_kit as kit
from tocsin.issues import queries
from tocsin.issues.state import IssueStates
from tocsin.lib.clock import FakeClock
from tocsin.store.engine import Database


def test_it_reads_an_issue_with_its_events(db: Database, clock: FakeClock) -> None:
    now = clock.now()
    with db.write() as conn:
        pid = kit.project(conn, "shop", now)
        iid = kit.issue(conn, pid, now, title="KeyError: 'sku'")
        kit.events_for(conn, iid, now, 3, release="shop@1.0", user="ann")
        last = kit.events_for(conn, iid, now + timedelta(minutes=5), 1, release="shop@1.1")
    with db.read() as conn:
        issue = queries.get_issue(conn, iid)
        assert issue is not None and "search_text" not in issue
        assert (issue["times_seen"], issue["users_seen"], issue["short_id"]) == (4, 1, 1)
        assert (issue["first_release"], issue["last_release"]) == ("shop@1.0", "shop@1.1")
        assert issue["grouping"]["variant"] == "app"
        assert queries.get_issue(conn, 999) is None

        page = queries.issue_events(conn, iid, limit=3)
        assert [e["release"] for e in page] == ["shop@1.1", "shop@1.0", "shop@1.0"]
        assert "data" not in page[0]
        rest = queries.issue_events(conn, iid, limit=3, after=page[-1]["id"])
        assert len(rest) == 1 and rest[0]["id"] < page[-1]["id"]

        latest = queries.latest_event(conn, iid)
        assert latest is not None and latest["event_id"] == last["last_event_id"]
        assert latest["data"]["release"] == "shop@1.1"
        dashed = "-".join([latest["event_id"][:8], latest["event_id"][8:]]).upper()
        found = queries.get_event(conn, pid, dashed)
        assert found is not None and found["id"] == latest["id"]
        assert queries.get_event(conn, pid + 1, latest["event_id"]) is None


def test_it_counts_tag_values_most_common_first(db: Database, clock: FakeClock) -> None:
    now = clock.now()
    with db.write() as conn:
        pid = kit.project(conn, "shop", now)
        iid = kit.issue(conn, pid, now)
        for n, browser in enumerate(["Firefox", "Chrome", "Safari", "Chrome"]):
            kit.events_for(conn, iid, now + timedelta(minutes=n), 1 + n,
                           extra_tags={"browser": browser})
    with db.read() as conn:
        tags = queries.tag_distribution(conn, iid, top=2)
        assert set(tags) == {"browser", "environment", "level"}
        browser = tags["browser"]
        assert (browser["total"], browser["distinct"]) == (10, 3)
        assert [(v["value"], v["count"]) for v in browser["values"]] == [
            ("Chrome", 6), ("Safari", 3)]
        assert browser["values"][0]["first_seen"] == now + timedelta(minutes=1)
        assert browser["values"][0]["last_seen"] == now + timedelta(minutes=3)
        assert list(queries.tag_distribution(conn, iid, key="level")) == ["level"]
        assert queries.tag_distribution(conn, iid, key="nope") == {}


def test_hourly_counts_are_zero_filled(db: Database, clock: FakeClock) -> None:
    now = clock.now()
    with db.write() as conn:
        pid = kit.project(conn, "shop", now)
        iid = kit.issue(conn, pid, now)
        kit.events_for(conn, iid, now - timedelta(hours=2, minutes=30), 4)
        kit.events_for(conn, iid, now + timedelta(minutes=10), 2)
    with db.read() as conn:
        series = queries.hourly_counts(conn, iid, now - timedelta(hours=4),
                                       now + timedelta(hours=1))
    assert [c for _, c in series] == [0, 4, 0, 0, 2]
    assert series[0][0] == now - timedelta(hours=4)


def test_activity_is_oldest_first(db: Database, clock: FakeClock) -> None:
    now = clock.now()
    with db.write() as conn:
        pid = kit.project(conn, "shop", now)
        iid = kit.issue(conn, pid, now)
        IssueStates(conn, now=now).resolve(iid, user_id=1)
        IssueStates(conn, now=now + timedelta(minutes=1)).unresolve(iid)
    with db.read() as conn:
        rows = queries.activity(conn, iid)
    assert [(r["kind"], r["user_id"]) for r in rows] == [("resolved", 1), ("unresolved", None)]
