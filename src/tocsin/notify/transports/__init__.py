"""One module per channel kind, each with the same entry point::

    async def send(settings, message, previous_ref, ctx) -> str | None

It returns a reference to the sent message when the transport can update it
later (Slack's channel and ts, Discord's message id, an e-mail's Message-ID),
and raises ``PermanentError`` or ``TransientError``. ``previous_ref`` is the
reference of the first message of the same thread on the same channel.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from tocsin.config import Config
from tocsin.notify.message import Message


@dataclass(frozen=True)
class Context:
    delivery_id: int
    channel_name: str
    config: Config
    deadline: float
    """Seconds this send may take in total."""


Send = Callable[[dict[str, Any], Message, "str | None", Context], Awaitable["str | None"]]


def transport(kind: str) -> Send:
    from tocsin.notify.transports import apprise, discord, email, slack, webhook

    sends: dict[str, Send] = {"webhook": webhook.send, "email": email.send,
                              "apprise": apprise.send, "slack": slack.send,
                              "discord": discord.send}
    return sends[kind]
