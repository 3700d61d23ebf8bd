"""Drive the real sentry-sdk against a DSN, one scenario per process.

Usage: python python_scenario.py <dsn> <scenario> [--no-brotli] [--count N]

The SDK is global state, so tests run each scenario in its own process. It
prints one JSON line on stdout, ``{"sdk", "version", "scenario", "event_ids",
...}``, so a test can look up what the server stored, and exits 0 once
``flush`` returned.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import time
from collections.abc import Callable
from typing import Any

RELEASE = "tocsin-sdk-test@1.0.0"
ENVIRONMENT = "sdk-test"


class CheckoutError(Exception):
    pass


def load_order(order_id: int) -> dict[str, Any]:
    orders: dict[int, dict[str, Any]] = {}
    return orders[order_id]


def charge_card(order_id: int) -> None:
    try:
        load_order(order_id)
    except KeyError as exc:
        # A chained cause: the event carries both exceptions (sentry-protocol §2.2).
        raise CheckoutError(f"card declined for order {order_id}") from exc


def fail_once(order_id: int) -> str | None:
    """Every error of every scenario is captured here, so bursts share one stack."""
    import sentry_sdk

    try:
        charge_card(order_id)
    except CheckoutError:
        return sentry_sdk.capture_exception()
    return None


def error(report: dict[str, Any], count: int) -> None:
    import sentry_sdk

    sentry_sdk.set_tag("checkout.step", "payment")
    sentry_sdk.set_user({"id": "42", "email": "jane@example.com", "username": "jane"})
    sentry_sdk.add_breadcrumb(category="cart", message="added 2 items", level="info")
    report["event_ids"].append(fail_once(1))


def message(report: dict[str, Any], count: int) -> None:
    import sentry_sdk

    # Through the logging integration, so the event carries a `logentry` with
    # the template and its params: messages group by template (§2.4).
    logging.getLogger("shop.auth").error("User %s failed login", "jane")
    report["event_ids"].append(sentry_sdk.last_event_id())


def transaction(report: dict[str, Any], count: int) -> None:
    import sentry_sdk

    root = sentry_sdk.start_transaction(op="http.server", name="GET /orders/{id}")
    child = root.start_child(op="db", name="SELECT * FROM orders WHERE id = %s")
    time.sleep(0.01)
    child.finish()
    report["trace_id"] = root.trace_id
    report["event_ids"].append(root.finish())  # the transaction's event id


def session(report: dict[str, Any], count: int) -> None:
    import sentry_sdk

    # Release health (§1.11). An application-mode session is sent as one
    # `session` item; request-mode sessions (what the web framework
    # integrations open per request) are aggregated into a `sessions` item.
    scope = sentry_sdk.get_isolation_scope()
    scope.start_session(session_mode="application")
    report["session_ids"] = [str(scope._session.sid) if scope._session else None]
    report["event_ids"].append(fail_once(1))
    scope.end_session()
    for index in range(3):
        with sentry_sdk.isolation_scope() as request_scope:
            request_scope.start_session(session_mode="request")
            if index == 0:
                report["event_ids"].append(fail_once(2))
            request_scope.end_session()


def checkin(report: dict[str, Any], count: int) -> None:
    from sentry_sdk.crons import capture_checkin

    config: Any = {
        "schedule": {"type": "crontab", "value": "*/5 * * * *"},
        "checkin_margin": 2,  # minutes (§1.10)
        "max_runtime": 10,  # minutes
        "timezone": "Europe/Berlin",
    }
    slug = "nightly-report"
    check_in_id = capture_checkin(monitor_slug=slug, status="in_progress", monitor_config=config)
    capture_checkin(
        monitor_slug=slug,
        check_in_id=check_in_id,
        status="ok",
        duration=1.5,
        monitor_config=config,
    )
    report["check_in_ids"] = [check_in_id]


def log(report: dict[str, Any], count: int) -> None:
    from sentry_sdk import logger

    logger.info("User {user} signed in", user="jane", attributes={"plan": "team"})
    logger.warning("Disk almost full", attributes={"free_mb": 120})


def burst(report: dict[str, Any], count: int) -> None:
    for index in range(count):
        report["event_ids"].append(fail_once(index))


def ratelimited(report: dict[str, Any], count: int) -> None:
    # The server answers 429 to the first request; the SDK then drops what it
    # holds for the limited category and owes a client report (§1.9, §1.11),
    # which the final flush sends.
    for index in range(3):
        report["event_ids"].append(fail_once(index))
    time.sleep(1)
    report["event_ids"].append(fail_once(3))


SCENARIOS: dict[str, Callable[[dict[str, Any], int], None]] = {
    f.__name__: f for f in (error, message, transaction, session, checkin, log, burst, ratelimited)
}


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("dsn")
    parser.add_argument("scenario", choices=sorted(SCENARIOS))
    parser.add_argument("--no-brotli", action="store_true", help="make the SDK fall back to gzip")
    parser.add_argument("--count", type=int, default=10)
    args = parser.parse_args(argv)

    if args.no_brotli:
        # The transport picks br only when `import brotli` works (§1.6).
        sys.modules["brotli"] = None  # type: ignore[assignment]
    import sentry_sdk

    sentry_sdk.init(
        dsn=args.dsn,
        release=RELEASE,
        environment=ENVIRONMENT,
        traces_sample_rate=1.0,
        enable_logs=args.scenario == "log",
        send_client_reports=True,
        # The default queue (100) would drop part of a large burst before sending.
        transport_queue_size=max(100, args.count + 10),
    )
    report: dict[str, Any] = {
        "sdk": "python",
        "version": sentry_sdk.VERSION,
        "scenario": args.scenario,
        "event_ids": [],
    }
    SCENARIOS[args.scenario](report, args.count)
    sentry_sdk.flush(timeout=10)
    print(json.dumps(report), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
