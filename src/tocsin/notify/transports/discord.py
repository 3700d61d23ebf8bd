"""Discord: a channel webhook, whose first message of a thread is edited later.

The first message is sent with ``?wait=true`` so Discord answers with the
message (and its id) instead of 204; later messages of the same thread edit
it with ``PATCH /webhooks/{id}/{token}/messages/{message_id}``. A message
that is gone (404 on the edit) is sent anew.
"""

from __future__ import annotations

from typing import Any

import orjson

from tocsin.notify.errors import PermanentError
from tocsin.notify.message import Message
from tocsin.notify.transports import Context
from tocsin.notify.transports.http import call

COLOURS = {"critical": 0xB00020, "high": 0xD35400, "medium": 0xB7950B, "low": 0x2E86C1}
RESOLVED_COLOUR = 0x2E7D32


def payload(message: Message) -> dict[str, Any]:
    description = message.text
    links = [f"[{link.label}]({link.url})" for link in message.links]
    if message.runbook_url:
        links.append(f"[Runbook]({message.runbook_url})")
    if links:
        description = f"{description}\n\n{' · '.join(links)}".strip()
    embed: dict[str, Any] = {
        "title": message.headline[:256], "description": description[:4096],
        "color": RESOLVED_COLOUR if message.status == "resolved"
        else COLOURS[message.severity],
        "fields": [{"name": f.name[:256], "value": f.value[:1024] or "-", "inline": True}
                   for f in message.facts[:25]],
    }
    # no @everyone or role pings from alert text
    return {"embeds": [embed], "allowed_mentions": {"parse": []}}


async def send(settings: dict[str, Any], message: Message, previous_ref: str | None,
               ctx: Context) -> str | None:
    # A webhook URL may carry a query (?thread_id= posts into a forum thread):
    # keep it on both calls.
    url, _, query = settings["url"].partition("?")
    url = url.rstrip("/")
    body = payload(message)
    if previous_ref:
        try:
            await call("PATCH", f"{url}/messages/{previous_ref}" + (f"?{query}" if query else ""),
                       json_body=body, deadline=ctx.deadline)
            return previous_ref
        except PermanentError as exc:
            if exc.status != 404:
                raise
    reply = await call("POST", f"{url}?wait=true" + (f"&{query}" if query else ""),
                       json_body=body, deadline=ctx.deadline)
    try:
        return str(orjson.loads(reply.body)["id"])
    except (orjson.JSONDecodeError, KeyError, TypeError):
        return None
