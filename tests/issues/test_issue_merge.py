"""Merging issues moves everything into the target; later events follow."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

import issue_kit as kit
from tocsin.issues.state import IssueStates
from tocsin.lib.clock import FakeClock
from tocsin.store.engine import Database
from tocsin.store.schema import events, issue_activity, issue_hashes, issue_hourly, issue_tags


def test_merge_moves_hashes_events_counts_tags_and_users(db: Database,
                                                         clock: FakeClock) -> None:
    now = clock.now()
    hour = timedelta(hours=1)
    with db.write() as conn:
        pid = kit.project(conn, "shop", now)
        target = kit.issue(conn, pid, now + hour, hash_="a" * 32)
        b = kit.issue(conn, pid, now, hash_="b" * 32)
        c = kit.issue(conn, pid, now, hash_="c" * 32)
        kit.events_for(conn, target, now + hour, 2, user="ann", release="shop@1.0.0")
        kit.events_for(conn, b, now, 3, user="ann", release="shop@0.9.0",
                       environment="staging")
        kit.events_for(conn, c, now + 2 * hour, 1, user="ben", release="shop@1.1.0")
        IssueStates(conn, now=now).merge(target, [b, c], user_id=5)

        row = kit.get(conn, target)
        assert (row["times_seen"], row["users_seen"]) == (6, 2)
        assert (row["first_seen"], row["last_seen"]) == (now, now + 2 * hour)
        assert (row["first_release"], row["last_release"]) == ("shop@0.9.0", "shop@1.1.0")
        for source in (b, c):
            gone = kit.get(conn, source)
            assert (gone["status"], gone["merged_into"]) == ("merged", target)
        hashes = set(conn.execute(select(issue_hashes.c.hash)
                                  .where(issue_hashes.c.issue_id == target)).scalars())
        assert hashes == {"a" * 32, "b" * 32, "c" * 32}
        assert conn.execute(select(func.count()).select_from(events)
                            .where(events.c.issue_id == target)).scalar_one() == 6
        hourly = dict(conn.execute(select(issue_hourly.c.bucket, issue_hourly.c.count)
                                   .where(issue_hourly.c.issue_id == target)).all())
        assert hourly == {now: 3, now + hour: 2, now + 2 * hour: 1}
        tags = {(r.key, r.value): (r.count, r.first_seen, r.last_seen)
                for r in conn.execute(select(issue_tags).where(issue_tags.c.issue_id == target))}
        assert tags[("level", "error")] == (6, now, now + 2 * hour)
        assert tags[("environment", "production")] == (3, now + hour, now + 2 * hour)
        assert tags[("environment", "staging")] == (3, now, now)
        assert conn.execute(select(func.count()).select_from(issue_tags)
                            .where(issue_tags.c.issue_id.in_([b, c]))).scalar_one() == 0
        kinds = {(r.issue_id, r.kind, r.user_id) for r in conn.execute(select(issue_activity))}
        assert kinds == {(target, "merged_from", 5), (b, "merged_into", 5),
                         (c, "merged_into", 5)}

        # the digest finds an issue through issue_hashes: b's hash now leads to target
        found = conn.execute(select(issue_hashes.c.issue_id).where(
            issue_hashes.c.project_id == pid, issue_hashes.c.hash == "b" * 32)).scalar_one()
        assert found == target


def test_merging_into_an_issue_takes_along_what_was_merged_before(
        db: Database, clock: FakeClock) -> None:
    now = clock.now()
    with db.write() as conn:
        pid = kit.project(conn, "shop", now)
        a, b, c = (kit.issue(conn, pid, now) for _ in range(3))
        states = IssueStates(conn, now=now)
        states.merge(b, [c])
        states.merge(a, [b])
        assert kit.get(conn, c)["merged_into"] == a
