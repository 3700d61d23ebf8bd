"""E-mail over SMTP: a text part and an HTML part, one message per delivery.

smtplib runs in a thread with its socket timeout set to the deadline, so a
silent server cannot hold a send longer than that; aiosmtplib would avoid the
thread but is one more dependency for a path that sends a few mails a day.
Messages of one thread answer the first (In-Reply-To), so mail clients show
FIRING, ACKNOWLEDGED and RESOLVED together. 5xx replies and refused
recipients are permanent; 4xx replies and network failures are retried.
"""

from __future__ import annotations

import asyncio
import html
import smtplib
import ssl
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from typing import Any

from tocsin.config import Config
from tocsin.notify.errors import PermanentError, TransientError
from tocsin.notify.message import Message
from tocsin.notify.transports import Context

COLOURS = {"critical": "#b00020", "high": "#d35400", "medium": "#b7950b", "low": "#2e86c1"}


def compose(message: Message, to: list[str], sender: str, previous_ref: str | None
            ) -> EmailMessage:
    mail = EmailMessage()
    mail["Subject"] = message.headline
    mail["From"] = sender
    mail["To"] = ", ".join(to)
    mail["Date"] = formatdate(localtime=False)
    mail["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2] or "tocsin")
    if previous_ref:
        mail["In-Reply-To"] = previous_ref
        mail["References"] = previous_ref
    lines = [message.headline, "", message.text, ""]
    lines += [f"{f.name}: {f.value}" for f in message.facts]
    lines += [f"{link.label}: {link.url}" for link in message.links]
    if message.runbook_url:
        lines.append(f"Runbook: {message.runbook_url}")
    mail.set_content("\n".join(lines).strip() + "\n")
    e = html.escape
    rows = "".join(f"<tr><th align='left'>{e(f.name)}</th><td>{e(f.value)}</td></tr>"
                   for f in message.facts)
    links = " · ".join(f"<a href='{e(link.url)}'>{e(link.label)}</a>"
                       for link in message.links)
    if message.runbook_url:
        links += f"{' · ' if links else ''}<a href='{e(message.runbook_url)}'>Runbook</a>"
    mail.add_alternative(
        f"<html><body><h2 style='color:{COLOURS[message.severity]}'>{e(message.headline)}"
        f"</h2><p>{e(message.text)}</p><table>{rows}</table><p>{links}</p></body></html>",
        subtype="html")
    return mail


def _deliver(config: Config, mail: EmailMessage, to: list[str], timeout: float) -> None:
    assert config.smtp_host is not None
    host, port = config.smtp_host, config.smtp_port
    client: smtplib.SMTP
    if config.smtp_tls:
        client = smtplib.SMTP_SSL(host, port, timeout=timeout,
                                  context=ssl.create_default_context())
    else:
        client = smtplib.SMTP(host, port, timeout=timeout)
    with client:
        if config.smtp_starttls and not config.smtp_tls:
            client.starttls(context=ssl.create_default_context())
        if config.smtp_username:
            client.login(config.smtp_username, config.smtp_password or "")
        client.send_message(mail, to_addrs=to)


async def send(settings: dict[str, Any], message: Message, previous_ref: str | None,
               ctx: Context) -> str | None:
    config = ctx.config
    if not config.smtp_host:
        raise PermanentError("e-mail is not set up: set TOCSIN_SMTP_HOST (see "
                             "docs/configuration.md)")
    to = list(settings["to"])
    mail = compose(message, to, config.smtp_from, previous_ref)
    try:
        await asyncio.wait_for(asyncio.to_thread(_deliver, config, mail, to, ctx.deadline),
                               ctx.deadline)
    except (smtplib.SMTPRecipientsRefused, smtplib.SMTPSenderRefused,
            smtplib.SMTPAuthenticationError, smtplib.SMTPNotSupportedError) as exc:
        raise PermanentError(f"the mail server refused: {exc}") from None
    except smtplib.SMTPResponseException as exc:
        text = f"SMTP {exc.smtp_code}: {exc.smtp_error!r}"
        if 500 <= exc.smtp_code < 600:
            raise PermanentError(text, status=exc.smtp_code) from None
        raise TransientError(text, status=exc.smtp_code) from None
    except TimeoutError:
        raise TransientError(f"the mail server did not answer within {ctx.deadline:g} s"
                             ) from None
    except (smtplib.SMTPException, OSError) as exc:
        raise TransientError(f"{type(exc).__name__}: {exc}") from None
    return str(mail["Message-ID"])
