"""The local services tests talk to: skip when one is down, unless CI demands
it (``TOCSIN_TEST_REQUIRE_SERVICES=1``), then fail."""

from __future__ import annotations

import os
import socket

import pytest


def require_service(port: int, name: str, host: str = "127.0.0.1") -> None:
    try:
        socket.create_connection((host, port), timeout=1).close()
    except OSError as exc:
        message = f"{name} is not reachable on {host}:{port} ({exc})"
        if os.environ.get("TOCSIN_TEST_REQUIRE_SERVICES") == "1":
            pytest.fail(message + " and TOCSIN_TEST_REQUIRE_SERVICES=1")
        pytest.skip(message)
