"""A schedule's shifts as an iCalendar file (RFC 5545), for calendar apps.

Written by hand: it is one VCALENDAR of VEVENTs, and the rules that matter
are few — CRLF line ends (§3.1), lines folded at 75 octets without splitting
a UTF-8 character (§3.1), TEXT escaping of backslash, semicolon, comma and
newline (§3.3.11), UTC date-times ending in ``Z`` (§3.3.5), and a UID per
event that stays the same between fetches (§3.8.4.7) so a subscribed calendar
updates shifts instead of duplicating them.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime

from tocsin.incidents.schedules import Schedule, Shift

PRODID = "-//Tocsin//On-call schedules//EN"
_LIMIT = 75


def escape_text(value: str) -> str:
    """RFC 5545 §3.3.11 TEXT: backslash first, then ; , and newlines."""
    return (value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
            .replace("\r\n", "\\n").replace("\n", "\\n").replace("\r", "\\n"))


def fold(line: str) -> str:
    """Split a content line into CRLF-joined pieces of at most 75 octets;
    each continuation starts with one space, which counts in its 75 (§3.1)."""
    pieces: list[str] = []
    current, size, limit = "", 0, _LIMIT
    for char in line:
        width = len(char.encode("utf-8"))
        if size + width > limit:
            pieces.append(current)
            current, size, limit = "", 0, _LIMIT - 1
        current += char
        size += width
    pieces.append(current)
    return "\r\n ".join(pieces)


def _stamp(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def _uid(schedule: Schedule, shift: Shift, host: str) -> str:
    # Schedule, user, source and start name a shift: the same shift gets the
    # same UID on every fetch, and a changed rotation makes new ones.
    return (f"schedule-{schedule.id}-{shift.source.replace('[', '-').rstrip(']')}-"
            f"user-{shift.user}-{_stamp(shift.start)}@{host}")


def render(schedule: Schedule, shifts: list[Shift], *, names: Mapping[int, str],
           now: datetime, host: str = "tocsin") -> str:
    """The calendar text; ``names`` gives each user id its display name."""
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", f"PRODID:{PRODID}", "CALSCALE:GREGORIAN",
             "METHOD:PUBLISH", f"X-WR-CALNAME:{escape_text('On call: ' + schedule.name)}",
             f"X-WR-TIMEZONE:{schedule.time_zone}"]
    for shift in shifts:
        who = names.get(shift.user, f"user {shift.user}")
        summary = f"On call: {who} ({schedule.name})"
        about = f"{who} is on call for {schedule.name}, from {shift.source}."
        lines += ["BEGIN:VEVENT", f"UID:{_uid(schedule, shift, host)}", f"DTSTAMP:{_stamp(now)}",
                  f"DTSTART:{_stamp(shift.start)}", f"DTEND:{_stamp(shift.end)}",
                  f"SUMMARY:{escape_text(summary)}", f"DESCRIPTION:{escape_text(about)}",
                  "TRANSP:TRANSPARENT", "END:VEVENT"]
    lines.append("END:VCALENDAR")
    return "".join(fold(line) + "\r\n" for line in lines)
