"""Apprise: one or more Apprise URLs, for the long tail of services.

Apprise is synchronous (threads over ``requests``, with its own 4 s connect
and read timeouts per request), so it runs in a thread under our deadline.
It cannot update a sent message (caronc/apprise#699) and its result does not
say whether a failure is worth retrying, so every failure is retried until
the outbox gives up; a URL Apprise cannot parse is permanent. Apprise makes
its requests itself (with ``requests``): the one sender that does not go
through ``lib.outbound``, which is why it runs under our deadline here.
"""

from __future__ import annotations

import asyncio
from typing import Any

from tocsin.notify.errors import PermanentError, TransientError
from tocsin.notify.kinds import load_apprise
from tocsin.notify.message import Message
from tocsin.notify.transports import Context

_TYPES = {"firing": "failure", "acknowledged": "warning", "resolved": "success",
          "test": "info"}


def body_of(message: Message) -> str:
    lines = [message.text] if message.text else []
    lines += [f"{f.name}: {f.value}" for f in message.facts]
    lines += [f"{link.label}: {link.url}" for link in message.links]
    if message.runbook_url:
        lines.append(f"Runbook: {message.runbook_url}")
    return "\n".join(lines) or message.title


def _notify(urls: list[str], message: Message) -> tuple[bool, str]:
    sender = load_apprise().Apprise()
    for url in urls:
        if not sender.add(url):
            raise PermanentError("Apprise cannot parse one of the channel's URLs")
    result = sender.notify(body=body_of(message), title=message.headline,
                           notify_type=_TYPES[message.status])
    return bool(result), f"{getattr(result, 'failed_count', '?')} of {len(urls)} failed"


async def send(settings: dict[str, Any], message: Message, previous_ref: str | None,
               ctx: Context) -> str | None:
    try:
        ok, detail = await asyncio.wait_for(
            asyncio.to_thread(_notify, list(settings["urls"]), message), ctx.deadline)
    except TimeoutError:
        raise TransientError(f"Apprise did not finish within {ctx.deadline:g} s") from None
    if not ok:
        raise TransientError(f"Apprise could not send: {detail}")
    return None
