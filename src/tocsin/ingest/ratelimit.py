"""Per-process rate limits per category, and the headers that tell SDKs to
back off (sentry-protocol §1.9).

Each (scope key, limit) pair has a token bucket holding up to ``per_minute``
tokens and refilling at ``per_minute / 60`` a second. An envelope's items are
counted per category (``items.category`` and ``items.quantity``); a category
whose bucket cannot cover its count is refused whole.

What the web layer answers, like Relay: it drops only the refused items. If
every item of the envelope was refused the answer is 429 with
``Retry-After`` and ``X-Sentry-Rate-Limits``; otherwise the rest is accepted
with 200 and ``X-Sentry-Rate-Limits`` on it, so the SDK stops sending the
refused categories without treating the whole send as failed
(:func:`refuses_all` decides). Limit only what must be limited: in
sentry-python any active limit also halves trace sampling (§7 caveat).
"""

from __future__ import annotations

import math
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

# Relay reports at most this Retry-After (``max_rate_limit``, §1.9, R-CFG).
MAX_RETRY_AFTER = 300

# The back-off SDKs apply to a bare 429 (§1.9); used for a zero limit.
DEFAULT_RETRY_AFTER = 60.0

# `internal` (client reports) is never limited per category, only by a
# catch-all limit (D-RL).
_NEVER_LIMITED = "internal"


@dataclass(frozen=True)
class Limit:
    category: str | None  # None: every category (a catch-all)
    per_minute: int
    scope: str = "project"  # "project" or "key", reported to the SDK
    reason: str = "rate_limit"


@dataclass(frozen=True)
class Refusal:
    categories: tuple[str, ...]  # empty: every category
    retry_after: float
    scope: str
    reason: str


class _Bucket:
    __slots__ = ("tokens", "at")

    def __init__(self, tokens: float, at: float) -> None:
        self.tokens = tokens
        self.at = at


class RateLimiter:
    """Token buckets in memory, for one process. ``max_buckets`` bounds the
    map: the least recently used bucket goes first (an idle bucket refills
    to full, which is what a new one starts as)."""

    def __init__(
        self, *, clock: Callable[[], float] = time.monotonic, max_buckets: int = 10_000
    ) -> None:
        self._clock = clock
        self._max = max_buckets
        self._buckets: OrderedDict[tuple[Any, ...], _Bucket] = OrderedDict()

    def admit(
        self, scope_key: tuple[str, Any], limits: Sequence[Limit], counts: Mapping[str, int]
    ) -> list[Refusal]:
        """Take tokens for ``counts`` (category -> quantity) under ``limits``;
        the refusals for what does not fit. Refused categories take no tokens."""
        now = self._clock()
        refusals: list[Refusal] = []
        refused: set[str] = set()
        taking: list[tuple[str | None, _Bucket, int]] = []
        for limit in (lim for lim in limits if lim.category is not None):
            count = counts.get(limit.category or "", 0)
            if count <= 0 or limit.category == _NEVER_LIMITED:
                continue
            bucket = self._bucket(scope_key, limit, now)
            wait = _wait(bucket, limit.per_minute, count)
            if wait > 0:
                refused.add(limit.category or "")
                refusals.append(Refusal((limit.category or "",), wait, limit.scope, limit.reason))
            else:
                taking.append((limit.category, bucket, count))
        rest = sum(count for name, count in counts.items() if name not in refused)
        for limit in (lim for lim in limits if lim.category is None):
            if rest <= 0:
                break
            bucket = self._bucket(scope_key, limit, now)
            wait = _wait(bucket, limit.per_minute, rest)
            if wait > 0:
                return [Refusal((), wait, limit.scope, limit.reason)]
            taking.append((None, bucket, rest))
        for name, bucket, count in taking:
            # A category refused under another limit takes nothing here.
            # Tokens may go below zero when one envelope holds more than a
            # full bucket: the debt delays the next envelope instead.
            if name not in refused:
                bucket.tokens -= count
        return refusals

    def _bucket(self, scope_key: tuple[str, Any], limit: Limit, now: float) -> _Bucket:
        key = (scope_key, limit.scope, limit.category)
        capacity = float(max(limit.per_minute, 0))
        bucket = self._buckets.get(key)
        if bucket is None:
            bucket = self._buckets[key] = _Bucket(capacity, now)
            while len(self._buckets) > self._max:
                self._buckets.popitem(last=False)
        else:
            self._buckets.move_to_end(key)
            elapsed = max(now - bucket.at, 0.0)
            bucket.tokens = min(capacity, bucket.tokens + elapsed * capacity / 60.0)
            bucket.at = now
        return bucket


def _wait(bucket: _Bucket, per_minute: int, count: int) -> float:
    """Seconds until ``bucket`` covers ``count``, 0 when it does now. A count
    above the capacity only needs a full bucket, or it could never pass."""
    if per_minute <= 0:
        return DEFAULT_RETRY_AFTER
    need = min(float(count), float(per_minute))
    if bucket.tokens >= need:
        return 0.0
    return (need - bucket.tokens) * 60.0 / per_minute


def refuses_all(refusals: Sequence[Refusal], categories: Iterable[str | None]) -> bool:
    """Whether the refusals cover every item category of an envelope: then
    the answer is 429, otherwise 200 with the header. Items without a
    category are only covered by a catch-all refusal."""
    if any(not refusal.categories for refusal in refusals):
        return True
    covered = {name for refusal in refusals for name in refusal.categories}
    wanted = list(categories)
    return bool(wanted) and all(name in covered for name in wanted)


def rate_limits_header(refusals: Sequence[Refusal]) -> str:
    """``X-Sentry-Rate-Limits``: ``retry_after:categories:scope:reason``
    entries separated by ", " (§1.9); empty categories mean all."""
    return ", ".join(
        f"{_seconds(r.retry_after)}:{';'.join(r.categories)}:{r.scope}:{r.reason}"
        for r in refusals
    )


def retry_after(refusals: Sequence[Refusal]) -> int:
    """``Retry-After``: the longest wait in whole seconds, at most 300."""
    return max((_seconds(r.retry_after) for r in refusals), default=0)


def _seconds(wait: float) -> int:
    return min(max(math.ceil(wait), 1), MAX_RETRY_AFTER)
