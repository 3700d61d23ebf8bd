"""The SDK kit drives the real SDKs: what a scenario reports is what the server got."""

from __future__ import annotations

import orjson
import pytest
from capture import capture_server
from sdk_kit import ScenarioFailed, run_node, run_python


def event_ids_received(bodies: list[bytes]) -> list[str]:
    ids = []
    for body in bodies:
        header = orjson.loads(body.split(b"\n", 1)[0])
        if b'{"type":"event"' in body:
            ids.append(header["event_id"])
    return ids


@pytest.mark.parametrize("brotli", [True, False], ids=["br", "gzip"])
def test_a_python_burst_reports_the_event_ids_the_server_received(brotli: bool) -> None:
    with capture_server() as server:
        report = run_python(server.dsn(), "burst", "--count", "4", brotli=brotli)
        received = server.wait_for(4)
    assert report["sdk"] == "python"
    assert len(report["event_ids"]) == 4
    assert sorted(event_ids_received([r.body for r in received])) == sorted(report["event_ids"])
    assert {r.header("Content-Encoding") for r in received} == {"br" if brotli else "gzip"}


def test_a_node_burst_reports_the_event_ids_the_server_received() -> None:
    with capture_server() as server:
        report = run_node(server.dsn(), "burst", "--count", "4")
        received = server.wait_for(4)
    assert report["sdk"] == "node"
    assert sorted(event_ids_received([r.body for r in received])) == sorted(report["event_ids"])


def test_a_failing_scenario_raises_with_its_stderr() -> None:
    with pytest.raises(ScenarioFailed, match="invalid choice"):
        run_python("http://k@127.0.0.1:9/1", "no-such-scenario")
