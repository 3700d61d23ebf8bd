"""What the database and cache probes (postgres, mysql, redis) share."""

from __future__ import annotations

import time

from tocsin.checks.probes.base import ProbeResult, Reason


def driver_missing(kind: str, package: str, start: float) -> ProbeResult:
    """The result when an optional driver is not installed (an extra of tocsin)."""
    return ProbeResult.failure(
        Reason.DRIVER_MISSING,
        f"the {kind} probe needs {package}: pip install 'tocsin[{kind}]'",
        time.monotonic() - start,
    )


def one_line(exc: BaseException, limit: int = 300) -> str:
    """Driver errors span lines (hints, one line per host tried); results want one."""
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text if len(text) <= limit else text[: limit - 1] + "…"


def judge(
    expect: str | None, rows: int, value: str | None, duration: float, timings: dict[str, float]
) -> ProbeResult:
    """Pass unless ``expect`` is set and the first value differs (shared by SQL probes).

    ``value`` is None for SQL NULL and when there are no rows; ``rows`` tells which.
    """
    details = {"rows": rows, "value": value}
    shown = "no rows" if rows == 0 else "NULL" if value is None else repr(value)
    if expect is not None and (rows == 0 or value != expect):
        return ProbeResult.failure(
            Reason.QUERY,
            f"expected {expect!r}, got {shown}",
            duration,
            timings=timings,
            details=details,
        )
    return ProbeResult(
        ok=True,
        duration=duration,
        message=f"query answered {shown}",
        timings=timings,
        details=details,
    )
