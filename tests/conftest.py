"""Shared fixtures: a real database per test (SQLite file, and PostgreSQL).

``db`` is parametrised over both engines. PostgreSQL tests run in a fresh
schema each, dropped afterwards. When PostgreSQL is unreachable they skip, unless
``TOCSIN_TEST_REQUIRE_SERVICES=1`` (set by CI), where they fail instead.
"""

from __future__ import annotations

import os
import socket
import sys
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

# the real-SDK kit (tests/sdk/sdk_kit.py) is used from several test folders
sys.path.insert(0, str(Path(__file__).parent / "sdk"))

from services import require_service  # noqa: E402
from tocsin.lib.clock import FakeClock
from tocsin.store.engine import Database
from tocsin.store.migrate import migrate

PG_URL = os.environ.get("TOCSIN_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")


@pytest.fixture
def closed_port() -> int:
    """A port on 127.0.0.1 where nothing listens: connections are refused."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def silent_port() -> Iterator[int]:
    """Accepts connections (the kernel does, from the backlog) and never answers."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(8)
    yield int(sock.getsockname()[1])
    sock.close()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(datetime(2026, 3, 2, 12, 0, 0, tzinfo=UTC))


def _pg_schema_url(schema: str) -> str:
    return f"{PG_URL}?options=-csearch_path%3D{schema}"


@pytest.fixture
def pg_database_url() -> Iterator[str]:
    require_service(5432, "PostgreSQL")
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(PG_URL.replace("postgresql://", "postgresql+psycopg://"))
    with admin.begin() as conn:
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    try:
        yield _pg_schema_url(schema)
    finally:
        with admin.begin() as conn:
            conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()


@pytest.fixture
def sqlite_database_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'tocsin.db'}"


@pytest.fixture(params=["sqlite", "postgres"])
def database_url(request: pytest.FixtureRequest) -> str:
    if request.param == "sqlite":
        return str(request.getfixturevalue("sqlite_database_url"))
    return str(request.getfixturevalue("pg_database_url"))


@pytest.fixture
def db(database_url: str) -> Iterator[Database]:
    database = Database.connect(database_url)
    migrate(database)
    yield database
    database.dispose()


@pytest.fixture
def sqlite_db(sqlite_database_url: str) -> Iterator[Database]:
    database = Database.connect(sqlite_database_url)
    migrate(database)
    yield database
    database.dispose()


# --- a running Tocsin: runtime, in-process app, and a real server -------------

import contextlib  # noqa: E402
import threading  # noqa: E402
import time  # noqa: E402

from tocsin.config import Config, load_config  # noqa: E402
from tocsin.store.runtime import Runtime  # noqa: E402


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def make_config(database_url: str, data_dir: Path, **overrides: object) -> Config:
    values: dict[str, object] = {"database_url": database_url, "data_dir": data_dir,
                                 "writer_max_delay_ms": 1.0}
    values.update(overrides)
    return load_config({}, **values)


@pytest.fixture
def runtime(database_url: str, tmp_path: Path) -> Iterator[Runtime]:
    rt = Runtime.open(make_config(database_url, tmp_path))
    rt.start()
    yield rt
    rt.close()


@pytest.fixture
def sqlite_runtime(sqlite_database_url: str, tmp_path: Path) -> Iterator[Runtime]:
    rt = Runtime.open(make_config(sqlite_database_url, tmp_path))
    rt.start()
    yield rt
    rt.close()


class LiveServer:
    """Tocsin's ASGI app served by uvicorn on 127.0.0.1 in a thread."""

    def __init__(self, app: object, port: int) -> None:
        import uvicorn

        self.url = f"http://127.0.0.1:{port}"
        self.server = uvicorn.Server(uvicorn.Config(
            app, host="127.0.0.1", port=port, log_level="warning", lifespan="on"))  # type: ignore[arg-type]
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> LiveServer:
        self.thread.start()
        deadline = time.monotonic() + 15
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("the test server did not start")
            time.sleep(0.01)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=15)


@contextlib.contextmanager
def live_server(runtime: Runtime, *, with_worker: bool = False) -> Iterator[LiveServer]:
    from tocsin.web.app import create_app

    background = None
    if with_worker:
        from tocsin.worker.main import Worker

        background = Worker(runtime).running
    with LiveServer(create_app(runtime, background=background), free_port()) as server:
        yield server


@pytest.fixture
def app_runtime(database_url: str, tmp_path: Path) -> Iterator[Runtime]:
    """A runtime whose writer the app's lifespan starts and stops."""
    rt = Runtime.open(make_config(database_url, tmp_path))
    yield rt
    rt.close()


@pytest.fixture
def client(app_runtime: Runtime) -> Iterator[object]:
    from starlette.testclient import TestClient

    from tocsin.web.app import create_app

    with TestClient(create_app(app_runtime)) as test_client:
        yield test_client
