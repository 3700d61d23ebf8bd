"""E-mail goes to a real SMTP server (aiosmtpd) as text and HTML; a 5xx is
permanent; later messages of a thread answer the first."""

from __future__ import annotations

import email
import socket
from collections.abc import Iterator
from email.message import Message as Mail
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from notify_kit import FIRING, add_channel, channel, deliver_due, notify, notify_runtime

from tocsin.lib.clock import FakeClock
from tocsin.notify.message import Fact, Link, Message


class Inbox:
    def __init__(self) -> None:
        self.mails: list[tuple[list[str], Mail]] = []
        self.refuse: str | None = None

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str,  # noqa: N802
                          options: Any) -> str:
        if self.refuse and address == self.refuse:
            return "550 5.1.1 no such user"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        self.mails.append((list(envelope.rcpt_tos),
                           email.message_from_bytes(envelope.content)))
        return "250 Message accepted for delivery"


@pytest.fixture
def smtp() -> Iterator[tuple[Inbox, int]]:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = int(sock.getsockname()[1])
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    yield inbox, port
    controller.stop()


def _parts(mail: Mail) -> dict[str, str]:
    return {part.get_content_type(): part.get_payload(decode=True).decode()
            for part in mail.walk() if not part.is_multipart()}


def test_it_sends_text_and_html_to_every_address(
        smtp: tuple[Inbox, int], sqlite_database_url: str, tmp_path: Path,
        clock: FakeClock) -> None:
    inbox, port = smtp
    message = Message(title="Disk almost full", text="db-1 at 93 %", severity="high",
                      facts=(Fact("Host", "db-1"),),
                      links=(Link("Acknowledge", "https://t.example/ack?s=1&t=2"),),
                      thread="incident:7")
    with notify_runtime(sqlite_database_url, tmp_path, clock, smtp_host="127.0.0.1",
                        smtp_port=port, smtp_starttls=False,
                        smtp_from="alerts@tocsin.example") as rt:
        cid = add_channel(rt, "ops mail", "email", {"to": ["a@example.org", "b@example.org"]})
        notify(rt, [cid], message)
        assert deliver_due(rt) == ["sent"]
        notify(rt, [cid], Message(title="Disk almost full", status="resolved",
                                  severity="high", thread="incident:7"))
        assert deliver_due(rt) == ["sent"]
    (to, first), (_, second) = inbox.mails
    assert to == ["a@example.org", "b@example.org"]
    assert first["Subject"] == "[FIRING] P1 Disk almost full"
    assert first["From"] == "alerts@tocsin.example"
    parts = _parts(first)
    assert "Host: db-1" in parts["text/plain"]
    assert "Acknowledge: https://t.example/ack?s=1&t=2" in parts["text/plain"]
    assert "href='https://t.example/ack?s=1&amp;t=2'" in parts["text/html"]
    assert second["Subject"] == "[RESOLVED] P1 Disk almost full"
    assert second["In-Reply-To"] == first["Message-ID"]


def test_a_refused_recipient_is_permanent(
        smtp: tuple[Inbox, int], sqlite_database_url: str, tmp_path: Path,
        clock: FakeClock) -> None:
    inbox, port = smtp
    inbox.refuse = "gone@example.org"
    with notify_runtime(sqlite_database_url, tmp_path, clock, smtp_host="127.0.0.1",
                        smtp_port=port, smtp_starttls=False) as rt:
        cid = add_channel(rt, "ops mail", "email", {"to": ["gone@example.org"]})
        notify(rt, [cid], FIRING)
        assert deliver_due(rt) == ["failed"]
        assert "no such user" in (channel(rt, cid).failure_reason or "")


def test_without_a_mail_server_it_says_what_to_set(
        sqlite_database_url: str, tmp_path: Path, clock: FakeClock) -> None:
    with notify_runtime(sqlite_database_url, tmp_path, clock) as rt:
        cid = add_channel(rt, "ops mail", "email", {"to": ["a@example.org"]})
        notify(rt, [cid], FIRING)
        assert deliver_due(rt) == ["failed"]
        assert "TOCSIN_SMTP_HOST" in (channel(rt, cid).failure_reason or "")
