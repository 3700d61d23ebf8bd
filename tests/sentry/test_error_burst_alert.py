"""The real sentry-sdk bursts errors at a live Tocsin; "more than 20 errors in
5 minutes" fires and a real webhook receiver gets the notification."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from typing import Any

from sdk_kit import run_python

sys.path.insert(0, str(Path(__file__).parents[1] / "notify"))

from receiver_kit import receiving  # noqa: E402

from tocsin.alerting import rule_store  # noqa: E402
from tocsin.alerting.rules import parse_rule  # noqa: E402
from tocsin.notify import channels  # noqa: E402


def test_an_error_burst_fires_a_more_than_n_errors_rule(sentry: Any) -> None:
    db, now = sentry.runtime.db, sentry.runtime.clock.now()
    with receiving() as hook:
        with db.write() as conn:
            channels.create(conn, channels.parse_spec({
                "name": "ops", "kind": "webhook", "settings": {"url": hook.url + "/h"}}),
                now=now)
            rule_store.create(conn, parse_rule({
                "name": "Error burst", "group_wait": 0, "channels": ["ops"],
                "condition": {"kind": "error_count", "threshold": 20, "window": "5m"},
                "filters": {"project_id": sentry.project_id}}), now=now)
        run_python(sentry.dsn, "burst", "--count", "25")
        sentry.wait_for_events(25)
        [request] = hook.wait_for(1, timeout=20)
    message = json.loads(request.body)
    assert message["title"] == "Error burst: 1 firing"
    counted = re.search(r"(\d+) events in 5 min", message["text"])
    assert counted is not None and 20 < int(counted.group(1)) <= 25
    assert message["labels"]["project_id"] == str(sentry.project_id)
