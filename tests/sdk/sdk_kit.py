"""Run the real Sentry SDKs against a DSN from a test, one process per scenario.

``run_python(dsn, "error")`` and ``run_node(dsn, "error")`` return the JSON
line the scenario printed (``sdk``, ``version``, ``scenario``, ``event_ids``,
and per scenario ``trace_id``, ``session_ids`` or ``check_in_ids``), so the
test can look up what the server stored. Both raise ``ScenarioFailed`` with
the process's stderr when it fails.

Node tests (and tests/sentry/test_sourcemaps_sdk.py, which also runs the
sentry-cli that npm installs there) skip when node or tests/sdk/node/node_modules
is missing, unless CI demands them (``TOCSIN_TEST_REQUIRE_SERVICES=1``, as
tests/services.py does for the databases): then they fail.
``npm ci --prefix tests/sdk/node`` installs the modules.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import orjson
import pytest

SDK_DIR = Path(__file__).resolve().parent
REPO_ROOT = SDK_DIR.parent.parent
PYTHON_SCENARIO = SDK_DIR / "python_scenario.py"
NODE_SCENARIO = SDK_DIR / "node" / "scenario.mjs"
NODE_MODULES = SDK_DIR / "node" / "node_modules" / "@sentry" / "node"

PYTHON_SCENARIOS = (
    "error",
    "message",
    "transaction",
    "session",
    "checkin",
    "log",
    "burst",
    "ratelimited",
)
NODE_SCENARIOS = (
    "error",
    "message",
    "transaction",
    "session",
    "checkin",
    "log",
    "burst",
    "unhandled",
)


class ScenarioFailed(RuntimeError):
    pass


def node_available() -> bool:
    return shutil.which("node") is not None and NODE_MODULES.is_dir()


def require_node() -> None:
    """Skip the calling test without node, or fail it when CI requires services."""
    if node_available():
        return
    missing = "node" if shutil.which("node") is None else f"{NODE_MODULES} (run npm ci)"
    message = f"the @sentry/node scenarios need {missing}"
    if os.environ.get("TOCSIN_TEST_REQUIRE_SERVICES") == "1":
        pytest.fail(message + " and TOCSIN_TEST_REQUIRE_SERVICES=1")
    pytest.skip(message)


def run_python(
    dsn: str, scenario: str, *args: str, brotli: bool = True, timeout: float = 60
) -> dict[str, Any]:
    """Run one sentry-sdk scenario; ``brotli=False`` makes the SDK send gzip."""
    command = [sys.executable, str(PYTHON_SCENARIO), dsn, scenario, *args]
    if not brotli:
        command.append("--no-brotli")
    return _run(command, timeout)


# Older majors of @sentry/node, installed under npm aliases (tests/sdk/node/package.json).
NODE_MAJORS = {"8": "sentry-node-8", "9": "sentry-node-9", "10": "sentry-node-10",
               "11": "@sentry/node"}


def run_node(dsn: str, scenario: str, *args: str, timeout: float = 60,
             major: str = "11") -> dict[str, Any]:
    """Run one @sentry/node scenario (skips or fails first when node is missing)."""
    require_node()
    node = shutil.which("node")
    assert node is not None
    return _run([node, str(NODE_SCENARIO), dsn, scenario, *args], timeout,
                {"TOCSIN_SENTRY_NODE": NODE_MAJORS[major]})


def run_node_script(script: str, *args: str, timeout: float = 60) -> dict[str, Any]:
    """Run another script of tests/sdk/node (say ``minified.mjs``) the same way."""
    require_node()
    node = shutil.which("node")
    assert node is not None
    return _run([node, str(SDK_DIR / "node" / script), *args], timeout)


def _run(command: list[str], timeout: float, extra_env: dict[str, str] | None = None
         ) -> dict[str, Any]:
    # From the repository root, so both SDKs mark the scenario's own frames
    # in_app (Python: under project_root = cwd; Node: outside node_modules).
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1", **(extra_env or {})}
    env.pop("SENTRY_DSN", None)
    try:
        done = subprocess.run(
            command, cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=timeout
        )
    except subprocess.TimeoutExpired as exc:
        raise ScenarioFailed(
            f"{' '.join(command[1:])} did not finish in {timeout} s; stderr:\n{_text(exc.stderr)}"
        ) from exc
    if done.returncode != 0:
        raise ScenarioFailed(
            f"{' '.join(command[1:])} exited {done.returncode}; stderr:\n{done.stderr}"
        )
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    if not lines:
        raise ScenarioFailed(
            f"{' '.join(command[1:])} printed no JSON line; stdout:\n{done.stdout}\n"
            f"stderr:\n{done.stderr}"
        )
    report = orjson.loads(lines[-1])
    assert isinstance(report, dict)
    return report


def _text(output: str | bytes | None) -> str:
    if isinstance(output, bytes):
        return output.decode(errors="replace")
    return output or ""
