"""Schedule and policy documents are refused field by field, all problems at once."""

from __future__ import annotations

from datetime import date, time
from typing import Any

import pytest

from tocsin.incidents.documents import DocumentError, parse_policy, parse_schedule

LAYER = {"rotation": "weekly", "handoff": "09:00", "handoff_day": "monday",
         "start": "2026-01-05", "users": ["alice@example.org", "bob@example.org"]}


def _errors(parse: Any, doc: Any) -> dict[str, str]:
    with pytest.raises(DocumentError) as caught:
        parse(doc)
    return {".".join(map(str, loc)): msg for loc, msg in caught.value.errors}


def test_it_reads_a_schedule_document() -> None:
    doc = parse_schedule({"name": "Primary", "time_zone": "Europe/Paris",
                          "layers": [LAYER | {"users": ["Alice@Example.org"]}]})
    layer = doc.layers[0]
    assert (doc.time_zone, layer.handoff, layer.handoff_day, layer.start, layer.users) == (
        "Europe/Paris", time(9), 0, date(2026, 1, 5), ("alice@example.org",))


def test_it_names_every_bad_schedule_field() -> None:
    errors = _errors(parse_schedule, {
        "name": "", "time_zone": "Mars/Olympus", "colour": "red",
        "layers": [LAYER | {"handoff": "9am", "every": 0},
                   {"rotation": "daily", "handoff_day": "monday", "start": "soon",
                    "users": []}]})
    assert errors == {
        "name": "must be text of 1..200 characters",
        "colour": "unknown field",
        "time_zone": "unknown time zone 'Mars/Olympus' (use an IANA name such as "
                     "Europe/Paris)",
        "layers.0.every": "must be 1..52",
        "layers.0.handoff": "must be a local time of day, HH:MM (24-hour)",
        "layers.1.handoff_day": "only weekly rotations have a hand-off day",
        "layers.1.start": "must be a date, YYYY-MM-DD",
        "layers.1.users": "must be a list of 1..100 user e-mail addresses, in rotation "
                          "order",
    }


def test_it_reads_a_policy_document() -> None:
    doc = parse_policy({"name": "Default", "repeat": 2, "steps": [
        {"channels": ["ops-slack"]}, {"wait_minutes": 5}, {"on_call": "Primary"},
        {"wait_minutes": 10}, {"user": "carol@example.org"}]})
    assert [s.kind for s in doc.steps] == ["channels", "wait", "on_call", "wait", "user"]
    assert (doc.repeat, doc.steps[2].schedule, doc.steps[4].user) == (
        2, "Primary", "carol@example.org")


def test_it_names_every_bad_policy_field() -> None:
    errors = _errors(parse_policy, {"name": "P", "repeat": 9, "steps": [
        {"channels": ["ops"]}, {"wait_minutes": 5, "user": "a@b"},
        {"wait_minutes": 2000}, {"channels": []}, {"user": "nobody"}]})
    assert errors == {
        "repeat": "must be 0..5",
        "steps.1": "must have exactly one of wait_minutes, channels, user, on_call",
        "steps.2.wait_minutes": "must be 0..1440",
        "steps.3.channels": "must be a list of channel names",
        "steps.4.user": "must be a user's e-mail address",
    }


def test_it_refuses_a_repeat_without_a_wait_and_a_policy_that_notifies_nobody() -> None:
    assert _errors(parse_policy, {"name": "P", "repeat": 1, "steps": [
        {"channels": ["ops"]}]})["repeat"].startswith("a policy that repeats needs")
    assert _errors(parse_policy, {"name": "P", "steps": [{"wait_minutes": 5}]}) == {
        "steps": "must notify someone: add a channels, user or on_call step"}
