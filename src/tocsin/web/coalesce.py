"""Writes that arrive in the same turn of the event loop go to the database together.

At a burst, hundreds of requests are waiting on the batched writer at once;
handing it one function per request costs a savepoint and a statement each.
A :class:`Coalescer` collects the items of one loop turn and submits a single
function over all of them (one ``executemany``), then gives each request its
own outcome. If the combined write fails, each item is written on its own,
so one bad item fails alone.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from functools import partial
from typing import Any, Generic, TypeVar

from sqlalchemy import Connection

from tocsin.store.writer import BatchWriter, WriterStopped

T = TypeVar("T")
R = TypeVar("R")


class Coalescer(Generic[T, R]):
    def __init__(self, write_many: Callable[[Connection, Sequence[T]], Sequence[R]]) -> None:
        self.write_many = write_many
        self._pending: list[tuple[T, asyncio.Future[R]]] = []
        self._tasks: set[asyncio.Task[None]] = set()

    async def write(self, writer: BatchWriter, item: T) -> R:
        loop = asyncio.get_running_loop()
        future: asyncio.Future[R] = loop.create_future()
        if not self._pending:
            # Runs after the handlers already scheduled in this turn have added
            # their items: everything that arrived together goes together.
            loop.call_soon(self._flush, writer)
        self._pending.append((item, future))
        return await future

    def _flush(self, writer: BatchWriter) -> None:
        batch, self._pending = self._pending, []
        task = asyncio.get_running_loop().create_task(self._write(writer, batch))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _write(self, writer: BatchWriter, batch: list[tuple[T, asyncio.Future[R]]]
                     ) -> None:
        items = [item for item, _ in batch]
        outcomes: Sequence[Any]
        try:
            outcomes = await writer.run(lambda conn: self.write_many(conn, items))
        except WriterStopped as exc:
            outcomes = [exc] * len(batch)
        except Exception as exc:
            if len(batch) == 1:
                outcomes = [exc]
            else:  # one bad item must not fail the others: write each on its own
                outcomes = await asyncio.gather(
                    *(writer.run(partial(self._write_one, one=one)) for one in items),
                    return_exceptions=True)
        self._settle(batch, outcomes)

    def _write_one(self, conn: Connection, *, one: T) -> R:
        return self.write_many(conn, [one])[0]

    @staticmethod
    def _settle(batch: list[tuple[T, asyncio.Future[R]]], outcomes: Sequence[Any]) -> None:
        for (_, future), outcome in zip(batch, outcomes, strict=True):
            if future.done():  # the client went away; its item is stored anyway
                continue
            if isinstance(outcome, BaseException):
                future.set_exception(outcome)
            else:
                future.set_result(outcome)
