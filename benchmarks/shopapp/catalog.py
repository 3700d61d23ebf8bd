"""Products and prices as the catalogue feed delivers them."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from decimal import Decimal

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Product:
    sku: str
    name: str
    price: Decimal | None  # None: discontinued, no longer sold
    weight_g: int
    price_tiers: tuple[tuple[int, Decimal], ...] = ()


PRODUCTS = {
    "MUG-001": Product("MUG-001", "Enamel mug", Decimal("12.50"), 350,
                       ((10, Decimal("11.00")), (50, Decimal("9.90")))),
    "TEE-042": Product("TEE-042", "Organic T-shirt", Decimal("24.00"), 180),
    "CAP-007": Product("CAP-007", "Canvas cap", Decimal("18.00"), 120),
    "BAG-310": Product("BAG-310", "Tote bag", Decimal("15.00"), 210),
    "PEN-900": Product("PEN-900", "Fountain pen", None, 40),
    "BOOK-77": Product("BOOK-77", "Field notes", Decimal("9.50"), 90),
}


def product(sku: str) -> Product:
    return PRODUCTS[sku]


def parse_price(text: str, currency: str = "EUR") -> Decimal:
    """A price from the supplier feed: "12.50" (the feed sometimes sends "12,50")."""
    log.info("parsing %s price %r", currency, text)
    cleaned = text.strip().removesuffix(currency).strip()
    return Decimal(cleaned).quantize(Decimal("0.01"))


def import_feed_row(row: dict[str, str]) -> Product:
    price = parse_price(row["price"], row.get("currency", "EUR"))
    return Product(row["sku"], row["name"], price, int(row.get("weight_g", "0")))
