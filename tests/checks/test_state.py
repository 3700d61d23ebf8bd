from __future__ import annotations

from tocsin.checks.state import Counters, Verdict, judge


def _run(outcomes: list[bool], *, status: str = "up", upside_down: bool = False,
         failure_threshold: int = 2, recovery_threshold: int = 1) -> list[Verdict]:
    counters = Counters(status, 0, 0)
    verdicts = []
    for ok in outcomes:
        v = judge(counters, ok=ok, degraded=False, failure_threshold=failure_threshold,
                  recovery_threshold=recovery_threshold, upside_down=upside_down)
        verdicts.append(v)
        counters = Counters(v.status, v.failures, v.successes)
    return verdicts


def test_it_marks_monitor_down_after_two_failures() -> None:
    first, second = _run([False, False])
    assert first.status == "up" and first.recheck and not first.changed
    assert second.status == "down" and second.changed


def test_one_failure_between_passes_changes_nothing() -> None:
    assert [v.status for v in _run([True, False, True, False, True])] == ["up"] * 5


def test_recovery_waits_for_the_recovery_threshold() -> None:
    verdicts = _run([True, True, True], status="down", recovery_threshold=3)
    assert [v.status for v in verdicts] == ["down", "down", "up"]
    assert verdicts[0].recheck and verdicts[2].changed


def test_a_new_monitor_stays_new_until_a_verdict() -> None:
    verdicts = _run([False, True], status="new", failure_threshold=3)
    assert [v.status for v in verdicts] == ["new", "up"]


def test_upside_down_treats_reachable_as_failure() -> None:
    assert [v.status for v in _run([True, True], upside_down=True)] == ["up", "down"]
    assert _run([False], status="down", upside_down=True)[0].status == "up"


def test_a_slow_pass_is_degraded() -> None:
    v = judge(Counters("up", 0, 3), ok=True, degraded=True, failure_threshold=2,
              recovery_threshold=1)
    assert v.status == "degraded" and v.changed
