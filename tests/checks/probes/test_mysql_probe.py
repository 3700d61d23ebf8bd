from __future__ import annotations

import asyncio
import sys

import pytest
from pydantic import ValidationError

from services import require_service
from tocsin.checks.probes import mysql
from tocsin.checks.probes.base import ProbeResult, Reason

SERVER = {"host": "127.0.0.1", "port": 3306, "user": "root", "password": "", "database": "test"}


@pytest.fixture
def server() -> dict[str, object]:
    require_service(3306, "MariaDB/MySQL")
    return dict(SERVER)


def check(settings: dict[str, object], timeout: float = 5.0, **changes: object) -> ProbeResult:
    model = mysql.Settings.model_validate({**settings, **changes})
    return asyncio.run(mysql.probe(model, timeout=timeout))


@pytest.mark.mysql
def test_it_succeeds_with_the_default_query(server: dict[str, object]) -> None:
    result = check(server)

    assert result.ok, result.message
    assert result.details == {"rows": 1, "value": "1"}
    assert set(result.timings) == {"connect", "processing"}


@pytest.mark.mysql
def test_it_compares_the_first_value_in_the_servers_text_form(server: dict[str, object]) -> None:
    result = check(server, query="SELECT 1.50, 2", expect="1.50")

    assert result.ok, result.message


@pytest.mark.mysql
def test_it_fails_when_the_value_is_not_the_expected_one(server: dict[str, object]) -> None:
    result = check(server, query="SELECT 'replica'", expect="primary")

    assert result.reason is Reason.QUERY
    assert result.message == "expected 'primary', got 'replica'"


@pytest.mark.mysql
def test_it_fails_when_a_value_is_expected_and_the_value_is_null(
    server: dict[str, object],
) -> None:
    result = check(server, query="SELECT NULL", expect="1")

    assert result.reason is Reason.QUERY
    assert result.message == "expected '1', got NULL"


@pytest.mark.mysql
def test_it_fails_with_a_query_reason_when_the_query_is_bad(server: dict[str, object]) -> None:
    result = check(server, query="SELECT * FROM no_such_table")

    assert result.reason is Reason.QUERY
    assert "no_such_table" in result.message
    assert "(error 1146)" in result.message


@pytest.mark.mysql
def test_it_fails_with_an_auth_reason_when_the_password_is_wrong(
    server: dict[str, object],
) -> None:
    result = check(server, password="wrong")

    assert result.reason is Reason.AUTH
    assert "Access denied" in result.message


@pytest.mark.mysql
def test_it_times_out_within_the_deadline_when_the_query_hangs(
    server: dict[str, object],
) -> None:
    result = check(server, timeout=0.5, query="SELECT SLEEP(2)")

    assert result.reason is Reason.TIMEOUT
    assert "running the query" in result.message
    assert result.duration < 1.0


def test_it_fails_to_connect_when_the_port_is_closed(closed_port: int) -> None:
    result = check({**SERVER, "port": closed_port})

    assert result.reason is Reason.CONNECT
    assert "Connection refused" in result.message


def test_it_fails_with_a_dns_reason_when_the_host_does_not_resolve() -> None:
    result = check({**SERVER, "host": "no-such-host.invalid"})

    assert result.reason is Reason.DNS, result.message


def test_it_times_out_within_the_deadline_when_the_server_never_answers(
    silent_port: int,
) -> None:
    result = check({**SERVER, "port": silent_port}, timeout=0.5)

    assert result.reason is Reason.TIMEOUT
    assert "connecting" in result.message
    assert result.duration < 1.0


def test_it_reports_the_missing_driver(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "pymysql", None)

    result = check(SERVER)

    assert result.reason is Reason.DRIVER_MISSING
    assert "pip install 'tocsin[mysql]'" in result.message


def test_settings_require_a_user() -> None:
    with pytest.raises(ValidationError):
        mysql.Settings.model_validate({"host": "db.example.com"})
