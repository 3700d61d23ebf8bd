"""A Message survives its trip through the outbox's JSON unchanged."""

from __future__ import annotations

import pytest

from tocsin.notify.message import Fact, Link, Message


def test_it_round_trips_every_field_through_json() -> None:
    message = Message(
        title="Checkout API down", text="3 failures", severity="high", status="acknowledged",
        links=(Link("Acknowledge", "https://t.example/ack/sig"),),
        facts=(Fact("Monitor", "checkout"), Fact("Region", "eu")), dedup_key="k1",
        runbook_url="https://wiki.example/runbook", thread="incident:42",
        source="incident:42", labels={"team": "payments"}, started_at="2026-03-02T12:00:00Z")
    assert Message.from_json(message.to_json()) == message
    assert message.to_json()["priority"] == "P1"
    assert message.headline == "[ACKNOWLEDGED] P1 Checkout API down"


def test_it_refuses_an_unknown_severity_or_status() -> None:
    with pytest.raises(ValueError, match="severity"):
        Message(title="x", severity="urgent")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="status"):
        Message(title="x", status="open")  # type: ignore[arg-type]
