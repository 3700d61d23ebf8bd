"""Judging a window's totals against a threshold rule: breached or not, and why.

``error_count`` and ``throughput`` compare counts ("more than N");
``error_rate`` is failed transactions as a percent of all; ``transaction_p95``
is estimated from the merged latency histograms (``lib.histogram``: at most
4.4 % off between 1 ms and 120 s); ``crash_free`` is the
percent of sessions that did not crash (Sentry's crash-free sessions).
"""

from __future__ import annotations

from tocsin.alerting.counters import Total
from tocsin.alerting.rules import Rule
from tocsin.lib import histogram


def judge(rule: Rule, total: Total) -> tuple[bool, str]:
    c = rule.condition
    minutes = max(1, int(c.window_s // 60))
    span = f"in {minutes} min"
    if c.kind == "error_count":
        n = len(total.users) if c.measure == "users" else total.count
        what = "users" if c.measure == "users" else "events"
        return n > c.threshold, f"{n} {what} {span}, more than {c.threshold}"
    if c.kind == "throughput":
        rate = total.count / minutes
        return rate > c.threshold, (f"{rate:.1f} transactions a minute {span}, more than "
                                    f"{c.threshold}")
    if c.kind == "error_rate":
        if total.count < max(1, c.threshold):  # threshold: the fewest transactions judged
            return False, ""
        rate = 100.0 * total.failures / total.count
        return rate > c.percent, (f"{rate:.1f} % of {total.count} transactions failed {span}, "
                                  f"more than {c.percent:g} %")
    if c.kind == "transaction_p95":
        p95 = histogram.quantile(total.hist, 0.95)
        if p95 is None:
            return False, ""
        return p95 > c.threshold, f"p95 {p95:.0f} ms {span}, above {c.threshold} ms"
    # crash_free
    if total.count <= 0:
        return False, ""
    free = 100.0 * (1 - min(total.crashed, total.count) / total.count)
    return free < c.percent, (f"{free:.2f} % crash-free sessions {span} "
                              f"({total.count} sessions), below {c.percent:g} %")
