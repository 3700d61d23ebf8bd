"""After a 429 the Python SDK owes a client report, and the ratelimited scenario delivers it."""

from __future__ import annotations

import orjson
from capture import Answer, capture_server
from sdk_kit import run_python


def test_the_python_client_report_arrives_after_a_429() -> None:
    with capture_server() as server:
        server.answer_next(Answer(429, {"X-Sentry-Rate-Limits": "60:error:key"}))
        run_python(server.dsn(), "ratelimited")
        received = server.wait_for(2)
    reports = [r.body for r in received if b'"type":"client_report"' in r.body]
    assert reports, [r.body[:200] for r in received]
    payload = orjson.loads(reports[0].split(b"\n")[2])
    assert {"reason": "ratelimit_backoff", "category": "error", "quantity": 3} in payload[
        "discarded_events"
    ]
