"""Settings are checked when a monitor is saved, not when it first runs."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from tocsin.checks.probes.http import Settings
from tocsin.checks.probes.httpclient import parse_target


@pytest.mark.parametrize(
    "url",
    [
        "ftp://example.com/",
        "example.com/health",
        "http:///nohost",
        "http://a b.example/",
        "https://x:99999/",
    ],
)
def test_it_rejects_urls_that_are_not_http_or_https(url: str) -> None:
    with pytest.raises(ValidationError):
        Settings(url=url)


@pytest.mark.parametrize("pattern", ["2xx", "300-200", "600", "20", "200-", ""])
def test_it_rejects_malformed_status_expectations(pattern: str) -> None:
    with pytest.raises(ValidationError, match="status code or range"):
        Settings(url="http://example.com/", expect_status=[pattern])


def test_it_reads_integer_status_codes_from_yaml() -> None:
    assert Settings(url="http://example.com/", expect_status=[200, "300-399"]).expect_status == [
        "200",
        "300-399",
    ]


@pytest.mark.parametrize("name", ["Content-Length", "transfer-encoding", "Connection"])
def test_it_rejects_headers_that_frame_the_request(name: str) -> None:
    with pytest.raises(ValidationError, match="set by the probe"):
        Settings(url="http://example.com/", headers={name: "1"})


def test_it_rejects_header_injection() -> None:
    with pytest.raises(ValidationError, match="line breaks"):
        Settings(url="http://example.com/", headers={"X-A": "1\r\nX-Evil: 2"})


def test_it_fails_when_keyword_absent_has_no_keyword() -> None:
    with pytest.raises(ValidationError, match="needs a keyword"):
        Settings(url="http://example.com/", keyword_absent=True)


def test_it_fails_when_degraded_threshold_is_not_below_the_maximum() -> None:
    with pytest.raises(ValidationError, match="below max_response_time"):
        Settings(url="http://example.com/", max_response_time=1.0, degraded_response_time=2.0)


def test_it_rejects_unknown_fields_and_stringly_booleans() -> None:
    with pytest.raises(ValidationError):
        Settings(url="http://example.com/", timeout=3)  # type: ignore[call-arg]
    with pytest.raises(ValidationError):
        Settings(url="http://example.com/", verify_tls="no")  # type: ignore[arg-type]


def test_it_has_the_documented_defaults() -> None:
    settings = Settings(url="http://example.com/", method="post")  # type: ignore[arg-type]

    assert settings.method == "POST"
    assert settings.expect_status == ["200-299"]
    assert settings.max_redirects == 10
    assert settings.follow_redirects and settings.verify_tls
    assert settings.max_body_bytes == 1_048_576
    assert settings.cert_expiry_warn_days == 14


def test_it_rejects_a_json_assertion_with_a_bad_path() -> None:
    with pytest.raises(ValidationError, match="position"):
        Settings(url="http://example.com/", json_path=[{"path": "$.a[x]", "op": "==", "value": 1}])


def test_urls_become_request_targets_with_the_right_host_header() -> None:
    v6 = parse_target("http://[::1]:8080/x?y=1#frag")
    default_port = parse_target("https://Example.com/")
    idn = parse_target("https://bücher.example/straße")

    assert (v6.host, v6.port, v6.path, v6.host_header) == ("::1", 8080, "/x?y=1", "[::1]:8080")
    assert (default_port.host, default_port.host_header) == ("example.com", "example.com")
    assert (idn.host, idn.path) == ("xn--bcher-kva.example", "/stra%C3%9Fe")


def test_it_rejects_an_unreadable_ca_file() -> None:
    with pytest.raises(ValidationError, match="not a readable file"):
        Settings(url="https://example.com/", ca_file="/nonexistent/ca.pem")
