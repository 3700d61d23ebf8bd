from __future__ import annotations

import asyncio
import inspect
import socket
import subprocess
import sys

import pytest
from pydantic import BaseModel

from tocsin.checks.probes import registry, tcp
from tocsin.checks.probes.base import ProbeResult, Reason


def run(kind: str, settings: BaseModel, timeout: float = 1.0) -> ProbeResult:
    return asyncio.run(registry.run(kind, settings, timeout))


def test_it_registers_every_probe_kind() -> None:
    assert set(registry.KINDS) == {
        "http",
        "tls",
        "tcp",
        "dns",
        "icmp",
        "postgres",
        "mysql",
        "redis",
    }


@pytest.mark.parametrize("kind", sorted(registry.KINDS))
def test_every_probe_module_keeps_the_contract(kind: str) -> None:
    module = registry.KINDS[kind]

    assert kind == module.KIND
    assert issubclass(module.Settings, BaseModel)
    assert module.Settings.model_config.get("extra") == "forbid"
    assert inspect.iscoroutinefunction(module.probe)
    assert "timeout" in inspect.signature(module.probe).parameters
    assert registry.settings_model(kind) is module.Settings


def test_importing_the_registry_imports_no_optional_driver() -> None:
    code = (
        "import sys, tocsin.checks.probes.registry; "
        "print(sorted({'psycopg', 'pymysql', 'redis'} & set(sys.modules)))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)

    assert out.stdout.strip() == "[]"


def test_it_raises_key_error_for_an_unknown_kind() -> None:
    with pytest.raises(KeyError):
        registry.settings_model("gopher")


def test_it_returns_what_the_probe_returns() -> None:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()

    result = run("tcp", tcp.Settings(host="127.0.0.1", port=port))

    assert result.reason is Reason.CONNECT


def test_it_turns_a_crashing_probe_into_an_error_result(monkeypatch: pytest.MonkeyPatch) -> None:
    async def crash(settings: tcp.Settings, *, timeout: float) -> ProbeResult:
        raise ZeroDivisionError("division by zero")

    monkeypatch.setattr(tcp, "probe", crash)

    result = run("tcp", tcp.Settings(host="127.0.0.1", port=1))

    assert result.reason is Reason.ERROR
    assert (
        result.message == "the tcp probe failed unexpectedly: ZeroDivisionError: division by zero"
    )


def test_it_treats_a_timeout_error_raised_by_the_probe_itself_as_a_bug(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    async def leak(settings: tcp.Settings, *, timeout: float) -> ProbeResult:
        raise TimeoutError

    monkeypatch.setattr(tcp, "probe", leak)

    result = run("tcp", tcp.Settings(host="127.0.0.1", port=1))

    assert result.reason is Reason.ERROR
    assert "TimeoutError" in result.message


def test_it_abandons_a_probe_that_overruns_its_deadline(monkeypatch: pytest.MonkeyPatch) -> None:
    async def hang(settings: tcp.Settings, *, timeout: float) -> ProbeResult:
        await asyncio.sleep(60)
        raise AssertionError("unreachable")

    monkeypatch.setattr(tcp, "probe", hang)
    monkeypatch.setattr(registry, "GRACE", 0.1)

    result = run("tcp", tcp.Settings(host="127.0.0.1", port=1), timeout=0.2)

    assert result.reason is Reason.TIMEOUT
    assert result.message == "the tcp probe did not finish within its 0.2 s deadline"
    assert result.duration < 0.6


def test_it_refuses_settings_of_another_kind() -> None:
    with pytest.raises(TypeError):
        run("dns", tcp.Settings(host="127.0.0.1", port=1))
