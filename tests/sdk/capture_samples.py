"""Regenerate tests/samples/: every SDK scenario, captured as it arrives.

Run from the repository root (needs ``npm ci --prefix tests/sdk/node`` first):

    .venv/bin/python tests/sdk/capture_samples.py

For each scenario of sentry-sdk (with Brotli, and without it so it falls back
to gzip) and of @sentry/node, it starts a fresh capture server, runs the
scenario against it and writes one ``<scenario>.envelope`` per request (the
decompressed body, byte for byte; ``<scenario>-<n>.envelope`` in arrival order
when there are several) and a ``.json`` beside it with the request line and
headers, Date dropped. It also keeps the compressed body of the Python error
event, as sent, for br and gzip.
"""

from __future__ import annotations

import shutil
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import orjson
from capture import Answer, Captured, capture_server
from sdk_kit import NODE_SCENARIOS, PYTHON_SCENARIOS, REPO_ROOT, run_node, run_python

SAMPLES = REPO_ROOT / "tests" / "samples"
BURST = 3
# What the `ratelimited` scenario expects the server to do: refuse the first
# request with a rate limit on errors (sentry-protocol §1.9).
RATE_LIMIT = Answer(429, {"Retry-After": "60", "X-Sentry-Rate-Limits": "60:error:key:quota"})

Runner = Callable[[str, str], dict[str, Any]]


def runners() -> dict[str, Runner]:
    def python(dsn: str, scenario: str) -> dict[str, Any]:
        return run_python(dsn, scenario, "--count", str(BURST))

    def python_gzip(dsn: str, scenario: str) -> dict[str, Any]:
        return run_python(dsn, scenario, "--count", str(BURST), brotli=False)

    def node(dsn: str, scenario: str) -> dict[str, Any]:
        return run_node(dsn, scenario, "--count", str(BURST))

    return {"python": python, "python-gzip": python_gzip, "node": node}


def capture(run: Runner, scenario: str) -> tuple[dict[str, Any], list[Captured], list[int]]:
    with capture_server() as server:
        answers = [RATE_LIMIT.status] if scenario == "ratelimited" else []
        if scenario == "ratelimited":
            server.answer_next(RATE_LIMIT)
        report = run(server.dsn(), scenario)
        time.sleep(0.3)  # a request still in the server's hands when the SDK exited
        requests = list(server.requests)
    return report, requests, answers


def describe(request: Captured, status: int) -> dict[str, Any]:
    return {
        "request_line": request.request_line,
        "headers": [[k, v] for k, v in request.headers if k.lower() != "date"],
        "wire_bytes": len(request.wire_body),
        "answered": status,
    }


def write(directory: Path, scenario: str, requests: list[Captured], answers: list[int]) -> None:
    for index, request in enumerate(requests, start=1):
        stem = scenario if len(requests) == 1 else f"{scenario}-{index}"
        status = answers[index - 1] if index <= len(answers) else 200
        (directory / f"{stem}.envelope").write_bytes(request.body)
        (directory / f"{stem}.json").write_bytes(
            orjson.dumps(describe(request, status), option=orjson.OPT_INDENT_2) + b"\n"
        )


def main() -> int:
    versions: dict[str, str] = {}
    for name, run in runners().items():
        directory = SAMPLES / name
        shutil.rmtree(directory, ignore_errors=True)
        directory.mkdir(parents=True)
        scenarios = NODE_SCENARIOS if name == "node" else PYTHON_SCENARIOS
        for scenario in scenarios:
            report, requests, answers = capture(run, scenario)
            versions[name] = str(report["version"])
            if not requests:
                raise SystemExit(f"{name} {scenario}: the SDK sent nothing")
            write(directory, scenario, requests, answers)
            print(f"{name:12} {scenario:12} {len(requests)} request(s)")
            if scenario == "error" and name.startswith("python"):
                suffix = {"br": ".br", "gzip": ".gz"}[requests[0].header("Content-Encoding") or ""]
                (directory / f"error.envelope{suffix}").write_bytes(requests[0].wire_body)
    print("versions:", versions)
    return 0


if __name__ == "__main__":
    sys.exit(main())
