from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from prometheus_client.parser import text_string_to_metric_families

from tocsin.checks import monitors
from tocsin.checks.probes.base import ProbeResult, Reason
from tocsin.checks.results import record_result
from tocsin.checks.spec import MonitorSpec
from tocsin.store.runtime import Runtime


def _spec(name: str, kind: str, settings: dict[str, Any]) -> MonitorSpec:
    return MonitorSpec(name=name, kind=kind, slug=name.lower().replace(" ", "-"),
                       project="shop", interval=60, timeout=10, failure_threshold=2,
                       recovery_threshold=1, upside_down=False, paused=False, tags=[],
                       description="", settings=settings)


def _samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    out = {}
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            out[(s.name, tuple(sorted(s.labels.items())))] = s.value
    return out


def _value(samples: dict[Any, float], name: str, **labels: str) -> float:
    for (n, lbls), value in samples.items():
        if n == name and all(dict(lbls).get(k) == v for k, v in labels.items()):
            return value
    raise KeyError((name, labels))


def test_metrics_use_blackbox_names_for_the_last_check(client: Any, app_runtime: Runtime
                                                       ) -> None:
    now = app_runtime.clock.now()
    expiry = datetime(2027, 1, 1, tzinfo=UTC)
    with app_runtime.db.write() as conn:
        home = monitors.create(conn, _spec("Home", "http", {"url": "https://shop.test/"}),
                               now=now)
        db = monitors.create(conn, _spec("DB port", "tcp", {"host": "db", "port": 5432}),
                             now=now)
        record_result(conn, home["id"], ProbeResult(
            ok=True, duration=0.25, status_code=200, cert_expires_at=expiry,
            timings={"resolve": 0.01, "connect": 0.02, "tls": 0.05, "processing": 0.1,
                     "transfer": 0.07}), scheduled_at=now, started_at=now, now=now)
        for _ in range(2):
            record_result(conn, db["id"], ProbeResult.failure(Reason.CONNECT, "refused", 0.001),
                          scheduled_at=now, started_at=now, now=now)
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain; version=")
    samples = _samples(response.text)
    assert _value(samples, "probe_success", monitor="Home", instance="https://shop.test/") == 1
    assert _value(samples, "probe_duration_seconds", monitor="Home") == 0.25
    assert _value(samples, "probe_http_duration_seconds", monitor="Home", phase="tls") == 0.05
    assert _value(samples, "probe_http_status_code", monitor="Home") == 200
    assert _value(samples, "probe_ssl_earliest_cert_expiry", monitor="Home") == (
        expiry.timestamp())
    assert _value(samples, "probe_success", monitor="DB port", instance="db:5432") == 0
    assert _value(samples, "tocsin_monitor_status", monitor="DB port", status="down") == 1
    assert _value(samples, "tocsin_monitor_status", monitor="DB port", status="up") == 0
    assert _value(samples, "tocsin_monitors") == 2
    assert _value(samples, "tocsin_signals_pending") == 2  # home up, db down
    assert any(name == "process_resident_memory_bytes" for name, _ in samples)


def test_metrics_can_require_a_token(app_runtime: Runtime) -> None:
    from dataclasses import replace

    from starlette.testclient import TestClient

    from tocsin.web.app import create_app

    app_runtime.config = replace(app_runtime.config, metrics_token="s3cret")
    with TestClient(create_app(app_runtime)) as c:
        assert c.get("/metrics").status_code == 401
        assert c.get("/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 401
        ok = c.get("/metrics", headers={"Authorization": "Bearer s3cret"})
        assert ok.status_code == 200 and "tocsin_build_info" in ok.text


def test_metrics_count_issues_and_the_ingest_backlog(client: Any, app_runtime: Runtime) -> None:
    from tocsin.accounts import projects
    from tocsin.ingest import spool
    from tocsin.issues.digest import digest_events

    now = app_runtime.clock.now()
    with app_runtime.db.write() as conn:
        shop = projects.ensure_project(conn, "shop", "Shop", now=now)
        # "disk 1 full" and "disk 2 full" are one issue: numbers do not split groups
        texts = ("disk 1 full", "disk 2 full", "queue stuck", "cache gone")
        digest_events(conn, [(shop.id, {"message": text}, now) for text in texts], now=now)
        spool.spool(conn, project_id=shop.id, key_id=None, body=b"{}\n", received_at=now,
                    remote_addr=None)
    samples = _samples(client.get("/metrics").text)
    assert _value(samples, "tocsin_issues", project="shop", status="unresolved") == 3
    assert _value(samples, "tocsin_ingest_backlog_envelopes") == 1
