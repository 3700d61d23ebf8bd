"""A monitor's history: check results with their waterfall, state changes, pings."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

from api_cast import Cast, heartbeat_doc
from sqlalchemy import select

from tocsin.checks.probes.base import ProbeResult, Reason
from tocsin.checks.results import record_result
from tocsin.lib.clock import FakeClock
from tocsin.store.runtime import Runtime
from tocsin.store.schema import monitors

TCP_DOC = {"name": "Database port", "kind": "tcp", "project": "shop",
           "host": "127.0.0.1", "port": 5432, "interval": "30s"}


def _check(runtime: Runtime, clock: FakeClock, uuid: str, result: ProbeResult) -> None:
    with runtime.db.write() as conn:
        monitor_id = conn.execute(select(monitors.c.id)
                                  .where(monitors.c.uuid == uuid)).scalar_one()
        record_result(conn, monitor_id, result, scheduled_at=clock.now(),
                      started_at=clock.now(), now=clock.now())
    clock.advance(30)


def _passing(ms: float) -> ProbeResult:
    return ProbeResult(ok=True, duration=ms / 1000, message="connected", timings={
        "resolve": 0.0012, "connect": 0.0031, "tls": 0.0105, "processing": 0.0204,
        "transfer": 0.0011})


def test_it_lists_results_newest_first_with_the_timing_waterfall(
    client: Any, cast: Cast, app_runtime: Runtime, clock: FakeClock
) -> None:
    app_runtime.clock = clock
    uuid = client.post("/api/v1/monitors", json=TCP_DOC, headers=cast.bob).json()["uuid"]
    _check(app_runtime, clock, uuid, _passing(36.3))
    _check(app_runtime, clock, uuid, ProbeResult.failure(
        Reason.CONNECT, "connection refused", 0.002, timings={"resolve": 0.001}))

    page = client.get(f"/api/v1/monitors/{uuid}/results", headers=cast.charlie).json()
    newest, oldest = page["items"]
    assert page["next_cursor"] is None
    assert (newest["ok"], newest["reason"], newest["message"]) == (
        False, "connect", "connection refused")
    assert newest["timings_ms"] == {"resolve": 1.0, "connect": None, "tls": None,
                                    "processing": None, "transfer": None}
    assert (oldest["ok"], oldest["degraded"], oldest["duration_ms"]) == (True, False, 36.3)
    assert oldest["timings_ms"] == {"resolve": 1.2, "connect": 3.1, "tls": 10.5,
                                    "processing": 20.4, "transfer": 1.1}
    assert oldest["message"] is None  # a passing check keeps no message
    assert newest["at"] > oldest["at"]

    state = client.get(f"/api/v1/monitors/{uuid}", headers=cast.charlie).json()
    assert state["last_ok"] is False and state["last_reason"] == "connect"
    assert state["last_message"] == "connection refused"
    assert state["last_duration_ms"] == 2.0


def test_it_pages_through_results_with_a_cursor(
    client: Any, cast: Cast, app_runtime: Runtime, clock: FakeClock
) -> None:
    app_runtime.clock = clock
    uuid = client.post("/api/v1/monitors", json=TCP_DOC, headers=cast.bob).json()["uuid"]
    other = client.post("/api/v1/monitors", json=TCP_DOC | {"name": "Other port"},
                        headers=cast.bob).json()["uuid"]
    for n in range(7):
        _check(app_runtime, clock, uuid, _passing(10 + n))
        _check(app_runtime, clock, other, _passing(99))
    durations: list[float] = []
    url = f"/api/v1/monitors/{uuid}/results?limit=3"
    while url:
        page = client.get(url, headers=cast.bob).json()
        assert len(page["items"]) <= 3
        durations += [r["duration_ms"] for r in page["items"]]
        cursor = page["next_cursor"]
        url = f"/api/v1/monitors/{uuid}/results?limit=3&cursor={cursor}" if cursor else ""
    assert durations == [16, 15, 14, 13, 12, 11, 10]


def test_it_lists_state_changes_with_their_cause(
    client: Any, cast: Cast, app_runtime: Runtime, clock: FakeClock
) -> None:
    app_runtime.clock = clock
    uuid = client.post("/api/v1/monitors", json=TCP_DOC, headers=cast.bob).json()["uuid"]
    _check(app_runtime, clock, uuid, _passing(5))
    for _ in range(2):
        _check(app_runtime, clock, uuid, ProbeResult.failure(
            Reason.TIMEOUT, "no answer in 24s", 24.0))
    changes = client.get(f"/api/v1/monitors/{uuid}/state-changes?limit=1",
                         headers=cast.bob).json()
    [down] = changes["items"]
    assert (down["old_status"], down["new_status"], down["reason"]) == ("up", "down",
                                                                       "timeout")
    assert down["cause"] == "2 consecutive failed checks: no answer in 24s"
    assert down["at"] == (clock.now() - timedelta(seconds=30)).isoformat().replace(
        "+00:00", "Z")
    rest = client.get(f"/api/v1/monitors/{uuid}/state-changes?cursor="
                      f"{changes['next_cursor']}", headers=cast.bob).json()
    assert [(c["old_status"], c["new_status"]) for c in rest["items"]] == [("new", "up")]
    assert rest["next_cursor"] is None


def test_it_lists_pings_and_serves_their_logs(
    client: Any, cast: Cast, app_runtime: Runtime
) -> None:
    made = client.post("/api/v1/monitors", json=heartbeat_doc(), headers=cast.bob).json()
    path = urlsplit(made["ping_url"]).path
    client.get(f"{path}/start?rid=r1", headers={"User-Agent": "runitor/1.3"})
    client.post(f"{path}/3?rid=r1", content=b"pg_dump: error: connection refused\n")
    pings = client.get(f"/api/v1/monitors/{made['uuid']}/pings",
                       headers=cast.charlie).json()
    failed, started = pings["items"]
    assert (failed["kind"], failed["exit_status"], failed["rid"], failed["method"]) == (
        "fail", 3, "r1", "POST")
    assert failed["body_size"] == 35 and failed["body_truncated"] is False
    assert failed["run_duration_s"] is not None
    assert (started["kind"], started["user_agent"], started["body_url"]) == (
        "start", "runitor/1.3", None)

    log = client.get(failed["body_url"], headers=cast.charlie)
    assert log.status_code == 200
    assert log.headers["content-type"].startswith("text/plain")
    assert log.text == "pg_dump: error: connection refused\n"
    assert log.headers["X-Tocsin-Body-Truncated"] == "false"


def test_it_marks_a_log_that_was_cut_at_the_size_limit(
    client: Any, cast: Cast, app_runtime: Runtime
) -> None:
    made = client.post("/api/v1/monitors", json=heartbeat_doc(), headers=cast.bob).json()
    limit = app_runtime.config.ping_body_limit
    client.post(urlsplit(made["ping_url"]).path, content=b"x" * (limit + 10))
    [ping] = client.get(f"/api/v1/monitors/{made['uuid']}/pings",
                        headers=cast.bob).json()["items"]
    assert ping["body_truncated"] is True and ping["body_size"] == limit + 10
    log = client.get(ping["body_url"], headers=cast.bob)
    assert len(log.content) == limit
    assert log.headers["X-Tocsin-Body-Truncated"] == "true"


def test_it_keeps_pings_to_heartbeats_and_their_own_monitor(
    client: Any, cast: Cast, app_runtime: Runtime
) -> None:
    tcp = client.post("/api/v1/monitors", json=TCP_DOC, headers=cast.bob).json()["uuid"]
    refused = client.get(f"/api/v1/monitors/{tcp}/pings", headers=cast.bob)
    assert refused.status_code == 404
    assert "only heartbeats" in refused.json()["error"]

    one = client.post("/api/v1/monitors", json=heartbeat_doc("One"), headers=cast.bob).json()
    two = client.post("/api/v1/monitors", json=heartbeat_doc("Two"), headers=cast.bob).json()
    client.post(urlsplit(one["ping_url"]).path, content=b"secret of one")
    [ping] = client.get(f"/api/v1/monitors/{one['uuid']}/pings",
                        headers=cast.bob).json()["items"]
    stolen = client.get(f"/api/v1/monitors/{two['uuid']}/pings/{ping['id']}/body",
                        headers=cast.bob)
    assert stolen.status_code == 404 and "secret" not in stolen.text
    assert client.get(f"/api/v1/monitors/{one['uuid']}/pings/{ping['id']}/body",
                      headers=cast.bob).text == "secret of one"
    missing = client.get("/api/v1/monitors/00000000-0000-0000-0000-000000000000/results",
                         headers=cast.bob)
    assert missing.status_code == 404
