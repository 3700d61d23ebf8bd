"""Two workers escalating at once never both page one step (SQLite and
PostgreSQL); a step that pages a person queues e-mail to their address."""

from __future__ import annotations

import sys
import threading
from pathlib import Path

import pytest
from sqlalchemy import func, select

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "notify"))

from argon2 import PasswordHasher  # noqa: E402
from incident_kit import open_incident, timeline  # noqa: E402
from notify_kit import add_channel, notify_runtime  # noqa: E402

from tocsin.accounts import users  # noqa: E402
from tocsin.incidents.escalation import Policy, Step, snapshot  # noqa: E402
from tocsin.lib.clock import FakeClock  # noqa: E402
from tocsin.store.schema import channels, deliveries  # noqa: E402
from tocsin.worker.escalation import Escalator  # noqa: E402


def test_two_workers_page_each_step_of_each_incident_once(
        database_url: str, tmp_path: Path, clock: FakeClock) -> None:
    with notify_runtime(database_url, tmp_path, clock, worker_id="w1") as one, \
            notify_runtime(database_url, tmp_path, clock, worker_id="w2") as two:
        add_channel(one, "ops", "webhook", {"url": "https://hooks.example.org/x"})
        ids = [open_incident(one, f"group:{n}") for n in range(20)]
        workers = [Escalator(one), Escalator(two)]
        for _ in range(2):
            start = threading.Barrier(2)
            paged: list[int] = []

            def tick(worker: Escalator, out: list[int] = paged,
                     barrier: threading.Barrier = start) -> None:
                barrier.wait()
                out.append(worker.run_once())

            threads = [threading.Thread(target=tick, args=(w,)) for w in workers]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(60)
            assert sum(paged) == 20
            clock.advance(5 * 60)
        for incident_id in ids:
            assert len(timeline(one, incident_id, "paged")) == 2
        with one.db.read() as conn:
            assert conn.execute(select(func.count()).select_from(deliveries)).scalar() == 40


def test_a_user_step_queues_e_mail_to_the_users_address(
        sqlite_database_url: str, tmp_path: Path, clock: FakeClock,
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(users, "_hasher", PasswordHasher(time_cost=1, memory_cost=8,
                                                         parallelism=1))
    with notify_runtime(sqlite_database_url, tmp_path, clock) as rt:
        with rt.db.write() as conn:
            ana = users.create_user(conn, "ana@example.org", "correct horse battery",
                                    role="member", now=clock.now())
        policy = snapshot(Policy(2, "Ana", (Step("user", user_id=ana.id,
                                                 user_email=ana.email),)))
        incident_id = open_incident(rt, policy=policy)
        assert Escalator(rt).run_once() == 1
        [paged] = timeline(rt, incident_id, "paged")
        assert (paged["data"]["email"], paged["data"]["channel"]) == (
            "ana@example.org", "e-mail ana@example.org")
        with rt.db.read() as conn:
            channel = conn.execute(select(channels).where(
                channels.c.name == "e-mail ana@example.org")).mappings().one()
            message = conn.execute(select(deliveries.c.message)).scalar_one()
        assert (channel["kind"], channel["settings"], channel["source"]) == (
            "email", {"to": ["ana@example.org"]}, "person")
        # the links name her, so acting from them puts her name on the timeline
        assert all("/act/" in link["url"] for link in message["links"])
