"""Sale badges and quantity tiers."""

from __future__ import annotations

import logging
from decimal import Decimal

from shopapp import catalog

log = logging.getLogger(__name__)


def savings_percent(list_price: float, sale_price: float) -> int:
    """The "-20 %" badge on a product tile."""
    return round((list_price - sale_price) / list_price * 100)


def badge(sku: str, list_price: float, sale_price: float) -> str:
    percent = savings_percent(list_price, sale_price)
    log.info("badge for %s: -%d %%", sku, percent)
    return f"-{percent} %"


def tier_price(sku: str, quantity: int) -> Decimal:
    """The unit price for a quantity: the highest tier the quantity reaches."""
    product = catalog.product(sku)
    reached = [price for minimum, price in product.price_tiers if quantity >= minimum]
    return reached[-1]
