"""Every dialect of an event payload comes out in one shape (sentry-protocol §6 "Items")."""

from __future__ import annotations

import pytest
from event_kit import frame, normal, sample

from tocsin.issues.normalise import InvalidEvent

_EXC = {"type": "KeyError", "value": "'sku'", "stacktrace": {"frames": [frame("charge")]}}


@pytest.mark.parametrize("payload", [[_EXC], {"values": [_EXC]}, _EXC])
def test_it_reads_exceptions_as_a_list_as_values_or_as_a_bare_object(payload: object) -> None:
    event = normal({"exception": payload})
    (value,) = event["exception"]["values"]
    assert (value["type"], value["value"]) == ("KeyError", "'sku'")
    assert value["stacktrace"]["frames"][0]["function"] == "charge"
    assert event["type"] == "error"


def test_it_refuses_a_payload_that_is_not_an_object() -> None:
    for raw in ([], "event", 3, None):
        with pytest.raises(InvalidEvent):
            normal(raw)


def test_it_reads_message_as_a_string_or_an_object_and_prefers_logentry() -> None:
    assert normal({"message": "disk full"})["message"] == "disk full"
    as_object = normal({"message": {"message": "disk %s full", "params": ["/var"]}})
    assert as_object["message"] == "disk /var full"
    assert as_object["logentry"]["message"] == "disk %s full"
    both = normal({"message": "fallback", "logentry": {"message": "T %s", "formatted": "T 1"}})
    assert both["logentry"] == {"message": "T %s", "params": None, "formatted": "T 1"}
    assert both["message"] == "T 1"
    assert normal({})["message"] is None and normal({})["logentry"] is None


def test_it_fills_a_template_without_python_formatting() -> None:
    event = normal({"logentry": {"message": "%s took %d%% of %s", "params": ["job", 90]}})
    assert event["message"] == "job took 90% of %s"
    bomb = normal({"logentry": {"message": "%999999999s", "params": ["x"]}})
    assert bomb["message"] == "%999999999s"


@pytest.mark.parametrize(
    "tags", [{"region": "eu", "bad": {"x": 1}}, [["region", "eu"], ["bad"], "junk", [1, None]]]
)
def test_it_reads_tags_as_a_dict_or_pairs_and_drops_bad_ones(tags: object) -> None:
    event = normal({"tags": tags})
    assert ["region", "eu"] in event["tags"]
    assert all(isinstance(k, str) and isinstance(v, str) for k, v in event["tags"])
    assert "bad" not in dict(event["tags"])


def test_it_drops_tags_beyond_sentry_limits() -> None:
    tags = {"k" * 33: "v", "ok": "v" * 201, "nl": "a\nb", "fine": "yes"}
    assert {k for k, _ in normal({"tags": tags})["tags"]} >= {"fine"}
    assert not {"k" * 33, "ok", "nl"} & {k for k, _ in normal({"tags": tags})["tags"]}


def test_it_derives_tags_from_the_event() -> None:
    event = normal(
        {
            "level": "warn",
            "release": "shop@1.4.2",
            "user": {"email": "bob@example.com"},
            "request": {"url": "https://shop.example/cart?id=1#top", "method": "post"},
            "contexts": {"browser": {"name": "Chrome", "version": "120.0"}},
            "exception": [{**_EXC, "mechanism": {"type": "excepthook", "handled": False}}],
            "tags": {"level": "debug"},
        }
    )
    tags = dict(event["tags"])
    assert tags["level"] == "warning"
    assert tags["environment"] == "production"
    assert tags["release"] == "shop@1.4.2"
    assert tags["user"] == "email:bob@example.com"
    assert tags["url"] == "https://shop.example/cart"
    assert tags["browser"] == "Chrome 120.0"
    assert (tags["handled"], tags["mechanism"]) == ("no", "excepthook")
    assert event["request"]["method"] == "POST"


@pytest.mark.parametrize("crumbs", [[{"message": "a"}], {"values": [{"message": "a"}]}])
def test_it_reads_breadcrumbs_as_a_list_or_values(crumbs: object) -> None:
    assert normal({"breadcrumbs": crumbs})["breadcrumbs"] == [{"message": "a"}]


def test_it_keeps_only_the_last_hundred_breadcrumbs() -> None:
    crumbs = [{"message": str(n)} for n in range(150)]
    kept = normal({"breadcrumbs": crumbs})["breadcrumbs"]
    assert len(kept) == 100 and kept[0]["message"] == "50"


@pytest.mark.parametrize(
    ("level", "expected"),
    [("warn", "warning"), ("CRITICAL", "fatal"), (50, "fatal"), (40, "error"), (30, "warning"),
     (20, "info"), (10, "debug"), ("debug", "debug"), (None, "error"), ("nonsense", "error")],
)  # fmt: skip
def test_it_maps_levels(level: object, expected: str) -> None:
    assert normal({"level": level})["level"] == expected


def test_the_envelope_event_id_wins_and_one_is_made_when_missing() -> None:
    payload = {"event_id": "AAAAAAAA-AAAA-AAAA-AAAA-AAAAAAAAAAAA"}
    assert normal(payload)["event_id"] == "a" * 32
    assert normal(payload, event_id="b" * 32)["event_id"] == "b" * 32
    made = normal({"event_id": "not-an-id"})["event_id"]
    assert len(made) == 32 and int(made, 16) >= 0


def test_it_decides_in_app_for_every_frame() -> None:
    frames = [
        frame("a", in_app=None, abs_path="/srv/shop/shop/a.py"),
        frame("b", in_app=True, abs_path="/srv/shop/vendor/lib/b.php"),
        frame("c", in_app=True, abs_path="/srv/api/node_modules/express/c.js"),
        frame("d", in_app=True),
        frame("e", in_app=False),
    ]
    event = normal({"exception": {"type": "E", "stacktrace": {"frames": frames}}})
    decided = [f["in_app"] for f in event["exception"]["values"][0]["stacktrace"]["frames"]]
    assert decided == [False, False, False, True, False]


def test_it_keeps_transaction_fields() -> None:
    raw = {"type": "transaction", "transaction": "/cart", "start_timestamp": 1795000000.0,
           "timestamp": 1795000001.5, "spans": [{"op": "db", "timestamp": 1795000001.0}, 3],
           "measurements": {"lcp": {"value": 1.2}}}  # fmt: skip
    event = normal(raw, received=__import__("event_kit").RECEIVED)
    assert event["type"] == "transaction"
    assert event["spans"] == [{"op": "db", "timestamp": 1795000001.0}]
    assert event["measurements"] == {"lcp": {"value": 1.2}}
    assert event["timestamp"] - event["start_timestamp"] == pytest.approx(1.5)


def test_it_normalises_the_recorded_sdk_samples() -> None:
    python = normal(sample("python_chained_exception"))
    assert [v["type"] for v in python["exception"]["values"]] == ["ParserError", "ConfigError"]
    assert python["user"]["id"] == "4711"
    assert normal(sample("python_logentry_message"))["logentry"]["params"] == ["bob", "203.0.113.9"]
    node = normal(sample("node_exception"))
    assert node["platform"] == "node" and node["exception"]["values"][0]["type"] == "TypeError"
    synthetic = normal(sample("node_capture_message_synthetic"))
    assert synthetic["exception"]["values"][0]["mechanism"]["synthetic"] is True
    assert synthetic["message"] == "Quota exceeded for account 31"
