"""Custom fingerprints replace or salt the default grouping (sentry-protocol §2.6)."""

from __future__ import annotations

from event_kit import frame, normal, python_error

from tocsin.issues.grouping import group, hash_values


def _error(fingerprint: list[str] | None = None, function: str = "charge", **more) -> dict:
    raw = python_error([frame(function)], **more)
    if fingerprint is not None:
        raw["fingerprint"] = fingerprint
    return normal(raw)


def test_a_fingerprint_without_default_replaces_the_grouping() -> None:
    one = group(_error(["payment-gateway-down"], function="charge"))
    two = group(_error(["payment-gateway-down"], function="refund", kind="KeyError"))
    assert one.hashes == two.hashes == [hash_values(["payment-gateway-down"])]
    assert one.variant == "custom-fingerprint"
    assert one.why["variants"]["app"]["hint"] == "custom fingerprint takes precedence"


def test_a_fingerprint_with_default_salts_each_default_variant() -> None:
    plain = group(_error())
    eu = group(_error(["{{ default }}", "eu"]))
    us = group(_error(["{{ default }}", "us"]))
    assert set(eu.hashes).isdisjoint(us.hashes)
    assert set(eu.hashes).isdisjoint(plain.hashes)
    assert eu.variant == "app"
    assert eu.why["fingerprint"] == {"values": ["{{ default }}", "eu"], "salted": True}


def test_default_alone_is_the_default_grouping() -> None:
    assert group(_error(["{{default}}"])).hashes == group(_error()).hashes


def test_salting_keeps_the_default_grouping_underneath() -> None:
    one = group(_error(["{{ default }}", "eu"], function="charge"))
    two = group(_error(["{{ default }}", "eu"], function="refund"))
    assert set(one.hashes).isdisjoint(two.hashes)


def test_fingerprint_variables_are_filled_from_the_event() -> None:
    one = group(_error(["{{ error.type }}", "{{ transaction }}"], transaction="/checkout"))
    assert one.hashes == [hash_values(["ValueError", "/checkout"])]
    missing = group(_error(["{{ transaction }}"]))
    assert missing.hashes == [hash_values(["<no-transaction>"])]
    assert group(_error(["{{ tags.region }}"], tags={"region": "eu"})).hashes == [
        hash_values(["eu"])
    ]
