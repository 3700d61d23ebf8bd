"""SQLite write transactions in one process take turns in arrival order, so a
thread that writes chunk after chunk cannot starve the scheduler's claim."""

from __future__ import annotations

import threading
import time

from tocsin.store.engine import Database, FairLock


def _queued(lock: FairLock, n: int) -> None:
    deadline = time.monotonic() + 5
    while len(lock._waiters) < n:
        assert time.monotonic() < deadline, "the waiter never queued"
        time.sleep(0.001)


def test_it_hands_the_lock_to_waiters_in_arrival_order() -> None:
    lock = FairLock()
    assert lock.acquire(1.0)
    order: list[int] = []

    def wait_turn(i: int) -> None:
        assert lock.acquire(5.0)
        order.append(i)
        lock.release()

    threads = []
    for i in range(5):
        t = threading.Thread(target=wait_turn, args=(i,))
        t.start()
        _queued(lock, i + 1)
        threads.append(t)
    # The holder comes straight back, as the roll-up does between chunks.
    lock.release()
    assert lock.acquire(5.0)
    order.append(99)
    lock.release()
    for t in threads:
        t.join()
    assert order == [0, 1, 2, 3, 4, 99]


def test_it_lets_the_holder_take_it_again() -> None:
    lock = FairLock()
    assert lock.acquire(1.0) and lock.acquire(1.0)
    lock.release()
    other = threading.Thread(target=lambda: results.append(lock.acquire(0.05)))
    results: list[bool] = []
    other.start()
    other.join()
    assert results == [False]  # still held once
    lock.release()
    assert lock.acquire(0.05)
    lock.release()


def test_a_waiter_gives_up_after_its_timeout_and_leaves_the_queue() -> None:
    lock = FairLock()
    assert lock.acquire(1.0)
    started = time.monotonic()
    got: list[bool] = []
    t = threading.Thread(target=lambda: got.append(lock.acquire(0.1)))
    t.start()
    t.join()
    assert got == [False] and time.monotonic() - started >= 0.1
    assert not lock._waiters
    lock.release()
    assert lock.acquire(0.05)
    lock.release()


def test_sqlite_writes_from_many_threads_all_commit(sqlite_db: Database) -> None:
    from sqlalchemy import func, select

    from tocsin.store.schema import instance

    def write(i: int) -> None:
        for j in range(20):
            with sqlite_db.write() as conn:
                conn.execute(instance.insert().values(key=f"k{i}-{j}", value="v"))

    threads = [threading.Thread(target=write, args=(i,)) for i in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    with sqlite_db.read() as conn:
        count = conn.execute(select(func.count()).select_from(instance)
                             .where(instance.c.key.like("k%"))).scalar_one()
    assert count == 120
