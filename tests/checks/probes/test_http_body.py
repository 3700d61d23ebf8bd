"""Keyword and JSON assertions on the body, however it is framed or encoded."""

from __future__ import annotations

import zlib
from collections.abc import Callable
from typing import TYPE_CHECKING

from tocsin.checks.probes.base import ProbeResult, Reason

if TYPE_CHECKING:
    from conftest import ProbeTarget

Check = Callable[..., ProbeResult]


def test_it_passes_when_the_keyword_is_present(http_server: ProbeTarget, http_check: Check) -> None:
    http_server.reply("/", 200, "<p>All systems operational</p>")

    assert http_check(url=http_server.url("/"), keyword="operational").ok


def test_it_fails_when_keyword_missing(http_server: ProbeTarget, http_check: Check) -> None:
    http_server.reply("/", 200, "<p>All systems Operational</p>")

    result = http_check(url=http_server.url("/"), keyword="operational")

    assert not result.ok
    assert result.reason is Reason.KEYWORD
    assert result.message == "keyword 'operational' not found in the body"
    assert result.status_code == 200


def test_it_fails_in_absent_mode_when_the_keyword_is_present(
    http_server: ProbeTarget, http_check: Check
) -> None:
    http_server.reply("/bad", 200, "Fatal error: database down")
    http_server.reply("/good", 200, "fine")

    bad = http_check(url=http_server.url("/bad"), keyword="Fatal error", keyword_absent=True)
    good = http_check(url=http_server.url("/good"), keyword="Fatal error", keyword_absent=True)

    assert bad.reason is Reason.KEYWORD and "found" in bad.message
    assert good.ok


def test_it_evaluates_json_assertions(http_server: ProbeTarget, http_check: Check) -> None:
    http_server.json("/health", {"status": "ok", "checks": {"db": [{"ok": True, "lag_ms": 12}]}})
    url = http_server.url("/health")

    passing = http_check(
        url=url,
        json_path=[
            {"path": "$.status", "op": "==", "value": "ok"},
            {"path": "checks.db[0].lag_ms", "op": "<", "value": 100},
        ],
    )
    failing = http_check(url=url, json_path=[{"path": "checks.db[0].ok", "value": False}])

    assert passing.ok, passing.message
    assert failing.reason is Reason.JSON
    assert failing.message == "checks.db[0].ok is true, expected == false"


def test_it_fails_json_assertions_on_a_non_json_body(
    http_server: ProbeTarget, http_check: Check
) -> None:
    http_server.reply("/health", 200, "<html>maintenance</html>")

    result = http_check(url=http_server.url("/health"), json_path=[{"path": "$.a", "op": "exists"}])

    assert result.reason is Reason.JSON
    assert result.message.startswith("body is not valid JSON")


def test_it_reassembles_a_chunked_body(http_server: ProbeTarget, http_check: Check) -> None:
    http_server.raw(
        "/",
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
        b"5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n",
    )

    result = http_check(url=http_server.url("/"), keyword="hello world")

    assert result.ok, result.message
    assert result.details["body_bytes"] == 11


def test_it_reads_a_body_framed_by_closing_the_connection(
    http_server: ProbeTarget, http_check: Check
) -> None:
    http_server.raw("/", b"HTTP/1.0 200 OK\r\n\r\nuntil the end")

    result = http_check(url=http_server.url("/"), keyword="the end")

    assert result.ok, result.message
    assert result.details["http_version"] == "1.0"


def test_it_decodes_gzip_and_both_flavours_of_deflate(
    http_server: ProbeTarget, http_check: Check
) -> None:
    text = b'{"status": "ok"}' * 100
    for wbits, coding in ((31, "gzip"), (15, "deflate"), (-15, "deflate")):
        packer = zlib.compressobj(6, zlib.DEFLATED, wbits)
        http_server.reply("/", 200, packer.compress(text) + packer.flush(), Content_Encoding=coding)

        result = http_check(url=http_server.url("/"), keyword='"status": "ok"')

        assert result.ok, (wbits, result.message)
        assert result.details["body_bytes"] == len(text)
        assert result.details["wire_body_bytes"] < len(text) / 10


def test_a_corrupt_gzip_body_is_a_protocol_failure(
    http_server: ProbeTarget, http_check: Check
) -> None:
    http_server.reply("/", 200, b"\x1f\x8b\x08\x00garbage-not-gzip", Content_Encoding="gzip")

    result = http_check(url=http_server.url("/"))

    assert result.reason is Reason.PROTOCOL
    assert "could not decode gzip" in result.message


def test_a_body_longer_than_the_cap_is_cut_and_still_evaluated(
    http_server: ProbeTarget, http_check: Check
) -> None:
    http_server.reply("/", 200, b"marker" + b"x" * 5000 + b"tail")

    result = http_check(url=http_server.url("/"), max_body_bytes=1000, keyword="marker")
    beyond = http_check(url=http_server.url("/"), max_body_bytes=1000, keyword="tail")

    assert result.ok
    assert result.details["body_truncated"] is True
    assert result.details["body_bytes"] == 1000
    assert beyond.reason is Reason.KEYWORD
    assert "first 1000 bytes read" in beyond.message


def test_a_body_exactly_at_the_cap_is_not_called_truncated(
    http_server: ProbeTarget, http_check: Check
) -> None:
    http_server.reply("/", 200, b"y" * 1000)

    result = http_check(url=http_server.url("/"), max_body_bytes=1000)

    assert result.details["body_truncated"] is False
    assert result.details["body_bytes"] == 1000
