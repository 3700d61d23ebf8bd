"""Engines for SQLite (embedded default) and PostgreSQL (scale-out).

SQLite runs in WAL mode so readers never wait for the writer. pysqlite's own
transaction handling is switched off (``isolation_level=None``) and we emit
``BEGIN`` ourselves: write transactions say ``BEGIN IMMEDIATE`` so two writers
queue on ``busy_timeout`` instead of failing on a lock upgrade (SQLITE_BUSY).

Within one process, SQLite write transactions also take turns in arrival order
(:class:`FairLock`): SQLite's busy handler sleeps with a growing back-off, so a
thread that commits and begins again at once (the roll-up writing chunk after
chunk) kept winning, and the scheduler's claim waited 2-4 s for a whole roll-up
round, making checks that late (p99 drift 1.4-3.4 s in the 10,000-monitor
benchmark). In turn, a waiting writer waits for at most the transaction ahead.
"""

from __future__ import annotations

import json
import threading
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import orjson
from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import make_url

from tocsin.store import wakeups

_BEGIN_OPTION = "tocsin_begin"
# As long as SQLite's own busy_timeout: past it, go on and let SQLite decide.
FAIR_WAIT_S = 30.0


class FairLock:
    """A re-entrant mutex handed to waiters first come, first served.

    ``threading.Lock`` promises no order. A thread that already holds it may
    take it again (a nested write then meets SQLite's busy timeout, as before).
    """

    _HANDOFF = -1

    def __init__(self) -> None:
        self._mutex = threading.Lock()
        self._waiters: deque[threading.Lock] = deque()
        self._owner: int | None = None
        self._depth = 0

    def acquire(self, timeout: float) -> bool:
        me = threading.get_ident()
        with self._mutex:
            if self._owner == me:
                self._depth += 1
                return True
            if self._owner is None:
                self._owner, self._depth = me, 1
                return True
            gate = threading.Lock()
            gate.acquire()
            self._waiters.append(gate)
        if not gate.acquire(timeout=timeout):
            with self._mutex:
                if gate in self._waiters:
                    self._waiters.remove(gate)
                    return False
            gate.acquire()  # handed over just as we gave up: it is ours after all
        with self._mutex:
            self._owner, self._depth = me, 1
        return True

    def release(self) -> None:
        with self._mutex:
            self._depth -= 1
            if self._depth:
                return
            if self._waiters:
                self._owner = self._HANDOFF  # newcomers queue behind the one woken
                self._waiters.popleft().release()
            else:
                self._owner = None


def normalise_url(url: str) -> str:
    """Accept ``postgres://`` and ``postgresql://``; always use psycopg 3."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def dump_json(value: Any) -> str:
    """JSON columns written with orjson (several times faster than ``json``, a
    twentieth of the digest's time); what it refuses (an integer beyond 64
    bits) falls back to the standard encoder."""
    try:
        return orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS).decode()
    except orjson.JSONEncodeError:
        return json.dumps(value)


_JSON: dict[str, Any] = {"json_serializer": dump_json, "json_deserializer": orjson.loads}


def _sqlite_engine(url: str, synchronous: str) -> Engine:
    path = make_url(url).database
    if path and path != ":memory:":
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(
        url,
        connect_args={"check_same_thread": False, "isolation_level": None, "timeout": 30},
        pool_size=8,
        max_overflow=8,
        **_JSON,
    )

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute(f"PRAGMA synchronous={synchronous}")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA busy_timeout=30000")
        # 16 MB page cache: the hot monitor rows and indexes stay in memory.
        cur.execute("PRAGMA cache_size=-16000")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        mode = conn.get_execution_options().get(_BEGIN_OPTION, "")
        conn.exec_driver_sql(f"BEGIN {mode}".strip())

    return engine


def make_engine(url: str, *, sqlite_synchronous: str = "FULL") -> Engine:
    url = normalise_url(url)
    if url.startswith("sqlite"):
        return _sqlite_engine(url, sqlite_synchronous)
    try:
        import psycopg  # noqa: F401
    except ImportError as exc:  # pragma: no cover - depends on the install
        raise RuntimeError(
            "PostgreSQL needs the psycopg driver: pip install 'tocsin[postgres]'"
        ) from exc
    return create_engine(url, pool_size=10, max_overflow=20, pool_pre_ping=True, **_JSON)


class Database:
    """The engine plus the two ways in: a read transaction and a write one."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.dialect = engine.dialect.name
        self._turns = FairLock() if self.dialect == "sqlite" else None

    @classmethod
    def connect(cls, url: str, *, sqlite_synchronous: str = "FULL") -> Database:
        return cls(make_engine(url, sqlite_synchronous=sqlite_synchronous))

    @property
    def is_postgres(self) -> bool:
        return self.dialect == "postgresql"

    @contextmanager
    def read(self) -> Iterator[Connection]:
        with self.engine.connect() as conn, conn.begin():
            yield conn

    @contextmanager
    def write(self) -> Iterator[Connection]:
        turn = self._turns is not None and self._turns.acquire(FAIR_WAIT_S)
        topics: set[str] = set()
        try:
            with self.engine.connect() as conn:
                if self.dialect == "sqlite":
                    conn = conn.execution_options(**{_BEGIN_OPTION: "IMMEDIATE"})
                try:
                    with conn.begin():
                        yield conn
                    topics = wakeups.take(conn)  # reached only once it committed
                finally:
                    wakeups.take(conn)
        finally:
            if turn:
                assert self._turns is not None
                self._turns.release()
        wakeups.announce(topics)

    def dispose(self) -> None:
        self.engine.dispose()
