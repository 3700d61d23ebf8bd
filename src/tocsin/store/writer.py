"""The batched writer: many small writes, one commit (group commit).

Hot paths (pings, check results) hand a function of a connection to
:meth:`BatchWriter.submit` and wait for its future. One thread drains the queue,
runs up to ``batch_size`` functions inside one transaction, each in its own
SAVEPOINT so a bad item fails alone, commits once, and only then resolves the
futures. So a 2xx sent after the future resolves means the write is durable,
and one fsync is shared by every write in the batch.
"""

from __future__ import annotations

import asyncio
import logging
import queue
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from typing import Any, TypeVar

from sqlalchemy import Connection

from tocsin.store.engine import Database

T = TypeVar("T")
log = logging.getLogger(__name__)

_STOP = object()
_Item = tuple[Callable[[Connection], Any], Future[Any]]


class WriterStopped(RuntimeError):
    pass


class BatchWriter:
    def __init__(self, db: Database, *, batch_size: int = 500, max_delay: float = 0.002) -> None:
        self.db = db
        self.batch_size = batch_size
        self.max_delay = max_delay
        self._queue: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._stopping = False
        self.batches = 0
        self.items = 0

    def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="tocsin-writer", daemon=True)
            self._thread.start()

    def stop(self) -> None:
        """Finish every write already submitted, then stop the thread."""
        if self._thread is None:
            return
        self._stopping = True
        self._queue.put(_STOP)
        self._thread.join()
        self._thread = None
        self._stopping = False

    def submit(self, fn: Callable[[Connection], T]) -> Future[T]:
        if self._stopping or self._thread is None:
            raise WriterStopped("the batched writer is not running")
        future: Future[T] = Future()
        self._queue.put((fn, future))
        return future

    def queued(self) -> int:
        """Writes waiting for the writer thread (approximate)."""
        return self._queue.qsize()

    async def run(self, fn: Callable[[Connection], T]) -> T:
        """Submit from async code and wait until the write is committed."""
        return await asyncio.wrap_future(self.submit(fn))

    def _collect(self, first: Any) -> tuple[list[_Item], bool]:
        batch = [first]
        stop = False
        deadline = time.monotonic() + self.max_delay
        while len(batch) < self.batch_size:
            timeout = deadline - time.monotonic()
            try:
                item = self._queue.get(timeout=timeout) if timeout > 0 else self._queue.get_nowait()
            except queue.Empty:
                break
            if item is _STOP:
                stop = True
                continue
            batch.append(item)
        return batch, stop

    def _run(self) -> None:
        while True:
            first = self._queue.get()
            if first is _STOP:
                if self._queue.empty():
                    return
                self._queue.put(_STOP)
                continue
            batch, stop = self._collect(first)
            self._write(batch)
            if stop:
                self._queue.put(_STOP)

    def _write(self, batch: list[_Item]) -> None:
        outcomes: list[tuple[Future[Any], bool, Any]] = []
        try:
            with self.db.write() as conn:
                for fn, future in batch:
                    if not future.set_running_or_notify_cancel():
                        continue
                    try:
                        with conn.begin_nested():
                            outcomes.append((future, True, fn(conn)))
                    except Exception as exc:  # one bad write must not sink the batch
                        outcomes.append((future, False, exc))
        except Exception as exc:
            log.exception("batched commit of %d writes failed", len(batch))
            for _fn, future in batch:
                if not future.done():
                    future.set_exception(exc)
            return
        self.batches += 1
        self.items += len(outcomes)
        for future, ok, value in outcomes:
            if ok:
                future.set_result(value)
            else:
                future.set_exception(value)
