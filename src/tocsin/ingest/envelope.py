"""The Sentry envelope: parse, serialise, and wrap legacy ``/store/`` events.

Grammar (sentry-protocol §1.4): ``Envelope = Headers { "\\n" Item } [ "\\n" ]``
and ``Item = Headers "\\n" Payload``. Headers are one-line JSON objects. An
item's ``length`` is optional: without it the payload runs to the next newline
or the end (Node 11 never sends it, §1.4), with it the payload must be followed
by a newline or the end. A ``\\r`` before a newline belongs to the payload.

Unknown item types are kept, never refused (§1.4: old Relays that refused new
types broke SDKs with 400 "invalid event envelope").
"""

from __future__ import annotations

import json
import math
import uuid
from dataclasses import dataclass, field
from typing import Any

import orjson

# Items that need an envelope event_id; Relay generates one when it is
# missing (sentry-protocol §1.4, R-ITEM ``requires_event``).
REQUIRES_EVENT_ID = frozenset(
    {"event", "transaction", "attachment", "feedback", "user_report", "replay_event", "profile"}
)

# At most one of each, and never both together (sentry-protocol §1.5, D-ITEMS).
_EVENT_TYPES = ("event", "transaction")


class EnvelopeError(Exception):
    """A refused envelope. ``body()`` is what the web layer answers with."""

    def __init__(self, status: int, cause: str) -> None:
        super().__init__(f"{status} {cause}")
        self.status = status
        # Relay's 400 body, which SDK issue reports quote (sentry-protocol §1.8).
        self.detail = "invalid event envelope" if status == 400 else "envelope too large"
        self.causes = [cause]

    def body(self) -> dict[str, Any]:
        return {"detail": self.detail, "causes": self.causes}


@dataclass
class Item:
    headers: dict[str, Any]
    payload: bytes

    @property
    def type(self) -> str:
        kind = self.headers.get("type")
        return kind if isinstance(kind, str) else ""


@dataclass
class Envelope:
    headers: dict[str, Any]
    items: list[Item] = field(default_factory=list)

    def event_id(self) -> str | None:
        """The envelope header's event id as 32 lower-case hex digits.

        It wins over the payload's ``event_id`` (sentry-protocol §1.4); the
        digest applies that, this only exposes it."""
        return _uuid_hex(self.headers.get("event_id"))


def parse(data: bytes) -> Envelope:
    """Parse envelope bytes; raises EnvelopeError(400) when malformed."""
    end = data.find(b"\n")
    end = len(data) if end < 0 else end
    headers = _envelope_headers(data[:end])
    items: list[Item] = []
    pos = end + 1
    while pos < len(data):
        if data[pos : pos + 1] in (b"\n", b"\r"):
            # Empty lines may only close the envelope.
            if data[pos:].strip(b"\r\n"):
                raise EnvelopeError(400, "empty line between items")
            break
        item, pos = _item(data, pos)
        items.append(item)
    envelope = Envelope(headers, items)
    _check_items(envelope)
    return envelope


def serialize(envelope: Envelope) -> bytes:
    """Envelope bytes, every item with an explicit ``length``."""
    out = [_dumps(envelope.headers)]
    for item in envelope.items:
        headers = {**item.headers, "length": len(item.payload)}
        out += [_dumps(headers), item.payload]
    return b"\n".join(out) + b"\n"


def from_store_event(body: bytes) -> Envelope:
    """A legacy ``/store/`` JSON event as a one-item envelope.

    Python agents may write NaN and +/-Infinity, which are not JSON; Relay's
    store endpoint tolerates them (sentry-protocol §1.1), and here they become
    null."""
    replaced = False

    def _null(_constant: str) -> None:
        nonlocal replaced
        replaced = True

    def _number(text: str) -> float | None:
        # 1e400 reads as infinity: the same case as a literal Infinity.
        value = float(text)
        if math.isfinite(value):
            return value
        _null(text)
        return None

    try:
        event = json.loads(body, parse_constant=_null, parse_float=_number)
    except (ValueError, RecursionError) as exc:
        raise EnvelopeError(400, f"invalid JSON event: {exc}") from None
    if not isinstance(event, dict):
        raise EnvelopeError(400, "the event is not a JSON object")
    # The stdlib writes what it read (orjson refuses integers over 64 bits).
    payload = json.dumps(event, separators=(",", ":")).encode() if replaced else body
    kind = "transaction" if event.get("type") == "transaction" else "event"
    event_id = _uuid_hex(event.get("event_id")) or uuid.uuid4().hex
    return Envelope({"event_id": event_id}, [Item({"type": kind}, payload)])


def _envelope_headers(line: bytes) -> dict[str, Any]:
    # orjson keeps the last of duplicated keys silently; the stdlib's hook
    # sees them all. Objects close inner-first, so the last call is the top.
    duplicated: set[str] = set()

    def _object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        nonlocal duplicated
        obj = dict(pairs)
        duplicated = set()
        if len(obj) < len(pairs):
            seen: set[str] = set()
            for key, _ in pairs:
                if key in seen:
                    duplicated.add(key)
                seen.add(key)
        return obj

    try:
        headers = json.loads(
            line.decode(), object_pairs_hook=_object, parse_constant=_refuse, parse_float=_finite
        )
    except (ValueError, RecursionError) as exc:
        raise EnvelopeError(400, f"invalid envelope header: {exc}") from None
    if not isinstance(headers, dict):
        raise EnvelopeError(400, "the envelope header is not a JSON object")
    if "sent_at" in duplicated:
        # Sentry rejects the whole envelope (sentry-protocol §1.4, D-ENV).
        raise EnvelopeError(400, "duplicate sent_at in the envelope header")
    event_id = headers.get("event_id")
    if event_id is not None and _uuid_hex(event_id) is None:
        raise EnvelopeError(400, "invalid event_id in the envelope header")
    return headers


def _refuse(constant: str) -> None:
    raise ValueError(f"{constant} is not JSON")


def _finite(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(f"{text} is out of range")
    return value


def _dumps(value: dict[str, Any]) -> bytes:
    try:
        return orjson.dumps(value)
    except orjson.JSONEncodeError:
        # Integers past 64 bits, which the stdlib reader accepts.
        return json.dumps(value, separators=(",", ":")).encode()


def _item(data: bytes, pos: int) -> tuple[Item, int]:
    """The item starting at ``pos`` and the position after it."""
    end = data.find(b"\n", pos)
    end = len(data) if end < 0 else end
    try:
        headers = orjson.loads(data[pos:end])
    except orjson.JSONDecodeError as exc:
        raise EnvelopeError(400, f"invalid item header: {exc}") from None
    if not isinstance(headers, dict):
        raise EnvelopeError(400, "an item header is not a JSON object")
    start = end + 1
    length = headers.get("length")
    if length is None:
        # Implicit length: up to the next newline or the end.
        stop = data.find(b"\n", start)
        stop = len(data) if stop < 0 else stop
        return Item(headers, data[start:stop]), stop + 1
    if isinstance(length, bool) or not isinstance(length, int) or length < 0:
        raise EnvelopeError(400, f"invalid item length: {length!r}")
    if length and start + length > len(data):
        raise EnvelopeError(400, "item length exceeds the envelope size")
    stop = start + length
    if stop < len(data) and data[stop : stop + 1] != b"\n":
        raise EnvelopeError(400, "an item payload is not followed by a newline")
    return Item(headers, data[start:stop]), stop + 1


def _check_items(envelope: Envelope) -> None:
    kinds = [item.type for item in envelope.items]
    for kind in _EVENT_TYPES:
        if kinds.count(kind) > 1:
            raise EnvelopeError(400, f"more than one {kind} item")
    if all(kind in kinds for kind in _EVENT_TYPES):
        raise EnvelopeError(400, "an envelope cannot carry both an event and a transaction")
    if envelope.headers.get("event_id") is None and REQUIRES_EVENT_ID.intersection(kinds):
        envelope.headers["event_id"] = uuid.uuid4().hex


def _uuid_hex(value: object) -> str | None:
    if not isinstance(value, str):
        return None
    try:
        return uuid.UUID(value).hex
    except ValueError:
        return None
