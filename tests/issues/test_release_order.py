"""Which release is newer: semver when both parse, first-seen order otherwise."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tocsin.accounts.projects import create_project
from tocsin.issues import release_order, releases
from tocsin.issues.release_order import compare_versions
from tocsin.lib.clock import FakeClock
from tocsin.store.engine import Database


@pytest.mark.parametrize(("a", "b", "expected"), [
    ("my-app@1.2.3", "my-app@1.10.0", -1),
    ("1.10.0", "1.9.9", 1),
    ("1.2", "1.2.0", 0),
    ("v2.0.0", "1.99.0", 1),
    ("1.0.0-rc.1", "1.0.0", -1),
    ("1.0.0-rc.2", "1.0.0-rc.10", -1),
    ("1.0.0-alpha", "1.0.0-alpha.1", -1),
    ("1.0.0-1", "1.0.0-alpha", -1),
    ("1.2.3-rc.1+build5", "1.2.3-rc.1+build6", 0),
    ("backend@2024.11.03", "backend@2024.9.30", 1),
])
def test_it_compares_versions_as_semver(a: str, b: str, expected: int) -> None:
    assert compare_versions(a, b) == expected
    assert compare_versions(b, a) == -expected


@pytest.mark.parametrize(("a", "b"), [
    ("abc123def", "1.0.0"),
    ("abc123def", "0fedcba9"),
    ("web@1.0.0", "api@2.0.0"),
])
def test_it_does_not_compare_what_is_not_a_version_of_one_app(a: str, b: str) -> None:
    assert compare_versions(a, b) is None


def test_it_orders_commits_by_when_they_were_first_seen(db: Database, clock: FakeClock) -> None:
    now = clock.now()
    with db.write() as conn:
        pid = create_project(conn, "shop", "Shop", now=now).id
        releases.touch(conn, pid, [("fff111", now)], now=now)
        releases.touch(conn, pid, [("aaa222", now + timedelta(hours=1))], now=now)
        assert release_order.newer(conn, pid, "aaa222", "fff111")
        assert not release_order.newer(conn, pid, "fff111", "aaa222")
        assert not release_order.newer(conn, pid, "fff111", "fff111")
        # not seen yet: still to come, so newer than anything seen
        assert release_order.newer(conn, pid, "bbb333", "aaa222")
        assert not release_order.newer(conn, pid, "aaa222", "bbb333")
        assert release_order.newest(conn, pid) == "aaa222"


def test_semver_wins_over_first_seen_order(db: Database, clock: FakeClock) -> None:
    now = clock.now()
    with db.write() as conn:
        pid = create_project(conn, "shop", "Shop", now=now).id
        # a hotfix of the old line is deployed after 2.0.0
        releases.touch(conn, pid, [("shop@2.0.0", now)], now=now)
        releases.touch(conn, pid, [("shop@1.9.1", now + timedelta(hours=1))], now=now)
        assert release_order.newer(conn, pid, "shop@2.0.0", "shop@1.9.1")
        assert release_order.newest(conn, pid) == "shop@2.0.0"
        assert release_order.newest(conn, create_project(conn, "x", "X", now=now).id) is None
