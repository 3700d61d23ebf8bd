"""The alerting benchmark's two peers on 127.0.0.1, in one child process.

    python benchmarks/alert_peers.py TARGET_PORT HOOK_PORT

- the **target** answers every ``GET /<name>`` with 200, or 503 once that
  name (or every name) has been flipped; ``POST /_control/fail`` with
  ``{"names": [...]}`` or ``{"all": true}`` flips, and answers the flip's
  ``time.time()``;
- the **receiver** answers every POST with 200 and keeps its arrival time
  (``time.time()`` once the whole body is read) and JSON body;
  ``GET /_control/received`` on the target port returns them all.

Raw asyncio, one event loop, no framework: a peer that costs little CPU on
the two cores it shares with Tocsin, and the same process for both so a
flip and an arrival are stamped by one clock.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import sys
import time
from typing import Any

MAX_BODY = 1 << 20  # a message is a few kB; refuse anything absurd
OK = b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 3\r\n\r\nok\n"
DOWN = (b"HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/plain\r\n"
        b"Content-Length: 5\r\n\r\ndown\n")


class Peers:
    def __init__(self) -> None:
        self.failing: set[str] = set()
        self.all_failing = False
        self.received: list[dict[str, Any]] = []

    async def _requests(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter,
                        answer: Any) -> None:
        """Keep-alive HTTP/1.1: read each request whole, then let ``answer`` reply."""
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                lines = head.decode("latin-1").split("\r\n")
                method, path, _ = lines[0].split(" ", 2)
                headers = {k.strip().lower(): v.strip() for k, _, v in
                           (line.partition(":") for line in lines[1:] if line)}
                size = int(headers.get("content-length", "0"))
                if size > MAX_BODY:
                    return
                body = await reader.readexactly(size) if size else b""
                writer.write(answer(method, path, body, time.time()))
                await writer.drain()
                if headers.get("connection", "").lower() == "close":
                    return
        except (OSError, ValueError, asyncio.IncompleteReadError, asyncio.LimitOverrunError):
            pass
        finally:
            writer.transport.abort()

    def target(self, method: str, path: str, body: bytes, now: float) -> bytes:
        if path == "/_control/fail" and method == "POST":
            doc = json.loads(body or b"{}")
            self.all_failing = self.all_failing or bool(doc.get("all"))
            self.failing.update(str(n) for n in doc.get("names", []))
            return _json({"at": now})
        if path == "/_control/received":
            return _json(self.received)
        name = path.lstrip("/").partition("?")[0]
        return DOWN if self.all_failing or name in self.failing else OK

    def hook(self, method: str, path: str, body: bytes, now: float) -> bytes:
        if method == "POST":
            with contextlib.suppress(ValueError):
                self.received.append({"at": now, "path": path, "body": json.loads(body)})
        return OK


def _json(doc: Any) -> bytes:
    data = json.dumps(doc).encode()
    return (b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: "
            + str(len(data)).encode() + b"\r\n\r\n" + data)


async def serve(target_port: int, hook_port: int) -> None:
    peers = Peers()
    target = await asyncio.start_server(
        lambda r, w: peers._requests(r, w, peers.target), "127.0.0.1", target_port,
        backlog=4096)
    hook = await asyncio.start_server(
        lambda r, w: peers._requests(r, w, peers.hook), "127.0.0.1", hook_port, backlog=1024)
    async with target, hook:
        await asyncio.gather(target.serve_forever(), hook.serve_forever())


if __name__ == "__main__":
    asyncio.run(serve(int(sys.argv[1]), int(sys.argv[2])))
