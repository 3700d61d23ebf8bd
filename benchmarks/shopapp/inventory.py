"""Stock levels and reservations."""

from __future__ import annotations

import logging

log = logging.getLogger(__name__)

STOCK = {"MUG-001": 40, "TEE-042": 3, "CAP-007": 0, "BAG-310": 12, "BOOK-77": 7}


class OutOfStock(Exception):
    def __init__(self, sku: str, wanted: int, available: int) -> None:
        super().__init__(f"{sku}: wanted {wanted}, {available} in stock")
        self.sku, self.wanted, self.available = sku, wanted, available


def reserve(sku: str, quantity: int, order_id: str) -> None:
    available = STOCK.get(sku, 0)
    if quantity > available:
        raise OutOfStock(sku, quantity, available)
    STOCK[sku] = available - quantity
    log.info("order %s reserved %d x %s", order_id, quantity, sku)


def apply_delivery(sku: str, delivered: int, expected: int) -> None:
    """Goods in: what the warehouse counted against the purchase order."""
    assert delivered <= expected, f"{sku}: delivered {delivered} > ordered {expected}"
    STOCK[sku] = STOCK.get(sku, 0) + delivered


def sync_from_warehouse(levels: dict[str, int]) -> int:
    """Take the warehouse's counts; a negative count is their bug, logged and skipped."""
    taken = 0
    for sku, level in levels.items():
        if level < 0:
            log.error("Stock for %s went negative in the warehouse feed: %d", sku, level)
            continue
        STOCK[sku] = level
        taken += 1
    return taken
