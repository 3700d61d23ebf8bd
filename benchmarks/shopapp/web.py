"""What a web framework integration does around a request: scope, context, capture.

``handle`` runs one view inside its own isolation scope, as the SDK's
Django/Flask/FastAPI integrations do: the user, tags and the request
(``event.request``) are on every event the view produces, breadcrumbs record
the database queries and outgoing calls, and an exception the view lets
escape is captured and becomes a 500.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import sentry_sdk

SITE = "https://shop.example.com"


@dataclass
class Customer:
    id: int
    email: str
    name: str
    plan: str
    country: str


@dataclass
class Request:
    method: str
    route: str  # the URL pattern, the transaction name
    path: str
    customer: Customer
    rng: random.Random
    query: str = ""
    form: dict[str, str] = field(default_factory=dict)
    body: bytes = b""
    remote_addr: str = "203.0.113.7"
    headers: dict[str, str] = field(default_factory=dict)

    def __repr__(self) -> str:  # as short as a framework's request object
        return f"<Request {self.method} {self.path!r}>"


def _request_data(request: Request) -> dict[str, Any]:
    data: dict[str, Any] = {
        "url": SITE + request.path, "method": request.method, "query_string": request.query,
        "headers": {"Host": "shop.example.com", **request.headers},
        "env": {"REMOTE_ADDR": request.remote_addr, "SERVER_NAME": "shop.example.com",
                "SERVER_PORT": "443"},
    }
    if request.form:
        data["data"] = dict(request.form)
    elif request.body:
        data["data"] = request.body.decode("utf-8", "replace")
    return data


def query(sql: str, **params: Any) -> None:
    """What the SQLAlchemy integration records for each statement."""
    sentry_sdk.add_breadcrumb(category="query", message=sql, data=params or None)


def handle(request: Request, view: Callable[[Request], int]) -> int:
    with sentry_sdk.isolation_scope() as scope:
        scope.set_transaction_name(request.route, source="route")
        customer = request.customer
        scope.set_user({"id": str(customer.id), "email": customer.email,
                        "username": customer.name, "ip_address": request.remote_addr})
        scope.set_tag("customer.plan", customer.plan)
        scope.set_tag("customer.country", customer.country)
        scope.set_tag("shop.region", request.rng.choice(["eu-west-1", "eu-central-1"]))
        scope.set_tag("feature.checkout_v2", request.rng.choice(["on", "off"]))
        scope.set_context("shop", {"cart_id": f"c{customer.id:06d}", "currency": "EUR",
                                   "ab_bucket": request.rng.randint(0, 9)})
        scope.add_event_processor(lambda event, hint: {**event,
                                                       "request": _request_data(request)})
        sentry_sdk.add_breadcrumb(category="navigation", message=f"{request.method} "
                                  f"{request.path}", data={"from": "/", "to": request.path})
        query("SELECT sessions.id, sessions.customer_id, sessions.data FROM sessions "
              "WHERE sessions.token = %(token)s", token="[Filtered]")
        query("SELECT customers.id, customers.email, customers.plan FROM customers "
              "WHERE customers.id = %(id)s", id=customer.id)
        try:
            return view(request)
        except Exception:
            sentry_sdk.capture_exception()
            return 500
