"""Two `tocsin worker` processes against one PostgreSQL share the checks:
every slot of every monitor runs exactly once while both are alive."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from tocsin.checks import monitors
from tocsin.checks.spec import parse_spec
from tocsin.lib.clock import SystemClock
from tocsin.store.engine import Database
from tocsin.store.migrate import migrate
from tocsin.store.schema import results, workers


@pytest.fixture
def target() -> Iterator[str]:
    class Ok(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Ok)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()


def test_two_worker_processes_never_run_a_slot_twice(
    pg_database_url: str, target: str, tmp_path: Path
) -> None:
    db = Database.connect(pg_database_url)
    migrate(db)
    now = SystemClock().now()
    with db.write() as conn:
        monitors.create_many(conn, [
            parse_spec({"name": f"m{i}", "kind": "http", "url": target, "interval": "10s"})
            for i in range(30)], now=now)
    env = {k: v for k, v in os.environ.items() if not k.startswith("TOCSIN_")}
    env.update(TOCSIN_DATABASE_URL=pg_database_url, TOCSIN_DATA_DIR=str(tmp_path))
    procs = [subprocess.Popen([sys.executable, "-m", "tocsin", "worker"],
                              env=env | {"TOCSIN_WORKER_ID": name},
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
             for name in ("w1", "w2")]
    try:
        time.sleep(26)  # two and a half intervals
        with db.read() as conn:
            seen = {r.worker_id for r in conn.execute(select(workers.c.worker_id))}
    finally:
        for proc in procs:
            proc.send_signal(signal.SIGTERM)
        for proc in procs:
            proc.wait(timeout=30)
    with db.read() as conn:
        rows = conn.execute(select(results.c.monitor_id, results.c.scheduled_at,
                                   results.c.ok)).all()
    db.dispose()
    assert seen == {"w1", "w2"}
    slots = Counter((r.monitor_id, r.scheduled_at) for r in rows)
    assert slots and max(slots.values()) == 1, "a slot was checked twice"
    per_monitor = Counter(r.monitor_id for r in rows)
    assert len(per_monitor) == 30 and min(per_monitor.values()) >= 2
    assert all(r.ok for r in rows)
    assert all(proc.returncode == 0 for proc in procs)
