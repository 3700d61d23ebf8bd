"""Token-bucket rate limits per category and the headers SDKs obey (§1.9)."""

from __future__ import annotations

import pytest

from tocsin.ingest.ratelimit import (
    Limit,
    RateLimiter,
    Refusal,
    rate_limits_header,
    refuses_all,
    retry_after,
)


class Ticks:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def ticks() -> Ticks:
    return Ticks()


PROJECT = ("project", 42)


def test_a_bucket_admits_its_capacity_then_refuses_until_it_refills(ticks: Ticks) -> None:
    limiter = RateLimiter(clock=ticks)
    limits = [Limit("error", per_minute=60)]
    assert limiter.admit(PROJECT, limits, {"error": 60}) == []
    assert limiter.admit(PROJECT, limits, {"error": 1}) == [
        Refusal(("error",), 1.0, "project", "rate_limit")
    ]
    ticks.now += 1.0  # 60 a minute: one token a second
    assert limiter.admit(PROJECT, limits, {"error": 1}) == []
    ticks.now += 30.0
    (refusal,) = limiter.admit(PROJECT, limits, {"error": 31})
    assert refusal.retry_after == pytest.approx(1.0)
    ticks.now += 3600.0  # never more than a full bucket
    assert limiter.admit(PROJECT, limits, {"error": 60}) == []
    assert limiter.admit(PROJECT, limits, {"error": 1}) != []


def test_a_limited_category_leaves_the_others_alone(ticks: Ticks) -> None:
    limiter = RateLimiter(clock=ticks)
    limits = [Limit("transaction", per_minute=1, scope="key")]
    assert limiter.admit(PROJECT, limits, {"transaction": 1, "error": 5}) == []
    refusals = limiter.admit(PROJECT, limits, {"transaction": 1, "error": 5})
    assert [r.categories for r in refusals] == [("transaction",)]
    assert refuses_all(refusals, ["transaction"])
    assert not refuses_all(refusals, ["transaction", "error"])


def test_scopes_have_separate_buckets(ticks: Ticks) -> None:
    limiter = RateLimiter(clock=ticks)
    limits = [Limit("error", per_minute=1)]
    assert limiter.admit(("project", 1), limits, {"error": 1}) == []
    assert limiter.admit(("project", 2), limits, {"error": 1}) == []
    assert limiter.admit(("project", 1), limits, {"error": 1}) != []


def test_a_catch_all_refuses_everything_and_counts_client_reports(ticks: Ticks) -> None:
    limiter = RateLimiter(clock=ticks)
    limits = [Limit(None, per_minute=10), Limit("internal", per_minute=0)]
    assert limiter.admit(PROJECT, limits, {"internal": 4, "error": 6}) == []
    (refusal,) = limiter.admit(PROJECT, limits, {"internal": 1})
    assert refusal.categories == () and refusal.retry_after == pytest.approx(6.0)
    assert refuses_all([refusal], ["error", None])


def test_refused_categories_take_no_tokens(ticks: Ticks) -> None:
    limiter = RateLimiter(clock=ticks)
    limits = [Limit("error", per_minute=0), Limit(None, per_minute=5)]
    (refusal,) = limiter.admit(PROJECT, limits, {"error": 100, "session": 5})
    assert refusal.categories == ("error",) and refusal.retry_after == 60.0
    # The sessions took all 5 catch-all tokens; the refused errors took none.
    assert limiter.admit(PROJECT, limits, {"session": 1})[0].categories == ()


def test_an_envelope_over_a_full_bucket_passes_once_and_leaves_a_debt(ticks: Ticks) -> None:
    limiter = RateLimiter(clock=ticks)
    limits = [Limit("log_item", per_minute=60)]
    assert limiter.admit(PROJECT, limits, {"log_item": 120}) == []
    (refusal,) = limiter.admit(PROJECT, limits, {"log_item": 1})
    assert refusal.retry_after == pytest.approx(61.0)


def test_the_bucket_map_stays_bounded(ticks: Ticks) -> None:
    limiter = RateLimiter(clock=ticks, max_buckets=3)
    limits = [Limit("error", per_minute=1)]
    for project in range(10):
        limiter.admit(("project", project), limits, {"error": 1})
    assert len(limiter._buckets) == 3
    # The oldest went first; a forgotten bucket starts full again.
    assert limiter.admit(("project", 0), limits, {"error": 1}) == []
    assert limiter.admit(("project", 9), limits, {"error": 1}) != []


def test_the_header_text_is_exact_and_capped_at_300_seconds() -> None:
    refusals = [
        Refusal(("transaction",), 60.0, "key", "rate_limit"),
        Refusal(("default", "error"), 2700.0, "project", "quota"),
        Refusal((), 0.2, "project", "rate_limit"),
    ]
    assert rate_limits_header(refusals) == (
        "60:transaction:key:rate_limit, 300:default;error:project:quota, 1::project:rate_limit"
    )
    assert retry_after(refusals) == 300
    assert retry_after([Refusal(("error",), 12.01, "key", "rate_limit")]) == 13
    assert retry_after([]) == 0 and rate_limits_header([]) == ""


def test_an_empty_envelope_is_not_all_refused() -> None:
    assert not refuses_all([Refusal(("error",), 1.0, "project", "rate_limit")], [])
