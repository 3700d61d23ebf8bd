"""Compact latency histograms: log-spaced buckets, merging, and quantiles.

A rollup cannot keep every response time, yet p95 over an hour or a day must
come from the merged distribution, not from an average of per-minute p95s
(which is meaningless). So each rollup keeps a sparse histogram: bucket index
to count, stored as JSON (``{"52": 3, "53": 41}``), typically 5–30 entries for
one target, because one endpoint's latencies cluster.

Buckets (durations in milliseconds, ``G = 2 ** (1/8)``, about 9 % wide):

* bucket 0 holds ``[0, 1)`` ms;
* bucket ``k`` for ``1 <= k <= 135`` holds ``[G**(k-1), G**k)`` ms, so bucket
  135 ends at ``G**135`` ≈ 120.25 s;
* bucket ``TOP`` (136) holds everything slower.

Documented error of :func:`quantile` against the exact nearest-rank percentile
of the same values: the estimate is the bucket's geometric midpoint, clamped to
the observed min/max, and the true value lies in the same bucket, so

* between 1 ms and 120 s the relative error is at most ``G**0.5 - 1`` ≈ 4.43 %;
* below 1 ms the absolute error is at most 0.5 ms;
* above 120 s the estimate is only bounded by the observed maximum.

Percentiles of a single minute are exact (:func:`exact_quantile` over the raw
values); hours and days use the histogram.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

GROWTH = 2 ** (1 / 8)
STEPS_PER_DOUBLING = 8
TOP = 136
"""Index of the overflow bucket (durations of 120.25 s and more)."""
RELATIVE_ERROR = GROWTH**0.5 - 1
"""Worst relative error of a quantile between 1 ms and 120 s (≈ 0.0443)."""
ABSOLUTE_ERROR_BELOW_1MS = 0.5

QUANTILES = (0.5, 0.95, 0.99)


def bucket_of(ms: float) -> int:
    """The bucket index of a duration in milliseconds."""
    if not ms >= 1.0:  # also catches NaN: a broken timer is not a slow response
        return 0
    return min(TOP, math.floor(STEPS_PER_DOUBLING * math.log2(ms)) + 1)


def representative(index: int) -> float:
    """The value reported for a bucket: its geometric midpoint."""
    if index <= 0:
        return 0.5
    if index >= TOP:
        return float(GROWTH ** (TOP - 1))
    return float(GROWTH ** (index - 0.5))


def exact_quantile(sorted_values: Sequence[float], q: float) -> float | None:
    """Nearest-rank percentile: the smallest value with at least q of them at or below."""
    if not sorted_values:
        return None
    return sorted_values[_rank(q, len(sorted_values)) - 1]


def _rank(q: float, n: int) -> int:
    # round() first: 0.95 * 100 is 95.00000000000001 in floating point, and
    # ceil() of that would pick the 96th value.
    return min(n, max(1, math.ceil(round(q * n, 9))))


def quantile(
    hist: Mapping[int, int], q: float, *, lo: float | None = None, hi: float | None = None
) -> float | None:
    """Estimate the q-quantile; ``lo``/``hi`` (observed min/max) tighten the estimate."""
    return quantiles(hist, (q,), lo=lo, hi=hi)[0]


def quantiles(
    hist: Mapping[int, int], qs: Sequence[float], *, lo: float | None = None,
    hi: float | None = None,
) -> list[float | None]:
    """Several quantiles (``qs`` ascending) in one walk over the buckets."""
    total = sum(hist.values())
    if total <= 0:
        return [None] * len(qs)
    ranks = [_rank(q, total) for q in qs]
    out: list[float | None] = []
    seen = 0
    for index in sorted(hist):
        seen += hist[index]
        while len(out) < len(ranks) and seen >= ranks[len(out)]:
            value = representative(index)
            if lo is not None:
                value = max(value, lo)
            if hi is not None:
                value = min(value, hi)
            out.append(value)
        if len(out) == len(ranks):
            break
    return out


def merge(a: Mapping[int, int], b: Mapping[int, int]) -> dict[int, int]:
    out = dict(a)
    for index, count in b.items():
        out[index] = out.get(index, 0) + count
    return out


def to_json(hist: Mapping[int, int]) -> dict[str, int]:
    """JSON object keys are strings; sorted so equal histograms store equal bytes."""
    return {str(k): v for k, v in sorted(hist.items()) if v}


def from_json(doc: Mapping[str, int] | None) -> dict[int, int]:
    if not doc:
        return {}
    return {int(k): int(v) for k, v in doc.items()}


@dataclass
class Latency:
    """Running response-time statistics: what a rollup row stores about latency."""

    n: int = 0
    sum_ms: float = 0.0
    min_ms: float | None = None
    max_ms: float | None = None
    hist: dict[int, int] = field(default_factory=dict)

    @classmethod
    def of(cls, values: Iterable[float]) -> Latency:
        latency = cls()
        for value in values:
            latency.add(value)
        return latency

    def add(self, ms: float) -> None:
        self.n += 1
        self.sum_ms += ms
        self.min_ms = ms if self.min_ms is None else min(self.min_ms, ms)
        self.max_ms = ms if self.max_ms is None else max(self.max_ms, ms)
        index = bucket_of(ms)
        self.hist[index] = self.hist.get(index, 0) + 1

    def merge(self, other: Latency) -> None:
        self.n += other.n
        self.sum_ms += other.sum_ms
        if other.min_ms is not None:
            self.min_ms = other.min_ms if self.min_ms is None else min(self.min_ms, other.min_ms)
        if other.max_ms is not None:
            self.max_ms = other.max_ms if self.max_ms is None else max(self.max_ms, other.max_ms)
        self.hist = merge(self.hist, other.hist)

    @property
    def avg_ms(self) -> float | None:
        return self.sum_ms / self.n if self.n else None

    def quantile(self, q: float) -> float | None:
        return quantile(self.hist, q, lo=self.min_ms, hi=self.max_ms)

    def quantiles(self, qs: Sequence[float] = QUANTILES) -> list[float | None]:
        return quantiles(self.hist, qs, lo=self.min_ms, hi=self.max_ms)
