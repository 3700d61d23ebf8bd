"""Any JSON at all: normalise raises only InvalidEvent; nothing after it raises."""

from __future__ import annotations

from typing import Any

import orjson
from event_kit import RECEIVED, sample
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tocsin.issues import titles
from tocsin.issues.grouping import group
from tocsin.issues.normalise import InvalidEvent, normalise
from tocsin.issues.scrub import scrub

_scalars = (
    st.none()
    | st.booleans()
    # what orjson.loads can give (it reads larger integers as floats): the
    # worker decodes every item with it before normalising
    | st.integers(min_value=-(2**63), max_value=2**64 - 1)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=40)
    | st.sampled_from(["", "%s", "{{ default }}", "node:internal/x", "4111 1111 1111 1111",
                       "2026-11-23T12:00:00Z", "values", "in_app", "frames", "Bearer abcdefghijk"])
)  # fmt: skip
_json = st.recursive(
    _scalars,
    lambda inner: st.lists(inner, max_size=5)
    | st.dictionaries(st.text(max_size=12), inner, max_size=5),
    max_leaves=40,
)
_KEYS = ["event_id", "timestamp", "level", "platform", "message", "logentry", "exception",
         "threads", "stacktrace", "breadcrumbs", "tags", "user", "request", "contexts", "extra",
         "fingerprint", "type", "spans", "start_timestamp", "transaction", "values", "frames",
         "mechanism", "synthetic", "in_app", "function", "module", "context_line", "params",
         "formatted", "headers", "url", "query_string", "crashed",
         "is_exception_group"]  # fmt: skip
# Event-like objects: the known keys, nested, so the garbage reaches the deep paths.
_eventish = st.recursive(
    _scalars,
    lambda inner: st.lists(inner, max_size=4)
    | st.dictionaries(st.sampled_from(_KEYS) | st.text(max_size=8), inner, max_size=6),
    max_leaves=60,
)


def _everything_after(event: dict[str, Any]) -> None:
    result = group(event)
    assert result.hashes and all(len(h) == 32 for h in result.hashes)
    orjson.dumps(result.why)
    titles.title(event), titles.culprit(event), titles.metadata(event)
    titles.search_text(event), titles.user_key(event)
    scrub(event, hash_users=True, salt=b"s")
    orjson.dumps(event, option=orjson.OPT_NON_STR_KEYS)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_json | _eventish)
def test_normalise_raises_only_invalid_event_and_nothing_after_raises(raw: Any) -> None:
    try:
        event = normalise(raw, received=RECEIVED, sent_at=RECEIVED)
    except InvalidEvent:
        assert not isinstance(raw, dict)
        return
    _everything_after(event)


@settings(max_examples=100, deadline=None)
@given(st.sampled_from(["python_chained_exception", "node_exception",
                        "node_capture_message_synthetic", "python_logentry_message"]),
       st.data())  # fmt: skip
def test_garbage_anywhere_inside_a_real_event_is_survived(name: str, data: st.DataObject) -> None:
    raw = sample(name)
    node: Any = raw
    # Walk a random path into the sample and replace what is there with garbage.
    for _ in range(data.draw(st.integers(0, 6))):
        if isinstance(node, dict) and node:
            key = data.draw(st.sampled_from(sorted(node)))
            if not isinstance(node[key], dict | list) or data.draw(st.booleans()):
                node[key] = data.draw(_eventish)
                break
            node = node[key]
        elif isinstance(node, list) and node:
            index = data.draw(st.integers(0, len(node) - 1))
            if not isinstance(node[index], dict | list) or data.draw(st.booleans()):
                node[index] = data.draw(_eventish)
                break
            node = node[index]
    _everything_after(normalise(raw, received=RECEIVED))
