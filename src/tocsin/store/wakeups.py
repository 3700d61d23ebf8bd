"""Wake a loop in this process as soon as a write it waits for is committed.

The worker's loops poll the database (a signal to evaluate, a delivery to
send, an incident to page); polling alone put 1-2 s between a monitor going
down and its webhook arriving. A writer marks the connection with a topic
(:func:`after_commit`); :meth:`Database.write` announces the topics once the
transaction has committed, and the loops that subscribed run their wake-up
(an ``asyncio.Event`` set through ``call_soon_threadsafe``). Other processes
— several workers on PostgreSQL — still find the rows by polling.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable

from sqlalchemy import Connection

log = logging.getLogger(__name__)

SIGNALS, DELIVERIES, INCIDENTS = "signals", "deliveries", "incidents"
_KEY = "tocsin_wakeups"

_lock = threading.Lock()
_listeners: dict[str, list[Callable[[], None]]] = {}


def after_commit(conn: Connection, topic: str) -> None:
    """Announce ``topic`` when the connection's transaction commits."""
    conn.info.setdefault(_KEY, set()).add(topic)


def take(conn: Connection) -> set[str]:
    """The topics marked on this connection, cleared (for ``Database.write``)."""
    return conn.info.pop(_KEY, None) or set()


def subscribe(topic: str, wake: Callable[[], None]) -> Callable[[], None]:
    """Call ``wake`` after each commit that announces ``topic``; returns the undo."""
    with _lock:
        _listeners.setdefault(topic, []).append(wake)

    def unsubscribe() -> None:
        with _lock:
            if wake in _listeners.get(topic, []):
                _listeners[topic].remove(wake)

    return unsubscribe


def announce(topics: Iterable[str]) -> None:
    for topic in topics:
        with _lock:
            wakes = list(_listeners.get(topic, ()))
        for wake in wakes:
            try:
                wake()
            except Exception:  # a closed loop must not fail the writer's commit
                log.debug("wake-up for %s failed", topic, exc_info=True)
