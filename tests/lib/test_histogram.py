from __future__ import annotations

import math
import random

import pytest

from tocsin.lib import histogram
from tocsin.lib.histogram import TOP, Latency, bucket_of, exact_quantile, quantile


def _within_documented_error(estimate: float, exact: float) -> bool:
    if exact < 1.0:
        return abs(estimate - exact) <= histogram.ABSOLUTE_ERROR_BELOW_1MS + 1e-9
    return abs(estimate - exact) <= exact * histogram.RELATIVE_ERROR + 1e-9


def test_it_spaces_buckets_logarithmically_from_1ms_to_120s() -> None:
    assert bucket_of(0.0) == 0
    assert bucket_of(0.999) == 0
    assert bucket_of(1.0) == 1
    assert bucket_of(2.0) == 9  # eight buckets per doubling
    assert bucket_of(119_000.0) == TOP - 1
    assert bucket_of(121_000.0) == TOP
    assert bucket_of(3_600_000.0) == TOP
    assert bucket_of(float("nan")) == 0
    indexes = [bucket_of(1.0 * 1.01**i) for i in range(1200)]
    assert indexes == sorted(indexes)


def test_it_takes_the_nearest_rank_percentile_of_raw_values() -> None:
    values = [float(v) for v in range(1, 101)]
    assert exact_quantile(values, 0.5) == 50.0
    assert exact_quantile(values, 0.95) == 95.0
    assert exact_quantile(values, 0.99) == 99.0
    assert exact_quantile([7.0], 0.99) == 7.0
    assert exact_quantile([], 0.5) is None


@pytest.mark.parametrize("seed", range(8))
def test_it_estimates_percentiles_within_the_documented_error(seed: int) -> None:
    rng = random.Random(seed)
    n = rng.choice([1, 2, 7, 60, 1440, 10_000])
    values = sorted(rng.lognormvariate(math.log(rng.choice([0.4, 20, 300, 5000])), 1.2)
                    for _ in range(n))
    latency = Latency.of(values)
    for q in histogram.QUANTILES:
        exact = exact_quantile(values, q)
        estimate = latency.quantile(q)
        assert exact is not None and estimate is not None
        assert _within_documented_error(estimate, exact), (q, estimate, exact)


def test_it_merges_like_the_union_of_the_values() -> None:
    rng = random.Random(1)
    a = [rng.uniform(5, 50) for _ in range(300)]
    b = [rng.uniform(40, 900) for _ in range(500)]
    merged = Latency.of(a)
    merged.merge(Latency.of(b))
    whole = Latency.of(a + b)
    assert merged.hist == whole.hist
    assert merged.n == 800
    assert merged.min_ms == min(a + b) and merged.max_ms == max(a + b)
    assert merged.sum_ms == pytest.approx(sum(a + b))
    everything = sorted(a + b)
    for q in histogram.QUANTILES:
        exact = exact_quantile(everything, q)
        estimate = merged.quantile(q)
        assert exact is not None and estimate is not None
        assert _within_documented_error(estimate, exact)


def test_it_stores_a_sparse_histogram_as_json_with_string_keys() -> None:
    latency = Latency.of([100.0, 101.0, 5000.0])
    doc = histogram.to_json(latency.hist)
    assert doc == {str(bucket_of(100.0)): 2, str(bucket_of(5000.0)): 1}
    assert histogram.from_json(doc) == latency.hist
    assert histogram.from_json(None) == {}


def test_it_keeps_estimates_inside_the_observed_range() -> None:
    latency = Latency.of([250_000.0, 260_000.0])  # both in the overflow bucket
    assert latency.quantile(0.5) == 250_000.0
    assert latency.quantile(0.99) == 250_000.0
    assert quantile({}, 0.5) is None
    assert Latency().avg_ms is None
