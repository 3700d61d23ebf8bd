from __future__ import annotations

import asyncio
import sys
import uuid
from collections.abc import Iterator

import pytest
from pydantic import ValidationError

from services import require_service
from tocsin.checks.probes import redis as redis_probe
from tocsin.checks.probes.base import ProbeResult, Reason

URL = "redis://127.0.0.1:6379/0"


@pytest.fixture
def server() -> str:
    require_service(6379, "Redis")
    return URL


@pytest.fixture
def key(server: str) -> Iterator[str]:
    """A fresh key holding "ready", deleted afterwards."""
    import redis

    name = f"tocsin-test-{uuid.uuid4().hex}"
    with redis.Redis.from_url(server) as client:
        client.set(name, "ready", ex=60)
        yield name
        client.delete(name)


def check(url: str, timeout: float = 5.0, **settings: object) -> ProbeResult:
    model = redis_probe.Settings.model_validate({"url": url, **settings})
    return asyncio.run(redis_probe.probe(model, timeout=timeout))


@pytest.mark.redis
def test_it_succeeds_when_the_server_answers_ping(server: str) -> None:
    result = check(server)

    assert result.ok, result.message
    assert result.message == "PONG"
    assert set(result.timings) == {"connect", "processing"}


@pytest.mark.redis
def test_it_succeeds_when_get_returns_the_expected_value(server: str, key: str) -> None:
    result = check(server, command="GET", key=key, expect="ready")

    assert result.ok, result.message
    assert result.details == {"value": "ready"}


@pytest.mark.redis
def test_it_fails_when_get_returns_another_value(server: str, key: str) -> None:
    result = check(server, command="GET", key=key, expect="done")

    assert result.reason is Reason.QUERY
    assert result.message == "expected 'done', got 'ready'"


@pytest.mark.redis
def test_it_fails_when_the_key_does_not_exist(server: str) -> None:
    result = check(server, command="GET", key=f"tocsin-missing-{uuid.uuid4().hex}")

    assert result.reason is Reason.QUERY
    assert "does not exist" in result.message


@pytest.mark.redis
def test_it_fails_with_a_query_reason_when_the_key_holds_another_type(server: str) -> None:
    import redis

    name = f"tocsin-test-{uuid.uuid4().hex}"
    with redis.Redis.from_url(server) as client:
        client.rpush(name, "a")
        try:
            result = check(server, command="GET", key=name)
        finally:
            client.delete(name)

    assert result.reason is Reason.QUERY
    assert "WRONGTYPE" in result.message


@pytest.mark.redis
def test_it_fails_with_an_auth_reason_when_the_password_is_wrong(server: str) -> None:
    result = check("redis://no_such_user:wrong@127.0.0.1:6379/0")

    assert result.reason is Reason.AUTH, result.message


def test_it_fails_to_connect_when_the_port_is_closed(closed_port: int) -> None:
    result = check(f"redis://127.0.0.1:{closed_port}/0")

    assert result.reason is Reason.CONNECT
    assert "Connection refused" in result.message


def test_it_fails_with_a_dns_reason_when_the_host_does_not_resolve() -> None:
    result = check("redis://no-such-host.invalid:6379/0")

    assert result.reason is Reason.DNS, result.message


def test_it_times_out_within_the_deadline_when_the_server_never_answers(
    silent_port: int,
) -> None:
    result = check(f"redis://127.0.0.1:{silent_port}/0", timeout=0.5)

    assert result.reason is Reason.TIMEOUT
    assert result.duration < 1.0


def test_it_reports_the_missing_driver(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "redis", None)

    result = check(URL)

    assert result.reason is Reason.DRIVER_MISSING
    assert "pip install 'tocsin[redis]'" in result.message


@pytest.mark.parametrize(
    "settings",
    [
        {"command": "FLUSHALL"},
        {"command": "GET"},
        {"command": "PING", "key": "x"},
        {"command": "PING", "expect": "PONG"},
        {"url": "http://127.0.0.1:6379"},
    ],
)
def test_settings_reject_anything_but_ping_or_get_with_a_key(settings: dict[str, str]) -> None:
    with pytest.raises(ValidationError):
        redis_probe.Settings.model_validate({"url": URL, **settings})
