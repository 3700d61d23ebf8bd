"""The iCal export follows RFC 5545's line, escaping and date-time rules."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

from tocsin.incidents.ical import escape_text, fold, render
from tocsin.incidents.rotation import Layer
from tocsin.incidents.schedules import Schedule, shifts

NOW = datetime(2026, 1, 1, tzinfo=UTC)


def _calendar(name: str = "Primary", names: dict[int, str] | None = None) -> str:
    schedule = Schedule(4, name, "Europe/Paris",
                        layers=(Layer((1, 2), date(2026, 1, 5), rotation="daily"),))
    found = shifts(schedule, datetime(2026, 1, 5, 8, tzinfo=UTC),
                   datetime(2026, 1, 7, 8, tzinfo=UTC))
    return render(schedule, found, names=names or {1: "Alice", 2: "Bob"}, now=NOW,
                  host="tocsin.example.org")


def _unfold(text: str) -> list[str]:
    return text.replace("\r\n ", "").split("\r\n")[:-1]


def test_it_ends_every_line_with_crlf() -> None:
    text = _calendar()
    assert text.endswith("\r\n")
    assert "\n" not in text.replace("\r\n", "")
    lines = _unfold(text)
    assert lines[0] == "BEGIN:VCALENDAR" and lines[-1] == "END:VCALENDAR"
    assert "VERSION:2.0" in lines and any(line.startswith("PRODID:") for line in lines)


def test_it_writes_one_event_per_shift_in_utc() -> None:
    lines = _unfold(_calendar())
    assert lines.count("BEGIN:VEVENT") == lines.count("END:VEVENT") == 2
    starts = [line for line in lines if line.startswith("DTSTART:")]
    assert starts == ["DTSTART:20260105T080000Z", "DTSTART:20260106T080000Z"]
    assert "DTEND:20260106T080000Z" in lines
    assert all(re.fullmatch(r"DTSTAMP:\d{8}T\d{6}Z", line)
               for line in lines if line.startswith("DTSTAMP"))
    assert "SUMMARY:On call: Alice (Primary)" in lines


def test_it_keeps_uids_stable_between_exports() -> None:
    uids = [line for line in _unfold(_calendar()) if line.startswith("UID:")]
    assert len(set(uids)) == 2
    assert uids == [line for line in _unfold(_calendar()) if line.startswith("UID:")]
    assert uids[0] == "UID:schedule-4-layers-0-user-1-20260105T080000Z@tocsin.example.org"


def test_it_folds_lines_at_75_octets_without_splitting_characters() -> None:
    long = "Équipe de nuit, très longue; " * 6
    text = _calendar(names={1: long, 2: "Bob"})
    for line in text.split("\r\n"):
        assert len(line.encode("utf-8")) <= 75
    text.encode("utf-8").decode("utf-8")  # every piece is whole UTF-8
    assert fold("x" * 75) == "x" * 75
    assert fold("x" * 76) == "x" * 75 + "\r\n x"
    assert fold("é" * 40).split("\r\n ")[0] == "é" * 37  # 74 octets: the 38th would be 76


def test_it_escapes_text_values() -> None:
    assert escape_text("a\\b;c,d\ne") == "a\\\\b\\;c\\,d\\ne"
    summaries = [line for line in _unfold(_calendar("Ops; nights, weekends"))
                 if line.startswith("SUMMARY:")]
    assert summaries[0] == "SUMMARY:On call: Alice (Ops\\; nights\\, weekends)"
