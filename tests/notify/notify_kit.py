"""A runtime on a fake clock, channels, and one-call delivery for notify tests."""

from __future__ import annotations

import asyncio
import random
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from tocsin.config import load_config
from tocsin.lib.clock import FakeClock
from tocsin.notify import channels, outbox
from tocsin.notify.message import Message
from tocsin.store.runtime import Runtime
from tocsin.worker.deliver import Deliverer


@contextmanager
def notify_runtime(database_url: str, tmp_path: Path, clock: FakeClock,
                   **config: Any) -> Iterator[Runtime]:
    settings = {"database_url": database_url, "data_dir": tmp_path, **config}
    runtime = Runtime.open(load_config({}, **settings), clock=clock)
    try:
        yield runtime
    finally:
        runtime.close()


def add_channel(runtime: Runtime, name: str, kind: str, settings: dict[str, Any],
                **fields: Any) -> int:
    spec = channels.parse_spec({"name": name, "kind": kind, "settings": settings, **fields})
    with runtime.db.write() as conn:
        return channels.create(conn, spec, now=runtime.clock.now()).id


def notify(runtime: Runtime, channel_ids: list[int], message: Message) -> list[int]:
    with runtime.db.write() as conn:
        return outbox.enqueue(conn, channel_ids, message, now=runtime.clock.now())


def deliverer(runtime: Runtime, **kwargs: Any) -> Deliverer:
    kwargs.setdefault("rng", random.Random(7))
    kwargs.setdefault("deadline", 5.0)
    return Deliverer(runtime, **kwargs)


def deliver_due(runtime: Runtime, **kwargs: Any) -> list[str]:
    """Claim what is due now and send it; the outcomes."""
    return asyncio.run(deliverer(runtime, **kwargs).deliver_due())


def delivery(runtime: Runtime, delivery_id: int) -> dict[str, Any]:
    from sqlalchemy import select

    from tocsin.store.schema import deliveries

    with runtime.db.read() as conn:
        row = conn.execute(select(deliveries).where(deliveries.c.id == delivery_id)).mappings()
        return dict(row.one())


def channel(runtime: Runtime, channel_id: int) -> channels.Channel:
    with runtime.db.read() as conn:
        return channels.get(conn, channel_id)


FIRING = Message(title="Checkout API down", text="3 checks failed in a row",
                 severity="critical", source="incident:42", dedup_key="checkout-down")
