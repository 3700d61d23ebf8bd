"""`tocsin serve` as a user runs it: a real process, a real port, SQLite."""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()


def test_serve_starts_on_sqlite_prints_a_setup_link_and_becomes_ready(tmp_path: Path) -> None:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("TOCSIN_")}
    env.update(TOCSIN_DATA_DIR=str(tmp_path / "data"), TOCSIN_PORT=str(port))
    proc = subprocess.Popen([sys.executable, "-m", "tocsin", "serve"], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        assert proc.stdout is not None
        lines = []
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            line = proc.stdout.readline()
            lines.append(line)
            if "Create the first admin" in line:
                break
        link = re.search(r"(http://\S+/setup/\S+)", "".join(lines))
        assert link, "".join(lines)
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 30
        while True:
            try:
                status, body = _get(base + "/ready")
            except OSError:
                status, body = 0, ""
            if status == 200 or time.monotonic() > deadline:
                break
            time.sleep(0.2)
        assert status == 200, body
        assert json.loads(body)["status"] == "pass"
        assert _get(link.group(1))[0] == 200
        assert (tmp_path / "data" / "tocsin.db").exists()
    finally:
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=30)
        if proc.stdout is not None:
            proc.stdout.close()
    assert proc.returncode == 0
