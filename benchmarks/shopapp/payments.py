"""The card payment gateway's client."""

from __future__ import annotations

import json
import logging
from decimal import Decimal

log = logging.getLogger(__name__)

GATEWAY = "https://pay.example.net/v2"


class PaymentError(Exception):
    pass


class PaymentDeclined(PaymentError):
    def __init__(self, order_id: str, code: str) -> None:
        super().__init__(f"order {order_id}: card declined ({code})")
        self.code = code


class GatewayTimeout(PaymentError, TimeoutError):
    pass


class GatewayUnavailable(PaymentError):
    pass


def _post(path: str, payload: dict[str, object], answer: dict[str, object]) -> dict[str, object]:
    # no network in the benchmark: the "gateway" answers what the scenario wants
    log.info("POST %s%s", GATEWAY, path)
    if answer.get("timeout"):
        raise GatewayTimeout(f"{GATEWAY}{path}: no answer within 10 s")
    if answer.get("refused"):
        raise ConnectionRefusedError(111, "Connection refused")
    return answer


def charge(order_id: str, amount: Decimal, card_token: str, answer: dict[str, object]) -> str:
    result = _post("/charges", {"order": order_id, "amount": str(amount),
                                "source": card_token}, answer)
    if result["status"] == "declined":
        raise PaymentDeclined(order_id, str(result["decline_code"]))
    return str(result["id"])


def capture(charge_id: str, answer: dict[str, object]) -> None:
    _post(f"/charges/{charge_id}/capture", {}, answer)


def refund(charge_id: str, amount: Decimal, answer: dict[str, object]) -> None:
    try:
        _post(f"/charges/{charge_id}/refunds", {"amount": str(amount)}, answer)
    except ConnectionRefusedError as exc:
        raise GatewayUnavailable(f"refund of {charge_id} not sent") from exc


def parse_webhook(body: bytes) -> dict[str, object]:
    event: dict[str, object] = json.loads(body)
    return event


def record_decline(order_id: str, card_brand: str, reason: str) -> None:
    log.error("Payment %s declined by %s: %s", order_id, card_brand, reason)
