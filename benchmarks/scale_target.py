"""The fast local target of the scale benchmark: nginx, or a stand-in.

nginx runs from a private config and prefix (never the system service): one
worker process, no access log, a tiny static body at ``/ok``. Without
``/usr/sbin/nginx`` a minimal asyncio HTTP server runs in a child process
instead, and the report says so; it costs more CPU per request than nginx, on
the same two cores as Tocsin.
"""

from __future__ import annotations

import asyncio
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import psutil  # type: ignore[import-untyped]  # no stubs in the venv

NGINX = Path("/usr/sbin/nginx")
INSTALL_HINT = "nginx not found: install it with `apt-get install -y nginx` (Debian's package)"

CONFIG = """\
worker_processes 1;
daemon off;
pid {prefix}/nginx.pid;
error_log {prefix}/error.log warn;
events {{ worker_connections 8192; }}
http {{
    access_log off;
    client_body_temp_path {prefix}/body;
    proxy_temp_path {prefix}/proxy;
    fastcgi_temp_path {prefix}/fastcgi;
    uwsgi_temp_path {prefix}/uwsgi;
    scgi_temp_path {prefix}/scgi;
    server {{
        listen 127.0.0.1:{port} backlog=4096;
        location = /ok {{
            default_type text/plain;
            return 200 "ok\\n";
        }}
    }}
}}
"""

RESPONSE = (b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 3\r\n"
            b"Connection: close\r\n\r\nok\n")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Target:
    kind: str
    url: str
    proc: subprocess.Popen[bytes]

    def processes(self) -> list[psutil.Process]:
        """The target's processes (nginx master and worker), for their CPU."""
        main = psutil.Process(self.proc.pid)
        return [main, *main.children()]

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def start(work: Path, script: Path) -> Target:
    port = free_port()
    if NGINX.exists():
        prefix = work / "nginx"
        prefix.mkdir()
        conf = prefix / "nginx.conf"
        conf.write_text(CONFIG.format(prefix=prefix, port=port))
        proc = subprocess.Popen([str(NGINX), "-p", str(prefix), "-c", str(conf), "-e", "stderr"])
        kind = "nginx " + _nginx_version()
    else:
        print(INSTALL_HINT + "; using a small asyncio server instead", file=sys.stderr)
        proc = subprocess.Popen([sys.executable, str(script), "--serve-fallback", str(port)])
        kind = "asyncio fallback server (nginx missing)"
    _wait_listening(port, proc)
    return Target(kind, f"http://127.0.0.1:{port}/ok", proc)


def _nginx_version() -> str:
    out = subprocess.run([str(NGINX), "-v"], capture_output=True, text=True).stderr
    return out.strip().rpartition("/")[2]


def _wait_listening(port: int, proc: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            sys.exit(f"the target server exited with {proc.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)
    sys.exit(f"the target server did not listen on {port} within 10 s")


def serve_fallback(port: int) -> None:
    """Child-process entry (``scale_monitors.py --serve-fallback PORT``)."""

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            await reader.readuntil(b"\r\n\r\n")
            writer.write(RESPONSE)
            await writer.drain()
        except (OSError, asyncio.IncompleteReadError):
            pass
        finally:
            writer.transport.abort()

    async def main() -> None:
        server = await asyncio.start_server(handle, "127.0.0.1", port, backlog=4096)
        async with server:
            await server.serve_forever()

    asyncio.run(main())
