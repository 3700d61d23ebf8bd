"""End to end: a real monitor fails against a real HTTP target, the rule fires,
and a real webhook receiver on 127.0.0.1 gets the alert group's message."""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parents[1] / "checks"))
sys.path.insert(0, str(Path(__file__).parents[1] / "notify"))

from alerting_kit import add_rule, webhook_channel  # noqa: E402
from receiver_kit import receiving  # noqa: E402

from tocsin.checks import monitors  # noqa: E402
from tocsin.checks.runner import ProbeRunner  # noqa: E402
from tocsin.checks.spec import parse_spec  # noqa: E402
from tocsin.lib.clock import FakeClock  # noqa: E402
from tocsin.store.runtime import Runtime  # noqa: E402
from tocsin.worker.alerting import Alerter  # noqa: E402
from tocsin.worker.deliver import Deliverer  # noqa: E402


def _probe(runner: ProbeRunner) -> None:
    async def go() -> None:
        await runner.tick_once()
        await runner.drain()

    asyncio.run(go())


def test_a_failing_monitor_reaches_the_webhook_as_firing_then_resolved(
        runtime: Runtime, clock: FakeClock) -> None:
    runtime.clock = clock
    with receiving() as target, receiving() as hook:
        with runtime.db.write() as conn:
            monitors.create(conn, parse_spec({"name": "Shop", "kind": "http",
                                              "url": target.url + "/", "interval": "60s"}),
                            now=clock.now())
        webhook_channel(runtime.db, clock.now(), "ops", hook.url + "/hook")
        add_rule(runtime.db, clock.now(), name="Shop down", severity="critical",
                 condition={"kind": "monitor_down"}, channels=["ops"], group_wait="30s",
                 group_interval="1m", runbook_url="https://wiki.example/shop")
        runner = ProbeRunner(runtime.db, runtime.writer, clock, owner="w1", tick=0.01)
        alerter = Alerter(runtime, owner="w1")
        deliverer = Deliverer(runtime, deadline=5.0)
        clock.advance(61)
        _probe(runner)  # up
        target.replies.extend([(503, {}, b"closed")] * 2)
        for wait in (60, 2):  # a failure, then the early recheck confirms down
            clock.advance(wait)
            _probe(runner)
        alerter.step()
        assert asyncio.run(deliverer.deliver_due()) == []  # group_wait not over
        clock.advance(30)
        assert len(alerter.step()) == 1
        assert asyncio.run(deliverer.deliver_due()) == ["sent"]
        firing = json.loads(hook.wait_for(1)[0].body)
        clock.advance(60)
        _probe(runner)  # the target answers 200 again: up
        alerter.step()
        clock.advance(60)
        alerter.step()
        asyncio.run(deliverer.deliver_due())
        resolved = json.loads(hook.wait_for(2)[1].body)
    assert firing["status"] == "firing" and firing["severity"] == "critical"
    assert firing["title"] == "Shop down: 1 firing"
    assert "Shop is down" in firing["text"]
    assert firing["runbook_url"] == "https://wiki.example/shop"
    assert firing["thread"] == firing["source"] == f"alertgroup:{firing['dedup_key']}"
    assert resolved["status"] == "resolved" and resolved["thread"] == firing["thread"]
