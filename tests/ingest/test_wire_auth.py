"""Credentials from headers, query and DSN (sentry-protocol §1.1, §1.2)."""

from __future__ import annotations

import base64

import pytest

from tocsin.ingest.auth import (
    AuthError,
    Credentials,
    credentials,
    credentials_from_dsn,
    match_envelope_dsn,
    parse_dsn,
)

KEY = "e12d836b15bb49d7bbf99e64295d995b"
PY_HEADER = f"Sentry sentry_key={KEY}, sentry_version=7, sentry_client=sentry.python/2.75.0"
NODE_QUERY = f"sentry_version=7&sentry_key={KEY}&sentry_client=sentry.javascript.node%2F11.12.0"


def test_it_reads_the_python_x_sentry_auth_header() -> None:
    found = credentials({"x-sentry-auth": PY_HEADER}, "")
    assert found == Credentials(KEY, 7, "sentry.python/2.75.0")


def test_it_reads_the_node_query_string() -> None:
    found = credentials({"user-agent": "sentry.javascript.node/11.12.0"}, NODE_QUERY)
    assert found == Credentials(KEY, 7, "sentry.javascript.node/11.12.0")


def test_it_reads_authorization_sentry_with_any_case_prefix_and_ignores_the_secret() -> None:
    header = f"SENTRY sentry_key={KEY},sentry_secret=s3cret, sentry_timestamp=1"
    assert credentials({"authorization": header}, "") == Credentials(KEY, None, None)


def test_it_reads_the_key_from_basic_auth() -> None:
    token = base64.b64encode(f"{KEY}:ignored".encode()).decode()
    assert credentials({"authorization": f"Basic {token}"}, "").public_key == KEY


def test_it_ignores_other_authorization_schemes_and_query_strings() -> None:
    found = credentials({"authorization": "Bearer xyz", "x-sentry-auth": PY_HEADER}, "page=2")
    assert found.public_key == KEY


def test_two_sources_are_401_even_with_the_same_key() -> None:
    # Relay counts sources, not keys.
    with pytest.raises(AuthError) as refused:
        credentials({"x-sentry-auth": PY_HEADER}, NODE_QUERY)
    assert (refused.value.status, refused.value.message) == (
        401, "multiple authorization payloads detected")  # fmt: skip
    with pytest.raises(AuthError):
        credentials({"x-sentry-auth": PY_HEADER, "authorization": PY_HEADER}, "")


def test_no_source_is_401() -> None:
    with pytest.raises(AuthError) as refused:
        credentials({"authorization": "Basic !!!"}, "")
    assert (refused.value.status, refused.value.message) == (
        401, "missing authorization information")  # fmt: skip


def test_a_source_without_a_key_is_401() -> None:
    with pytest.raises(AuthError) as refused:
        credentials({}, "sentry_version=7")
    assert refused.value.status == 401


@pytest.mark.parametrize("key", ["", "has space", "semi;colon", "k" * 65])
def test_a_malformed_key_is_400(key: str) -> None:
    with pytest.raises(AuthError) as refused:
        credentials({"x-sentry-auth": f"Sentry sentry_key={key}"}, "")
    assert refused.value.status == 400


def test_a_newer_protocol_version_is_400_and_old_ones_pass() -> None:
    with pytest.raises(AuthError) as refused:
        credentials({}, f"sentry_key={KEY}&sentry_version=8")
    assert refused.value.status == 400
    assert credentials({}, f"sentry_key={KEY}&sentry_version=2.0").version == 2
    assert credentials({}, f"sentry_key={KEY}&sentry_version=").version is None


def test_it_parses_a_dsn_with_a_path_prefix_and_port() -> None:
    dsn = parse_dsn(f"https://{KEY}:old-secret@errors.example.com:8443/sentry/42")
    assert (dsn.scheme, dsn.public_key, dsn.host, dsn.path, dsn.project_id) == (
        "https", KEY, "errors.example.com:8443", "/sentry", "42")  # fmt: skip
    assert dsn.endpoint() == "https://errors.example.com:8443/sentry/api/42/envelope/"
    assert dsn.endpoint("store") == "https://errors.example.com:8443/sentry/api/42/store/"
    assert str(dsn) == f"https://{KEY}@errors.example.com:8443/sentry/42"
    assert parse_dsn(str(dsn)) == dsn


def test_a_dsn_without_prefix_has_an_empty_path() -> None:
    dsn = parse_dsn("http://abc123public@127.0.0.1:8000/7")
    assert dsn.endpoint() == "http://127.0.0.1:8000/api/7/envelope/"
    assert credentials_from_dsn(str(dsn)) == ("abc123public", "7")


@pytest.mark.parametrize("text", [
    "", "not a dsn", "ftp://k@host/1", "https://host/1", "https://k@host/", "https://k@/1",
    "https://k@host:99999/1",
])  # fmt: skip
def test_a_bad_dsn_is_400(text: str) -> None:
    with pytest.raises(AuthError) as refused:
        credentials_from_dsn(text)
    assert refused.value.status == 400


def test_the_envelope_dsn_authenticates_only_when_the_request_had_nothing() -> None:
    headers = {"dsn": f"https://{KEY}@errors.example.com/42"}
    assert match_envelope_dsn(headers, "42", None) == Credentials(KEY, None, None)
    assert match_envelope_dsn(headers, "42", KEY) is None
    assert match_envelope_dsn({}, "42", None) is None


def test_an_envelope_dsn_naming_another_project_or_key_is_400() -> None:
    headers = {"dsn": f"https://{KEY}@errors.example.com/42"}
    for project, key in (("43", None), ("42", "0" * 32)):
        with pytest.raises(AuthError) as refused:
            match_envelope_dsn(headers, project, key)
        assert refused.value.status == 400
        assert refused.value.message.startswith("invalid envelope: header mismatch")


@pytest.mark.parametrize("dsn", [42, "nonsense"])
def test_an_unreadable_envelope_dsn_is_401(dsn: object) -> None:
    with pytest.raises(AuthError) as refused:
        match_envelope_dsn({"dsn": dsn}, "42", None)
    assert refused.value.status == 401
