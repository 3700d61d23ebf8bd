"""A POST body is the run's log: kept up to the limit, cut and marked beyond
it, and never an error for the job that pinged."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from starlette.testclient import TestClient

from tocsin.checks import monitors
from tocsin.checks.spec import parse_spec
from tocsin.config import load_config
from tocsin.store.runtime import Runtime
from tocsin.store.schema import pings
from tocsin.web.app import create_app


@pytest.fixture
def backup(app_runtime: Runtime) -> dict[str, Any]:
    with app_runtime.db.write() as conn:
        return monitors.create(conn, parse_spec({"name": "Backup", "kind": "heartbeat"}),
                               now=app_runtime.clock.now())


def _last_ping(runtime: Runtime) -> dict[str, Any]:
    with runtime.db.read() as conn:
        return dict(conn.execute(select(pings).order_by(pings.c.id.desc())).mappings().first()
                    or {})


def test_a_1_mb_log_is_cut_at_the_limit_and_the_job_still_gets_200(
    client: Any, backup: dict[str, Any], app_runtime: Runtime
) -> None:
    body = b"".join(b"line %06d of the backup log\n" % i for i in range(40_000))[:1_000_000]
    response = client.post(f"/ping/{backup['uuid']}/fail", content=body)
    assert response.status_code == 200 and response.text == "OK"
    row = _last_ping(app_runtime)
    assert row["body"] == body[:100_000].decode()
    assert row["body_truncated"] is True and row["body_size"] == 1_000_000


def test_a_streamed_log_is_read_to_its_end_without_being_kept(
    client: Any, backup: dict[str, Any], app_runtime: Runtime
) -> None:
    def chunks() -> Iterator[bytes]:
        for _ in range(64):
            yield b"z" * 65536

    response = client.post(f"/ping/{backup['uuid']}", content=chunks())
    assert response.status_code == 200
    row = _last_ping(app_runtime)
    assert len(row["body"]) == 100_000 and row["body_size"] == 64 * 65536
    # the connection is still good for the next ping
    assert client.get(f"/ping/{backup['uuid']}").status_code == 200


def test_a_log_of_exactly_the_limit_is_kept_whole(
    client: Any, backup: dict[str, Any], app_runtime: Runtime
) -> None:
    client.post(f"/ping/{backup['uuid']}/log", content=b"a" * 100_000)
    row = _last_ping(app_runtime)
    assert row["body_truncated"] is False and len(row["body"]) == 100_000
    client.post(f"/ping/{backup['uuid']}/log", content=b"a" * 100_001)
    row = _last_ping(app_runtime)
    assert row["body_truncated"] is True and len(row["body"]) == 100_000


def test_the_limit_follows_the_setting(database_url: str, tmp_path: Path) -> None:
    runtime = Runtime.open(load_config(
        {}, database_url=database_url, data_dir=tmp_path, ping_body_limit=9))
    try:
        with runtime.db.write() as conn:
            hb = monitors.create(conn, parse_spec({"name": "Job", "kind": "heartbeat"}),
                                 now=runtime.clock.now())
        with TestClient(create_app(runtime)) as client:
            response = client.post(f"/ping/{hb['uuid']}", content="héllo wörld, it is done")
            assert response.headers["ping-body-limit"] == "9"
        row = _last_ping(runtime)
        # cut inside the "ö": the stray byte becomes a replacement character
        assert row["body"] == "héllo w\ufffd" and row["body_truncated"] is True
        assert row["body_size"] == len("héllo wörld, it is done".encode())
    finally:
        runtime.close()
