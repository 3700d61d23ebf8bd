"""Order e-mails: render, then hand to the SMTP relay."""

from __future__ import annotations

import logging
import smtplib

log = logging.getLogger(__name__)


def subject_header(order_id: str, customer_name: str) -> bytes:
    # an old template path that still encodes headers as ASCII
    return f"Your order {order_id}, {customer_name}".encode("ascii")


def _relay(recipient: str) -> None:
    raise smtplib.SMTPRecipientsRefused({recipient: (550, b"5.1.1 mailbox unavailable")})


def send_receipt(order_id: str, recipient: str) -> bool:
    try:
        _relay(recipient)
    except smtplib.SMTPException:
        log.exception("Could not send the receipt for order %s", order_id)
        return False
    return True
