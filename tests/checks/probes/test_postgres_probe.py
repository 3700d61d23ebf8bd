from __future__ import annotations

import asyncio
import socket
import struct
import sys
import threading
from collections.abc import Iterator

import pytest
from pydantic import ValidationError

from services import require_service
from tocsin.checks.probes import postgres
from tocsin.checks.probes.base import ProbeResult, Reason

DSN = "postgresql://postgres@127.0.0.1:5432/test"


@pytest.fixture
def server() -> str:
    require_service(5432, "PostgreSQL")
    return DSN


@pytest.fixture
def password_rejecting_port() -> Iterator[int]:
    """A server that asks for a password and refuses it, as PostgreSQL does.

    The local server trusts every login, so it cannot show this; the bytes are
    the protocol's (AuthenticationCleartextPassword, then ErrorResponse 28P01).
    """
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)

    def serve() -> None:
        conn, _ = listener.accept()
        with conn:
            length = struct.unpack("!I", conn.recv(4))[0]
            conn.recv(length - 4)  # StartupMessage
            conn.sendall(b"R" + struct.pack("!II", 8, 3))
            conn.recv(1024)  # PasswordMessage
            fields = b'SFATAL\0VFATAL\0C28P01\0Mpassword authentication failed for user "alice"\0\0'
            conn.sendall(b"E" + struct.pack("!I", len(fields) + 4) + fields)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield listener.getsockname()[1]
    thread.join(timeout=5)
    listener.close()


def check(dsn: str, timeout: float = 5.0, **settings: object) -> ProbeResult:
    model = postgres.Settings.model_validate({"dsn": dsn, **settings})
    return asyncio.run(postgres.probe(model, timeout=timeout))


@pytest.mark.postgres
def test_it_succeeds_with_the_default_query(server: str) -> None:
    result = check(server)

    assert result.ok, result.message
    assert result.details == {"rows": 1, "value": "1"}
    assert set(result.timings) == {"connect", "processing"}


@pytest.mark.postgres
def test_it_compares_the_first_value_in_the_servers_text_form(server: str) -> None:
    result = check(server, query="SELECT true, 2", expect="t")

    assert result.ok, result.message


@pytest.mark.postgres
def test_it_fails_when_the_value_is_not_the_expected_one(server: str) -> None:
    result = check(server, query="SELECT 'replica'", expect="primary")

    assert result.reason is Reason.QUERY
    assert result.message == "expected 'primary', got 'replica'"


@pytest.mark.postgres
def test_it_fails_when_a_value_is_expected_and_there_are_no_rows(server: str) -> None:
    result = check(server, query="SELECT 1 WHERE false", expect="1")

    assert result.reason is Reason.QUERY
    assert "no rows" in result.message


@pytest.mark.postgres
def test_it_fails_with_a_query_reason_when_the_query_is_bad(server: str) -> None:
    result = check(server, query="SELECT * FROM no_such_table")

    assert result.reason is Reason.QUERY
    assert "no_such_table" in result.message
    assert "\n" not in result.message


@pytest.mark.postgres
def test_it_fails_with_an_auth_reason_for_an_unknown_role(server: str) -> None:
    result = check("postgresql://no_such_role:secret@127.0.0.1:5432/test")

    assert result.reason is Reason.AUTH, result.message


def test_it_fails_with_an_auth_reason_when_the_password_is_wrong(
    password_rejecting_port: int,
) -> None:
    dsn = f"postgresql://alice:wrong@127.0.0.1:{password_rejecting_port}/test?sslmode=disable"

    result = check(dsn)

    assert result.reason is Reason.AUTH, result.message
    assert "password authentication failed" in result.message


@pytest.mark.postgres
def test_it_times_out_within_the_deadline_when_the_query_hangs(server: str) -> None:
    result = check(server, timeout=0.5, query="SELECT pg_sleep(5)")

    assert result.reason is Reason.TIMEOUT
    assert "running the query" in result.message
    assert result.duration < 1.5


def test_it_fails_to_connect_when_the_port_is_closed(closed_port: int) -> None:
    result = check(f"postgresql://postgres@127.0.0.1:{closed_port}/test")

    assert result.reason is Reason.CONNECT
    assert "refused" in result.message.lower()
    assert "\n" not in result.message


def test_it_fails_with_a_dns_reason_when_the_host_does_not_resolve() -> None:
    result = check("postgresql://postgres@no-such-host.invalid/test")

    assert result.reason is Reason.DNS, result.message


def test_it_times_out_within_the_deadline_when_the_server_never_answers(
    silent_port: int,
) -> None:
    result = check(f"postgresql://postgres@127.0.0.1:{silent_port}/test", timeout=0.5)

    assert result.reason is Reason.TIMEOUT
    assert "connecting" in result.message
    assert result.duration < 1.0


def test_it_reports_the_missing_driver(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "psycopg", None)

    result = check(DSN)

    assert result.reason is Reason.DRIVER_MISSING
    assert "pip install 'tocsin[postgres]'" in result.message


def test_settings_reject_a_dsn_that_is_not_a_postgres_url() -> None:
    with pytest.raises(ValidationError):
        postgres.Settings(dsn="mysql://root@localhost/test")
