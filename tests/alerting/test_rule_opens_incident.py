"""End to end through the incident: a rule that names an escalation policy
opens an incident when its group fires, the escalation loop pages the policy's
channel (a real webhook receiver on 127.0.0.1) with one-click links, the
acknowledge link acknowledges, and the group resolving resolves the incident."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).parents[1] / "notify"))

from alerting_kit import add_rule, monitor_signal, step  # noqa: E402
from notify_kit import add_channel, deliver_due  # noqa: E402
from receiver_kit import receiving  # noqa: E402
from sqlalchemy import select  # noqa: E402

from tocsin.incidents import policy_store  # noqa: E402
from tocsin.incidents.documents import parse_policy  # noqa: E402
from tocsin.incidents.lifecycle import Incidents  # noqa: E402
from tocsin.lib.clock import FakeClock  # noqa: E402
from tocsin.store.runtime import Runtime  # noqa: E402
from tocsin.store.schema import incident_timeline, incidents  # noqa: E402
from tocsin.worker.escalation import Escalator  # noqa: E402


def _incidents(runtime: Runtime) -> list[dict[str, Any]]:
    with runtime.db.read() as conn:
        return [dict(r) for r in conn.execute(select(incidents).order_by(incidents.c.id))
                .mappings()]


def _kinds(runtime: Runtime, incident_id: int) -> list[str]:
    with runtime.db.read() as conn:
        return list(conn.execute(select(incident_timeline.c.kind).where(
            incident_timeline.c.incident_id == incident_id)
            .order_by(incident_timeline.c.id)).scalars())


def test_a_firing_group_opens_an_incident_that_pages_and_is_acknowledged_by_link(
        app_runtime: Runtime, client: Any, clock: FakeClock) -> None:
    runtime = app_runtime
    runtime.clock = clock
    with receiving() as hook:
        add_channel(runtime, "ops", "webhook", {"url": hook.url + "/page"})
        with runtime.db.write() as conn:
            policy_store.create(conn, parse_policy(
                {"name": "Ops", "repeat": 0, "steps": [{"channels": ["ops"]}]}),
                now=clock.now(), source="api")
        add_rule(runtime.db, clock.now(), name="Site down", severity="critical",
                 condition={"kind": "monitor_down"}, escalation_policy="Ops",
                 runbook_url="https://wiki.example/site")
        monitor_signal(runtime.db, "down", clock.now())
        step(runtime.db, clock.now())

        [incident] = _incidents(runtime)
        assert (incident["status"], incident["severity"]) == ("triggered", "critical")
        assert incident["key"].startswith("alertgroup:")
        assert incident["runbook_url"] == "https://wiki.example/site"

        assert Escalator(runtime).run_once() == 1
        assert deliver_due(runtime) == ["sent"]
        page = json.loads(hook.wait_for(1)[0].body)
        assert page["thread"] == f"incident:{incident['id']}"
        ack = next(link["url"] for link in page["links"]
                   if "acknowledge" in link["label"].lower())

        path = urlsplit(ack).path
        assert client.get(path).status_code == 200  # a GET only asks
        assert _incidents(runtime)[0]["status"] == "triggered"
        form = client.get(path).text
        assert client.post(path, data={"confirm": "1"} if "confirm" in form else {},
                           follow_redirects=False).status_code in (200, 303)
        assert _incidents(runtime)[0]["status"] == "acknowledged"

        monitor_signal(runtime.db, "up", clock.now(), old="down")
        step(runtime.db, clock.now())
        clock.advance(5 * 60)  # the group's interval: then it tells "resolved"
        step(runtime.db, clock.now())
        assert _incidents(runtime)[0]["status"] == "resolved"
        assert _kinds(runtime, incident["id"])[:3] == ["opened", "paged", "acknowledged"]
        assert "resolved" in _kinds(runtime, incident["id"])


def test_a_rule_naming_a_missing_policy_still_opens_the_incident_and_says_why(
        app_runtime: Runtime, clock: FakeClock) -> None:
    runtime = app_runtime
    add_rule(runtime.db, clock.now(), name="Site down", severity="high",
             condition={"kind": "monitor_down"}, escalation_policy="Nobody")
    monitor_signal(runtime.db, "down", clock.now())
    step(runtime.db, clock.now())
    [incident] = _incidents(runtime)
    assert incident["escalation"] is None
    with runtime.db.read() as conn:
        notes = [r.data for r in conn.execute(select(incident_timeline).where(
            incident_timeline.c.kind == "escalation note"))]
    assert notes == [{"note": "no escalation policy named 'Nobody'"}]
    with runtime.db.write() as conn:  # the incident is a normal one otherwise
        Incidents(conn, now=clock.now()).acknowledge(incident["id"], by="ana@example.org")
