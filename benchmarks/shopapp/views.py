"""One request handler per failure: 20 views, 20 distinct issues.

Sixteen let an exception escape to ``web.handle``; three log an error
message with parameters (grouped by the message template); one logs an
exception with ``log.exception``. ``VIEWS`` lists them with a function that
makes a varied request for each, so the captured events differ in their
values (users, ids, amounts, forms) but not in where they fail.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from shopapp import cart, catalog, checkout, emails, inventory, payments, pricing
from shopapp.web import Customer, Request, query

FIRST = ["Anna", "Ben", "Chloé", "Dmitri", "Eva", "Farid", "Greta", "Hugo", "Ines", "Jonas",
         "Katarzyna", "Lars", "Marta", "Noah", "Olga", "Pieter", "Rosa", "Søren", "Tomás", "Zoë"]
LAST = ["Müller", "de Vries", "Dubois", "Kowalski", "Jensen", "García", "Rossi", "Novak",
        "Smith", "Okafor"]


def customer(rng: random.Random) -> Customer:
    cid = rng.randint(1000, 99999)
    first, last = rng.choice(FIRST), rng.choice(LAST)
    return Customer(id=cid, email=f"{first.lower()}.{cid}@example.org", name=f"{first} {last}",
                    plan=rng.choice(["guest", "member", "member", "trade"]),
                    country=rng.choice(["DE", "NL", "FR", "GB"]))


def _cart(request: Request, lines: dict[str, int] | None = None) -> cart.Cart:
    rng = request.rng
    if lines is None:
        skus = rng.sample(["MUG-001", "TEE-042", "BAG-310", "BOOK-77"], rng.randint(1, 3))
        lines = {sku: rng.randint(1, 4) for sku in skus}
    query("SELECT cart_lines.sku, cart_lines.quantity FROM cart_lines "
          "WHERE cart_lines.cart_id = %(cart_id)s", cart_id=request.customer.id)
    return cart.Cart(id=f"c{request.customer.id:06d}", customer_id=request.customer.id,
                     lines=lines)


def _order_id(request: Request) -> str:
    return f"SO-{request.rng.randint(100000, 999999)}"


# -- cart ---------------------------------------------------------------------------

def increase_quantity(request: Request) -> int:
    basket = _cart(request)
    cart.change_quantity(basket, request.form["sku"], +1)  # a line removed in another tab
    return 200


def add_to_cart(request: Request) -> int:
    basket = _cart(request)
    cart.add(basket, request.form["sku"], request.form)  # quantity "two", "1.5", ""
    return 200


def show_cart(request: Request) -> int:
    basket = _cart(request, {"MUG-001": request.rng.randint(1, 3), "PEN-900": 1})
    cart.subtotal(basket)  # PEN-900 was discontinued: price None
    return 200


def redeem_coupon(request: Request) -> int:
    basket = _cart(request)
    cart.apply_coupon(basket, request.form["code"])
    return 200


# -- catalog and pricing -------------------------------------------------------------

def import_feed(request: Request) -> int:
    row = {"sku": f"IMP-{request.rng.randint(100, 999)}", "name": "Imported item",
           "price": request.form["price"], "currency": "EUR"}
    catalog.import_feed_row(row)
    return 201


def product_tile(request: Request) -> int:
    pricing.badge(request.form["sku"], 0.0, 0.0)  # a free sample has no list price
    return 200


def bulk_quote(request: Request) -> int:
    quantity = int(request.form["quantity"])
    pricing.tier_price("MUG-001", quantity)  # below the first tier
    return 200


# -- inventory -----------------------------------------------------------------------

def reserve_stock(request: Request) -> int:
    wanted = request.rng.randint(2, 9)
    inventory.reserve("CAP-007", wanted, _order_id(request))
    return 200


def goods_in(request: Request) -> int:
    expected = request.rng.randint(10, 50)
    inventory.apply_delivery("BAG-310", expected + request.rng.randint(1, 5), expected)
    return 200


def warehouse_sync(request: Request) -> int:
    levels = {"MUG-001": request.rng.randint(0, 90), "TEE-042": -request.rng.randint(1, 9)}
    inventory.sync_from_warehouse(levels)
    return 200


# -- checkout ------------------------------------------------------------------------

def submit_address(request: Request) -> int:
    checkout.validate_address(request.form)
    return 200


def choose_delivery_date(request: Request) -> int:
    checkout.preferred_delivery(request.form)  # "12/05/2026" from an old browser
    return 200


def order_status(request: Request) -> int:
    order_id = _order_id(request)
    query("SELECT orders.state, orders.updated_at FROM orders WHERE orders.id = %(id)s",
          id=order_id)
    checkout.check_stuck(order_id, "payment_pending", request.rng.randint(901, 7200))
    return 200


# -- payments ------------------------------------------------------------------------

def pay(request: Request) -> int:
    amount = Decimal(request.rng.randint(900, 25000)) / 100
    payments.charge(_order_id(request), amount, f"tok_{request.rng.getrandbits(48):012x}",
                    {"status": "declined", "decline_code": request.rng.choice(
                        ["insufficient_funds", "do_not_honor", "expired_card"])})
    return 200


def capture_payment(request: Request) -> int:
    payments.capture(f"ch_{request.rng.getrandbits(64):016x}", {"timeout": True})
    return 200


def refund_order(request: Request) -> int:
    amount = Decimal(request.rng.randint(500, 9000)) / 100
    payments.refund(f"ch_{request.rng.getrandbits(64):016x}", amount, {"refused": True})
    return 200


def payment_webhook(request: Request) -> int:
    payments.parse_webhook(request.body)  # the gateway's HTML error page
    return 200


def decline_notice(request: Request) -> int:
    payments.record_decline(_order_id(request), request.rng.choice(["visa", "mastercard",
                                                                    "amex"]),
                            request.rng.choice(["insufficient_funds", "lost_card",
                                                "suspected_fraud"]))
    return 200


# -- e-mails -------------------------------------------------------------------------

def receipt_preview(request: Request) -> int:
    emails.subject_header(_order_id(request), request.customer.name)  # "Chloé", "Søren"
    return 200


def resend_receipt(request: Request) -> int:
    emails.send_receipt(_order_id(request), request.customer.email)
    return 202


@dataclass(frozen=True)
class View:
    name: str
    method: str
    route: str
    view: Callable[[Request], int]
    form: Callable[[random.Random], dict[str, str]] = lambda rng: {}
    body: Callable[[random.Random], bytes] = lambda rng: b""


VIEWS: tuple[View, ...] = (
    View("cart.line", "POST", "/cart/lines/{sku}/increase", increase_quantity,
         lambda rng: {"sku": rng.choice(["CAP-007", "PEN-900"])}),
    View("cart.quantity", "POST", "/cart/add", add_to_cart,
         lambda rng: {"sku": "TEE-042", "quantity": rng.choice(["two", "1.5", "", "3x"])}),
    View("cart.subtotal", "GET", "/cart", show_cart),
    View("cart.coupon", "POST", "/cart/coupon", redeem_coupon,
         lambda rng: {"code": rng.choice(["WELCOME5", "BLACKFRIDAY", "SUMMER2025"])}),
    View("catalog.price", "POST", "/admin/feed/import", import_feed,
         lambda rng: {"price": f"{rng.randint(1, 99)},{rng.randint(0, 99):02d}"}),
    View("pricing.badge", "GET", "/products/{sku}/tile", product_tile,
         lambda rng: {"sku": rng.choice(["SAMPLE-1", "SAMPLE-2"])}),
    View("pricing.tier", "GET", "/products/MUG-001/quote", bulk_quote,
         lambda rng: {"quantity": str(rng.randint(1, 9))}),
    View("inventory.reserve", "POST", "/checkout/reserve", reserve_stock),
    View("inventory.delivery", "POST", "/admin/goods-in", goods_in),
    View("inventory.sync", "POST", "/internal/warehouse/sync", warehouse_sync),
    View("checkout.address", "POST", "/checkout/address", submit_address,
         lambda rng: {"name": "A. Customer", "street": f"Hauptstraße {rng.randint(1, 200)}",
                      "postcode": rng.choice(["1234", "ABCDE", "10115 Berlin"]),
                      "country": "DE"}),
    View("checkout.delivery_date", "POST", "/checkout/delivery", choose_delivery_date,
         lambda rng: {"delivery_date": f"{rng.randint(1, 28):02d}/{rng.randint(1, 12):02d}/2026"}),
    View("checkout.stuck", "GET", "/orders/{id}/status", order_status),
    View("payments.declined", "POST", "/checkout/pay", pay),
    View("payments.timeout", "POST", "/admin/orders/{id}/capture", capture_payment),
    View("payments.refund", "POST", "/admin/orders/{id}/refund", refund_order),
    View("payments.webhook", "POST", "/webhooks/payments", payment_webhook,
         body=lambda rng: (f"<html><head><title>502 Bad Gateway</title></head><body>"
                           f"request {rng.getrandbits(32):08x}</body></html>").encode()),
    View("payments.decline_log", "POST", "/checkout/pay/callback", decline_notice),
    View("emails.subject", "GET", "/account/orders/{id}/receipt", receipt_preview),
    View("emails.send", "POST", "/account/orders/{id}/receipt/resend", resend_receipt),
)


def make_request(view: View, rng: random.Random) -> Request:
    who = customer(rng)
    if view.name == "emails.subject":  # only names the ASCII header cannot hold fail
        who.name = rng.choice(["Chloé", "Søren", "Tomás", "Zoë"]) + " " + rng.choice(LAST)
    path = (view.route.replace("{sku}", rng.choice(["MUG-001", "TEE-042", "CAP-007"]))
            .replace("{id}", str(rng.randint(100000, 999999))))
    return Request(method=view.method, route=view.route, path=path, customer=who, rng=rng,
                   form=view.form(rng), body=view.body(rng),
                   query="ref=newsletter" if rng.random() < 0.2 else "",
                   remote_addr=f"198.51.100.{rng.randint(1, 254)}",
                   headers={"User-Agent": rng.choice([
                       "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0",
                       "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_6) AppleWebKit/605.1.15 "
                       "(KHTML, like Gecko) Version/18.1 Safari/605.1.15",
                       "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, "
                       "like Gecko) Chrome/131.0.0.0 Safari/537.36"]),
                       "Accept-Language": rng.choice(["de-DE,de;q=0.9", "nl-NL", "en-GB"]),
                       "Cookie": "session=[Filtered]"})
