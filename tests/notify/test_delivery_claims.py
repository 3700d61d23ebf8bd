"""Claims: two workers never send one delivery twice, and a worker that dies
mid-way loses nothing (its lease runs out and another sends)."""

from __future__ import annotations

import threading
from collections import Counter
from pathlib import Path

from notify_kit import FIRING, add_channel, deliver_due, delivery, notify, notify_runtime
from receiver_kit import receiving

from tocsin.lib.clock import FakeClock
from tocsin.notify import outbox
from tocsin.notify.message import Message


def test_two_claimers_never_take_the_same_delivery(
        database_url: str, tmp_path: Path, clock: FakeClock) -> None:
    with notify_runtime(database_url, tmp_path, clock) as rt:
        cid = add_channel(rt, "ops", "webhook", {"url": "http://127.0.0.1:9/"})
        for i in range(200):
            notify(rt, [cid], Message(title=f"alert {i}"))
        taken: dict[str, list[int]] = {"a": [], "b": []}
        start = threading.Barrier(2)

        def claim(owner: str) -> None:
            start.wait()
            while True:
                got = outbox.claim_due(rt.db, owner, now=clock.now(), limit=7)
                if not got:
                    return
                taken[owner] += [c.id for c in got]

        threads = [threading.Thread(target=claim, args=(o,)) for o in taken]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
    counts = Counter(taken["a"] + taken["b"])
    assert len(counts) == 200 and set(counts.values()) == {1}
    assert taken["a"] and taken["b"]


def test_a_worker_that_dies_after_claiming_loses_nothing(
        database_url: str, tmp_path: Path, clock: FakeClock) -> None:
    with receiving() as hook:
        with notify_runtime(database_url, tmp_path, clock) as rt:
            cid = add_channel(rt, "ops", "webhook", {"url": hook.url})
            [did] = notify(rt, [cid], FIRING)
            # worker 1 claims and "crashes" before sending or recording
            assert [c.id for c in outbox.claim_due(rt.db, "w1", now=clock.now())] == [did]
            assert deliver_due(rt, owner="w2") == []  # still leased to w1
            clock.advance(outbox.LEASE_S + 1)
        with notify_runtime(database_url, tmp_path, clock) as restarted:  # a new process
            assert deliver_due(restarted, owner="w2") == ["sent"]
            row = delivery(restarted, did)
            assert (row["status"], row["attempts"]) == ("sent", 2)
            assert len(hook.requests) == 1


def test_two_workers_sending_at_once_deliver_each_message_once(
        database_url: str, tmp_path: Path, clock: FakeClock) -> None:
    with receiving() as hook, notify_runtime(database_url, tmp_path, clock,
                                             worker_id="w1") as one, \
            notify_runtime(database_url, tmp_path, clock, worker_id="w2") as two:
        cid = add_channel(one, "ops", "webhook", {"url": hook.url})
        for i in range(60):
            notify(one, [cid], Message(title=f"alert {i}"))
        outcomes: dict[str, list[str]] = {"w1": [], "w2": []}
        start = threading.Barrier(2)

        def work(runtime: object, owner: str) -> None:
            start.wait()
            while True:
                got = deliver_due(runtime, batch=5)  # type: ignore[arg-type]
                if not got:
                    return
                outcomes[owner] += got

        threads = [threading.Thread(target=work, args=(rt, rt.config.worker_id))
                   for rt in (one, two)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
        ids = Counter(r.headers["x-tocsin-delivery"] for r in hook.requests)
    assert len(ids) == 60 and set(ids.values()) == {1}
    assert outcomes["w1"] and outcomes["w2"]
    assert outcomes["w1"] + outcomes["w2"] == ["sent"] * 60
