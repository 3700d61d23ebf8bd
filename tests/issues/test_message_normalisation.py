"""Message normalisation for grouping (sentry-protocol §2.4)."""

from __future__ import annotations

import pytest

from tocsin.issues.messages import normalise_message


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("mail to bob@example.com failed", "mail to <email> failed"),
        ("GET https://api.example.com/v1/x?y=1 failed", "GET <url> failed"),
        ("cannot reach db.internal.example.com", "cannot reach <hostname>"),
        ("from 10.0.0.12 and fe80::1ff:fe23:4567:890a", "from <ip> and <ip>"),
        ("tp 00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01", "tp <traceparent>"),
        ("user 550e8400-e29b-41d4-a716-446655440000", "user <uuid>"),
        ("commit da39a3ee5e6b4b0d3255bfef95601890afd80709", "commit <sha1>"),
        ("digest d41d8cd98f00b204e9800998ecf8427e", "digest <md5>"),
        ("at 2026-11-23T19:20:45.030Z", "at <date>"),
        ("at Mon, 23 Nov 2026 19:20:45 GMT", "at <date>"),
        ("took 250ms", "took <duration>"),
        ("pointer 0x7ffde4", "pointer <hex>"),
        ("ratio 0.25", "ratio <float>"),
        ("order 1042 failed", "order <int> failed"),
        ("key='abc' flag=true", "key=<quoted_str> flag=<bool>"),
    ],
)
def test_it_replaces_each_kind_of_parameter(text: str, expected: str) -> None:
    assert normalise_message(text) == expected


def test_it_leaves_words_module_paths_and_prose_quotes_alone() -> None:
    text = 'shop.settings said "hello" to user123'
    assert normalise_message(text) == text


def test_it_keeps_the_first_two_non_empty_lines() -> None:
    assert normalise_message("first\n\n  \nsecond\nthird") == "first\nsecond..."
    assert normalise_message("one\ntwo") == "one\ntwo"
