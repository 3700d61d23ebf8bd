"""The status code decides, and the request we send is a well-formed, honest one."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from tocsin.checks.probes.base import ProbeResult, Reason
from tocsin.checks.probes.http import status_allowed

if TYPE_CHECKING:
    from conftest import ProbeTarget

Check = Callable[..., ProbeResult]


def test_it_passes_on_200_with_the_default_expectation(
    http_server: ProbeTarget, http_check: Check
) -> None:
    http_server.reply("/health", 200, "fine")

    result = http_check(url=http_server.url("/health"))

    assert result.ok, result.message
    assert result.status_code == 200
    assert result.reason is None
    assert result.details["final_url"] == http_server.url("/health")
    assert result.details["http_version"] == "1.1"
    assert result.details["body_bytes"] == 4
    assert result.details["ip"] == "127.0.0.1"
    assert result.message.startswith("200 ")


def test_it_fails_on_a_server_error_with_the_status_reason(
    http_server: ProbeTarget, http_check: Check
) -> None:
    http_server.reply("/health", 503, "down")

    result = http_check(url=http_server.url("/health"))

    assert not result.ok
    assert result.reason is Reason.STATUS
    assert result.status_code == 503
    assert "503" in result.message and "200-299" in result.message


def test_it_passes_on_401_when_the_endpoint_is_expected_to_ask_for_auth(
    http_server: ProbeTarget, http_check: Check
) -> None:
    http_server.reply("/admin", 401)

    assert http_check(url=http_server.url("/admin"), expect_status=["401"]).ok
    assert not http_check(url=http_server.url("/admin")).ok


def test_it_accepts_single_codes_and_ranges() -> None:
    assert status_allowed(204, ["200-299"])
    assert status_allowed(404, ["200", "404"])
    assert not status_allowed(300, ["200-299"])
    assert status_allowed(302, ["301-308", "200"])


def test_it_sends_host_user_agent_and_connection_close(
    http_server: ProbeTarget, http_check: Check
) -> None:
    http_server.reply("/", 200)

    http_check(url=http_server.url("/?a=1", host="localhost"))

    sent = http_server.requests[-1]
    assert sent.method == "GET"
    assert sent.path == "/?a=1"
    assert sent.headers["host"] == f"localhost:{http_server.port}"
    assert sent.headers["user-agent"] == "Tocsin/0.1 (+monitoring)"
    assert sent.headers["connection"] == "close"
    assert "gzip" in sent.headers["accept-encoding"]


def test_it_lets_headers_override_the_user_agent_and_host(
    http_server: ProbeTarget, http_check: Check
) -> None:
    http_server.reply("/", 200)

    http_check(
        url=http_server.url("/"),
        headers={"User-Agent": "custom/1", "Host": "vhost.example", "X-Token": "abc"},
    )

    sent = http_server.requests[-1]
    assert sent.headers["user-agent"] == "custom/1"
    assert sent.headers["host"] == "vhost.example"
    assert sent.headers["x-token"] == "abc"


def test_it_sends_a_post_body_with_its_length(http_server: ProbeTarget, http_check: Check) -> None:
    http_server.reply("/hook", 201)

    result = http_check(
        url=http_server.url("/hook"),
        method="post",
        body='{"ping": true}',
        headers={"Content-Type": "application/json"},
    )

    assert result.ok
    sent = http_server.requests[-1]
    assert sent.method == "POST"
    assert sent.body == b'{"ping": true}'
    assert sent.headers["content-length"] == "14"


def test_a_head_request_expects_no_body_even_with_a_content_length(
    http_server: ProbeTarget, http_check: Check
) -> None:
    # A HEAD response announces the GET body's length but sends none; waiting
    # for it would hang until the deadline.
    http_server.raw("/", b"HTTP/1.1 200 OK\r\nContent-Length: 5000\r\n\r\n")

    result = http_check(url=http_server.url("/"), method="HEAD", timeout=2.0)

    assert result.ok, result.message
    assert result.details["body_bytes"] == 0
    assert result.duration < 1.0


def test_it_sends_basic_auth_from_the_url(http_server: ProbeTarget, http_check: Check) -> None:
    http_server.reply("/", 200)

    http_check(url=f"http://alice:s%3Acret@127.0.0.1:{http_server.port}/")

    assert http_server.requests[-1].headers["authorization"] == "Basic YWxpY2U6czpjcmV0"
