"""Client clock drift is undone and wild timestamps are clamped (sentry-protocol §1.11)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from event_kit import RECEIVED, normal

NOW = RECEIVED.timestamp()


@pytest.mark.parametrize(
    "stamp", [NOW - 5, "2026-11-23T11:59:55Z", "2026-11-23T12:59:55+01:00", "2026-11-23T11:59:55"]
)
def test_it_reads_rfc3339_strings_and_numbers(stamp: object) -> None:
    assert normal({"timestamp": stamp})["timestamp"] == pytest.approx(NOW - 5)


def test_it_records_the_receive_time() -> None:
    event = normal({})
    assert event["received"] == NOW and event["timestamp"] == NOW


def test_it_corrects_a_client_clock_that_is_hours_off() -> None:
    # The client thinks it is 09:00 when it is 12:00 here: its clock is 3 h behind.
    sent_at = RECEIVED - timedelta(hours=3)
    event = normal({"timestamp": NOW - 3 * 3600 - 2}, sent_at=sent_at)
    assert event["timestamp"] == pytest.approx(NOW - 2)


def test_it_leaves_small_gaps_alone_as_transit_time() -> None:
    event = normal({"timestamp": NOW - 30}, sent_at=RECEIVED - timedelta(seconds=20))
    assert event["timestamp"] == pytest.approx(NOW - 30)


def test_it_clamps_events_more_than_a_minute_in_the_future() -> None:
    assert normal({"timestamp": NOW + 61})["timestamp"] == NOW
    assert normal({"timestamp": NOW + 59})["timestamp"] == NOW + 59


def test_it_clamps_events_older_than_thirty_days() -> None:
    assert normal({"timestamp": NOW - 31 * 86400})["timestamp"] == NOW
    assert normal({"timestamp": NOW - 29 * 86400})["timestamp"] == NOW - 29 * 86400


@pytest.mark.parametrize("stamp", ["yesterday", float("nan"), True, 10**400, {"t": 1}, ""])
def test_it_uses_the_receive_time_for_unreadable_timestamps(stamp: object) -> None:
    assert normal({"timestamp": stamp})["timestamp"] == NOW


def test_it_shifts_transaction_spans_with_the_drift() -> None:
    sent_at = RECEIVED + timedelta(hours=2)
    ahead = NOW + 7200
    raw = {"type": "transaction", "start_timestamp": ahead - 3, "timestamp": ahead - 1,
           "spans": [{"start_timestamp": ahead - 2, "timestamp": ahead - 1.5}]}  # fmt: skip
    event = normal(raw, sent_at=sent_at)
    assert event["timestamp"] == pytest.approx(NOW - 1)
    assert event["start_timestamp"] == pytest.approx(NOW - 3)
    assert event["spans"][0]["start_timestamp"] == pytest.approx(NOW - 2)
