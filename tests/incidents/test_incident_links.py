"""Signed one-click links: they round-trip; tampered, foreign and expired ones are refused."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tocsin.incidents.links import LinkError, link, verify

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
SECRET = "s3cret-key"


def test_it_verifies_its_own_links() -> None:
    token = link(SECRET, 42, "acknowledge", NOW + timedelta(hours=1), actor="ana@example.org")
    grant = verify(SECRET, token, now=NOW)
    assert (grant.incident_id, grant.action, grant.actor) == (42, "acknowledge",
                                                              "ana@example.org")
    assert "/" not in token and "+" not in token and "=" not in token


def test_it_refuses_tampered_foreign_and_expired_links() -> None:
    token = link(SECRET, 42, "resolve", NOW + timedelta(hours=1))
    body, sig = token.split(".")
    other = link(SECRET, 43, "resolve", NOW + timedelta(hours=1)).split(".")[0]
    for bad in (f"{other}.{sig}", f"{body}.{sig[:-2]}AA", "garbage", f"{body}.", ""):
        with pytest.raises(LinkError):
            verify(SECRET, bad, now=NOW)
    with pytest.raises(LinkError, match="another key"):
        verify("another-secret", token, now=NOW)
    with pytest.raises(LinkError, match="expired"):
        verify(SECRET, token, now=NOW + timedelta(hours=1))
    with pytest.raises(ValueError):
        link(SECRET, 42, "delete", NOW)
