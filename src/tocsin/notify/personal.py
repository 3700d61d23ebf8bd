"""E-mail to one person: the channel behind "page Ana" in an escalation policy.

Every delivery belongs to a channel (its outbox row, rate limit, failing flag
and attempt log hang off it), so a page to a person's address goes through an
``email`` channel named after the address, made on first use with source
``person``. tocsin.yaml's prune only removes channels it made, so these stay;
the channel list shows them, which is also where a bouncing address shows up
as failing.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection

from tocsin.notify import channels, outbox
from tocsin.notify.message import Message

SOURCE = "person"


def channel_name(address: str) -> str:
    return f"e-mail {address}"[:100]


def enqueue_email(conn: Connection, to: str, message: Message, *, now: datetime
                  ) -> tuple[str, int]:
    """Queue ``message`` to the address; the channel's name and the delivery id."""
    name = channel_name(to)
    channel = channels.by_name(conn, name)
    if channel is None:
        spec = channels.parse_spec({"name": name, "kind": "email", "settings": {"to": [to]}})
        channel = channels.create(conn, spec, now=now, source=SOURCE)
    [delivery_id] = outbox.enqueue(conn, [channel.id], message, now=now)
    return name, delivery_id
