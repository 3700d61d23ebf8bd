"""The cron lines people already have, run by the real curl against a real
server: ``curl -fsS -m 10 --retry 5 --data-raw "$m" URL/$?`` and friends."""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from tocsin.checks import monitors
from tocsin.checks.spec import parse_spec
from tocsin.store.runtime import Runtime
from tocsin.store.schema import pings


@pytest.fixture
def live_server(request: pytest.FixtureRequest) -> Callable[..., Any]:
    # tests/conftest.py's helper, found by path: "from conftest import" would
    # pick whichever of the suite's conftest modules was imported last.
    root = Path(__file__).resolve().parents[1] / "conftest.py"
    return request.config.pluginmanager.get_plugin(str(root)).live_server  # type: ignore[no-any-return,union-attr]


def _bash(script: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["bash", "-c", script], capture_output=True, text=True, timeout=60,
                          env={"PATH": "/usr/bin:/bin", **env})


def _rows(runtime: Runtime) -> list[dict[str, Any]]:
    with runtime.db.read() as conn:
        return [dict(r) for r in conn.execute(select(pings).order_by(pings.c.id)).mappings()]


def test_the_classic_cron_line_reports_exit_status_and_log(
    runtime: Runtime, live_server: Callable[..., Any]
) -> None:
    with runtime.db.write() as conn:
        hb = monitors.create(conn, parse_spec({"name": "Backup", "kind": "heartbeat"}),
                             now=runtime.clock.now())
    line = 'curl -fsS -m 10 --retry 5 --data-raw "$m" "$URL/$?"'
    with live_server(runtime) as server:
        url = f"{server.url}/ping/{hb['uuid']}"
        ok = _bash(f'm=$(echo "dumped 3 databases"; true); {line}', URL=url)
        assert (ok.returncode, ok.stdout) == (0, "OK")
        failed = _bash(f'm=$(echo "pg_dump: no space left"; exit 4); {line}', URL=url)
        assert (failed.returncode, failed.stdout) == (0, "OK")
        head = _bash('curl -fsS -I "$URL"', URL=url)
        assert head.returncode == 0 and "ping-body-limit: 100000" in head.stdout.lower()
    first, second, third = _rows(runtime)
    assert (first["kind"], first["exit_status"], first["body"]) == (
        "success", 0, "dumped 3 databases")
    assert (second["kind"], second["exit_status"]) == ("fail", 4)
    assert first["method"] == "POST" and first["user_agent"].startswith("curl/")
    assert third["method"] == "HEAD"
    with runtime.db.read() as conn:
        row = monitors.get(conn, hb["uuid"])
    assert row["status"] == "up"  # the HEAD ping after the failure was a success
    assert row["n_pings"] == 3


def test_a_wrapped_job_with_a_run_id_and_a_long_log(
    runtime: Runtime, live_server: Callable[..., Any], tmp_path: Path
) -> None:
    with runtime.db.write() as conn:
        hb = monitors.create(conn, parse_spec(
            {"name": "Backup", "slug": "backup", "kind": "heartbeat"}), now=runtime.clock.now())
        key = monitors.project_of(conn, hb).ping_key
    log = tmp_path / "job.log"
    log.write_bytes(b"x" * 1_000_000)
    script = (
        'rid=$(cat /proc/sys/kernel/random/uuid)\n'
        'curl -fsS -m 10 --retry 5 "$URL/start?rid=$rid" >/dev/null\n'
        'sleep 0.2\n'
        'curl -fsS -m 10 --retry 5 --data-binary @"$LOG" "$URL/0?rid=$rid"\n'
    )
    with live_server(runtime) as server:
        done = _bash(script, URL=f"{server.url}/ping/{key}/backup", LOG=str(log))
        missing = _bash('curl -sS -o /dev/null -w "%{http_code}" "$URL"',
                        URL=f"{server.url}/ping/{key}/no-such-job")
        failing = _bash('curl -fsS "$URL"', URL=f"{server.url}/ping/{key}/no-such-job")
    assert (done.returncode, done.stdout) == (0, "OK"), done.stderr
    assert missing.stdout == "404"
    assert failing.returncode == 22  # curl -f: the job's wrapper sees the error
    start, finish = _rows(runtime)
    assert start["rid"] == finish["rid"] and start["kind"] == "start"
    assert finish["run_duration_s"] is not None and finish["run_duration_s"] >= 0.2
    assert finish["body_truncated"] is True and finish["body_size"] == 1_000_000
