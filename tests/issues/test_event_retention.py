from __future__ import annotations

import copy
import uuid
from datetime import timedelta

from event_kit import sample
from sqlalchemy import func, select

from tocsin.accounts import projects
from tocsin.issues import retention
from tocsin.issues.digest import digest_events
from tocsin.lib.clock import FakeClock
from tocsin.store.engine import Database
from tocsin.store.schema import events, issue_hourly, issues


def test_old_events_go_and_their_issue_keeps_its_counters(db: Database, clock: FakeClock
                                                          ) -> None:
    with db.write() as conn:
        pid = projects.ensure_project(conn, "shop", "Shop", now=clock.now()).id
    def batch() -> list[tuple[int, dict[str, object], object]]:
        out = []
        for _ in range(3):
            payload = copy.deepcopy(sample("node_exception"))
            payload["event_id"] = uuid.uuid4().hex
            out.append((pid, payload, clock.now()))
        return out
    with db.write() as conn:
        digest_events(conn, batch(), now=clock.now())  # type: ignore[arg-type]
    clock.advance(timedelta(days=60).total_seconds())
    with db.write() as conn:
        digest_events(conn, batch(), now=clock.now())  # type: ignore[arg-type]
    clock.advance(timedelta(days=40).total_seconds())
    deleted = retention.prune(db, now=clock.now(), days=90, batch=2, pause=0)
    assert deleted["events"] == 3
    with db.read() as conn:
        left = conn.execute(select(func.count()).select_from(events)).scalar_one()
        issue = conn.execute(select(issues.c.times_seen)).scalar_one()
        hours = conn.execute(select(func.sum(issue_hourly.c.count))).scalar_one()
    assert (left, issue, hours) == (3, 6, 6)
