"""Slack: an incoming webhook, or a bot token and channel.

An incoming webhook can only post, so every message is a new one. A bot posts
with ``chat.postMessage`` and keeps the channel and ``ts`` of the first
message of a thread; later messages of the thread (ACKNOWLEDGED, RESOLVED)
rewrite it with ``chat.update`` so the channel shows the current state once.
Slack answers errors of the Web API with HTTP 200 and ``{"ok": false}``;
``ratelimited`` and Slack's own faults are retried, the rest are permanent.
"""

from __future__ import annotations

from typing import Any

import orjson

from tocsin.notify.errors import PermanentError, TransientError
from tocsin.notify.kinds import SLACK_API
from tocsin.notify.message import Link, Message
from tocsin.notify.transports import Context
from tocsin.notify.transports.http import call

COLOURS = {"critical": "#b00020", "high": "#d35400", "medium": "#b7950b", "low": "#2e86c1"}
RESOLVED_COLOUR = "#2e7d32"
_RETRY = {"ratelimited", "internal_error", "fatal_error", "service_unavailable",
          "request_timeout"}


def payload(message: Message) -> dict[str, Any]:
    fields = [{"type": "mrkdwn", "text": f"*{f.name}*\n{f.value}"} for f in message.facts]
    blocks: list[dict[str, Any]] = [
        {"type": "section", "text": {"type": "mrkdwn", "text": f"*{message.headline}*"
                                     + (f"\n{message.text}" if message.text else "")}}]
    if fields:
        blocks.append({"type": "section", "fields": fields[:10]})  # Slack's limit
    links = list(message.links)
    if message.runbook_url:
        links.append(Link("Runbook", message.runbook_url))
    if links:
        blocks.append({"type": "actions", "elements": [
            {"type": "button", "text": {"type": "plain_text", "text": link.label},
             "url": link.url} for link in links[:5]]})
    colour = RESOLVED_COLOUR if message.status == "resolved" else COLOURS[message.severity]
    return {"text": message.headline, "attachments": [{"color": colour, "blocks": blocks}]}


async def _api(settings: dict[str, Any], method: str, body: dict[str, Any],
               ctx: Context) -> dict[str, Any]:
    base = settings.get("api_url", SLACK_API).rstrip("/")
    reply = await call("POST", f"{base}/{method}", json_body=body, deadline=ctx.deadline,
                       headers={"Authorization": f"Bearer {settings['token']}",
                                "Content-Type": "application/json; charset=utf-8"})
    answer: dict[str, Any] = orjson.loads(reply.body or b"{}")
    if not answer.get("ok"):
        error = str(answer.get("error", "unknown_error"))
        if error in _RETRY:
            raise TransientError(f"Slack {method}: {error}", status=reply.status)
        raise PermanentError(f"Slack {method}: {error}", status=reply.status)
    return answer


async def send(settings: dict[str, Any], message: Message, previous_ref: str | None,
               ctx: Context) -> str | None:
    body = payload(message)
    if "url" in settings:
        await call("POST", settings["url"], json_body=body, deadline=ctx.deadline)
        return None
    if previous_ref:
        channel, _, ts = previous_ref.partition("|")
        try:
            await _api(settings, "chat.update", {**body, "channel": channel, "ts": ts}, ctx)
            return previous_ref
        except PermanentError as exc:
            if "message_not_found" not in str(exc) and "cant_update" not in str(exc):
                raise
            # Deleted or too old to edit: post it as a new message instead.
    answer = await _api(settings, "chat.postMessage",
                        {**body, "channel": settings["channel"]}, ctx)
    return f"{answer.get('channel', settings['channel'])}|{answer.get('ts', '')}"
