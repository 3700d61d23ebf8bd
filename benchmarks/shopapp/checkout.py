"""Checkout: the address, delivery date and the order's state."""

from __future__ import annotations

import logging
import re
from datetime import date, datetime

log = logging.getLogger(__name__)

_POSTCODES = {"DE": re.compile(r"^\d{5}$"), "NL": re.compile(r"^\d{4} ?[A-Z]{2}$"),
              "FR": re.compile(r"^\d{5}$"), "GB": re.compile(r"^[A-Z]{1,2}\d[A-Z\d]? ?\d[A-Z]{2}$")}


class ValidationError(Exception):
    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field


def validate_address(address: dict[str, str]) -> dict[str, str]:
    country = address.get("country", "")
    pattern = _POSTCODES.get(country)
    if pattern is None:
        raise ValidationError("country", f"we do not ship to {country!r}")
    if not pattern.match(address.get("postcode", "")):
        raise ValidationError("postcode", f"{address.get('postcode')!r} is not a {country} "
                                          "postcode")
    return address


def preferred_delivery(form: dict[str, str]) -> date:
    """The delivery date the customer picked (the date widget sends ISO dates)."""
    return datetime.strptime(form["delivery_date"], "%Y-%m-%d").date()


def check_stuck(order_id: str, state: str, seconds_in_state: int) -> bool:
    if state == "payment_pending" and seconds_in_state > 900:
        log.error("Order %s stuck in state %s for %d s", order_id, state, seconds_in_state)
        return True
    return False
