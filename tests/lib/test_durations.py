from __future__ import annotations

import pytest

from tocsin.lib.durations import format_duration, parse_duration


@pytest.mark.parametrize(("text", "seconds"), [
    (90, 90.0), ("30s", 30.0), ("5m", 300.0), ("1h30m", 5400.0), ("2d", 172800.0),
    ("250ms", 0.25), ("45", 45.0), (1.5, 1.5),
])
def test_it_reads_durations(text: str | int | float, seconds: float) -> None:
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("text", ["", "5 minutes", "m5", "-3", "1h-", "abc", True])
def test_it_refuses_what_is_not_a_duration(text: str) -> None:
    with pytest.raises(ValueError):
        parse_duration(text)


def test_it_writes_the_shortest_form() -> None:
    assert [format_duration(s) for s in (90, 60, 3600, 86400, 0.5)] == [
        "90s", "1m", "1h", "1d", "0.5s"]
