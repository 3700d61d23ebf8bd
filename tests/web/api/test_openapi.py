"""The OpenAPI document describes every route, its models and the bearer scheme."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from api_cast import Cast

ROUTES = {
    ("get", "/api/v1/projects"), ("post", "/api/v1/projects"),
    ("get", "/api/v1/monitors"), ("post", "/api/v1/monitors"),
    ("get", "/api/v1/monitors/{uuid}"), ("put", "/api/v1/monitors/{uuid}"),
    ("patch", "/api/v1/monitors/{uuid}"), ("delete", "/api/v1/monitors/{uuid}"),
    ("post", "/api/v1/monitors/{uuid}/pause"), ("post", "/api/v1/monitors/{uuid}/resume"),
    ("get", "/api/v1/monitors/{uuid}/results"),
    ("get", "/api/v1/monitors/{uuid}/state-changes"),
    ("get", "/api/v1/monitors/{uuid}/uptime"), ("get", "/api/v1/monitors/{uuid}/rollups"),
    ("get", "/api/v1/monitors/{uuid}/pings"),
    ("get", "/api/v1/monitors/{uuid}/pings/{ping_id}/body"),
    ("get", "/api/v1/projects/{slug}/releases"),
    ("get", "/api/v1/projects/{slug}/releases/{version}/health"),
    ("get", "/api/v1/projects/{slug}/releases/{version}"),
    ("get", "/api/v1/projects/{slug}/performance"),
    ("get", "/api/v1/projects/{slug}/performance/series"),
    ("get", "/api/v1/projects/{slug}/performance/releases"),
    ("get", "/api/v1/projects/{slug}/slow-spans"), ("get", "/api/v1/projects/{slug}/logs"),
    ("get", "/api/v1/projects/{slug}/outcomes"),
    ("get", "/api/v1/projects/{slug}/issues"), ("get", "/api/v1/issues/{issue_id}"),
    ("put", "/api/v1/issues/{issue_id}/status"), ("post", "/api/v1/issues/{issue_id}/merge"),
    ("get", "/api/v1/issues/{issue_id}/events"),
    ("get", "/api/v1/issues/{issue_id}/events/latest"),
    ("get", "/api/v1/projects/{slug}/events/{event_id}"),
    ("get", "/api/v1/issues/{issue_id}/tags"), ("get", "/api/v1/issues/{issue_id}/tags/{key}"),
    ("get", "/api/v1/issues/{issue_id}/activity"),
    ("get", "/api/v1/projects/{slug}/keys"), ("post", "/api/v1/projects/{slug}/keys"),
    ("delete", "/api/v1/projects/{slug}/keys/{key_id}"),
    ("get", "/api/v1/projects/{slug}/ingest"), ("patch", "/api/v1/projects/{slug}/ingest"),
    ("get", "/api/v1/projects/{slug}/grouping"), ("patch", "/api/v1/projects/{slug}/grouping"),
    ("get", "/api/v1/schedules"), ("post", "/api/v1/schedules"),
    ("get", "/api/v1/schedules/{schedule_id}"), ("patch", "/api/v1/schedules/{schedule_id}"),
    ("delete", "/api/v1/schedules/{schedule_id}"),
    ("get", "/api/v1/schedules/{schedule_id}.ics"),
    ("get", "/api/v1/schedules/{schedule_id}/on-call"),
    ("get", "/api/v1/schedules/{schedule_id}/shifts"),
    ("post", "/api/v1/schedules/{schedule_id}/overrides"),
    ("delete", "/api/v1/schedules/{schedule_id}/overrides/{override_id}"),
    ("post", "/api/v1/schedules/{schedule_id}/ical-link"),
    ("delete", "/api/v1/schedules/{schedule_id}/ical-link"),
    ("get", "/api/v1/escalation-policies"), ("post", "/api/v1/escalation-policies"),
    ("get", "/api/v1/escalation-policies/{policy_id}"),
    ("patch", "/api/v1/escalation-policies/{policy_id}"),
    ("delete", "/api/v1/escalation-policies/{policy_id}"),
    ("get", "/api/v1/channels"), ("post", "/api/v1/channels"),
    ("get", "/api/v1/channels/{channel_id}"), ("patch", "/api/v1/channels/{channel_id}"),
    ("delete", "/api/v1/channels/{channel_id}"), ("post", "/api/v1/channels/{channel_id}/test"),
    ("get", "/api/v1/channels/{channel_id}/deliveries"),
    ("post", "/api/v1/escalation-policies/{policy_id}/test"),
    ("get", "/api/v1/incidents"), ("post", "/api/v1/incidents"),
    ("get", "/api/v1/incidents/{incident_id}"),
    ("post", "/api/v1/incidents/{incident_id}/acknowledge"),
    ("post", "/api/v1/incidents/{incident_id}/resolve"),
    ("post", "/api/v1/incidents/{incident_id}/snooze"),
    ("post", "/api/v1/incidents/{incident_id}/comments"),
    ("post", "/api/v1/incidents/{incident_id}/reassign"),
    ("get", "/api/v1/incidents/{incident_id}/postmortem"),
    ("post", "/api/v1/incidents/{incident_id}/postmortem"),
    ("put", "/api/v1/incidents/{incident_id}/postmortem"),
    ("post", "/api/v1/incidents/{incident_id}/postmortem/status"),
    ("get", "/api/v1/rules"), ("post", "/api/v1/rules"), ("get", "/api/v1/rules/{rule_id}"),
    ("put", "/api/v1/rules/{rule_id}"), ("delete", "/api/v1/rules/{rule_id}"),
    ("get", "/api/v1/alerts"),
    ("get", "/api/v1/silences"), ("post", "/api/v1/silences"),
    ("delete", "/api/v1/silences/{silence_id}"),
    ("get", "/api/v1/maintenance-windows"), ("post", "/api/v1/maintenance-windows"),
    ("delete", "/api/v1/maintenance-windows/{window_id}"),
    ("get", "/api/v1/integrations"), ("post", "/api/v1/integrations"),
    ("delete", "/api/v1/integrations/{integration_id}"),
    ("post", "/api/v1/alerts/pagerduty"), ("post", "/api/v1/alerts/alertmanager"),
}
INTAKE = {("post", "/api/v1/alerts/pagerduty"), ("post", "/api/v1/alerts/alertmanager")}
"""Alerts sent in authenticate with an integration key, not an API token."""
DOCS = Path(__file__).resolve().parents[3] / "docs" / "api.md"


def _schema(client: Any) -> dict[str, Any]:
    response = client.get("/api/v1/openapi.json")  # no token needed
    assert response.status_code == 200
    document: dict[str, Any] = response.json()
    return document


def _ref(content: dict[str, Any]) -> str:
    return str(content["application/json"]["schema"]["$ref"]).rsplit("/", 1)[-1]


def test_it_lists_every_route_of_the_api(client: Any) -> None:
    schema = _schema(client)
    assert schema["openapi"].startswith("3.")
    found = {(method, path) for path, ops in schema["paths"].items()
             if path.startswith("/api/v1/") for method in ops}
    assert found == ROUTES


def test_it_leaves_the_sentry_cli_routes_out_of_the_document(client: Any) -> None:
    # /api/0/… copies Sentry's API for sentry-cli (docs/api.md "Source maps");
    # it is not Tocsin's API, so it is not described here.
    paths = _schema(client)["paths"]
    assert not [path for path in paths if path.startswith("/api/0/")]
    assert client.get("/api/0/organizations/acme/chunk-upload/").status_code == 401


def test_it_declares_the_bearer_scheme_on_every_route(client: Any) -> None:
    schema = _schema(client)
    scheme = schema["components"]["securitySchemes"]["bearer"]
    assert (scheme["type"], scheme["scheme"]) == ("http", "bearer")
    for method, path in ROUTES - INTAKE:
        operation = schema["paths"][path][method]
        assert operation["security"] == [{"bearer": []}], (method, path)
        for status in ("401", "422"):
            assert _ref(operation["responses"][status]["content"]) == "ErrorOut"
        # 403 is documented exactly where a read-only token can meet it
        assert ("403" in operation["responses"]) == (method != "get"), (method, path)


def test_it_names_the_response_model_of_each_route(client: Any) -> None:
    paths = _schema(client)["paths"]
    expected = {
        ("get", "/api/v1/monitors", "200"): "MonitorPage",
        ("post", "/api/v1/monitors", "201"): "MonitorOut",
        ("patch", "/api/v1/monitors/{uuid}", "200"): "MonitorOut",
        ("post", "/api/v1/monitors/{uuid}/pause", "200"): "MonitorOut",
        ("get", "/api/v1/monitors/{uuid}/results", "200"): "ResultPage",
        ("get", "/api/v1/monitors/{uuid}/state-changes", "200"): "StateChangePage",
        ("get", "/api/v1/monitors/{uuid}/uptime", "200"): "UptimeOut",
        ("get", "/api/v1/monitors/{uuid}/rollups", "200"): "Series",
        ("get", "/api/v1/monitors/{uuid}/pings", "200"): "PingPage",
        ("post", "/api/v1/projects", "201"): "ProjectOut",
        ("post", "/api/v1/projects", "409"): "ErrorOut",
    }
    for (method, path, status), model in expected.items():
        assert _ref(paths[path][method]["responses"][status]["content"]) == model
    body = paths["/api/v1/monitors/{uuid}/pings/{ping_id}/body"]["get"]["responses"]["200"]
    assert "text/plain" in body["content"]
    assert "204" in paths["/api/v1/monitors/{uuid}"]["delete"]["responses"]


def test_it_describes_monitors_results_and_errors_field_by_field(client: Any) -> None:
    models = _schema(client)["components"]["schemas"]
    monitor = models["MonitorOut"]["properties"]
    for field in ("status", "status_since", "last_check_at", "last_ok", "last_duration_ms",
                  "last_message", "last_status_code", "cert_expires_at", "uptime", "spec",
                  "ping_url", "slug_ping_url", "last_ping_at", "last_start_at",
                  "last_run_duration_s", "deadline_at"):
        assert field in monitor, field
    assert set(models["Uptime"]["properties"]) == {"24h", "7d", "30d", "90d"}
    assert set(models["Timings"]["properties"]) == {
        "resolve", "connect", "tls", "processing", "transfer"}
    assert set(models["ErrorOut"]["required"]) == {"error", "fields"}


def test_it_documents_the_monitor_document_and_its_examples(client: Any) -> None:
    paths = _schema(client)["paths"]
    create = paths["/api/v1/monitors"]["post"]["requestBody"]["content"]["application/json"]
    assert set(create["schema"]["required"]) == {"name", "kind"}
    assert create["schema"]["additionalProperties"] is True  # kind-specific fields
    assert {e["kind"] for e in create["schema"]["examples"]} == {"http", "heartbeat"}
    patch = paths["/api/v1/monitors/{uuid}"]["patch"]["requestBody"]["content"]
    assert "required" not in patch["application/json"]["schema"]
    assert "application/merge-patch+json" in patch
    listing = {p["name"]: p for p in paths["/api/v1/monitors"]["get"]["parameters"]}
    assert set(listing) == {"project", "kind", "status", "cursor", "limit"}
    assert listing["limit"]["schema"]["maximum"] == 500
    assert listing["limit"]["schema"]["default"] == 50


def test_it_accepts_a_merge_patch_content_type(client: Any, cast: Cast) -> None:
    made = client.post("/api/v1/monitors", headers=cast.bob, json={
        "name": "Backup", "kind": "heartbeat", "period": "1d"}).json()
    response = client.patch(
        f"/api/v1/monitors/{made['uuid']}", content=b'{"grace": "2h"}',
        headers={**cast.bob, "Content-Type": "application/merge-patch+json"})
    assert response.status_code == 200, response.text
    assert response.json()["spec"]["grace"] == "2h"


def test_it_documents_every_route_in_docs_api_md(client: Any) -> None:
    text = DOCS.read_text()
    for path in {path for _method, path in ROUTES}:
        assert f"`{path}`" in text or f"{path}`" in text, path
    for method, path in ROUTES:
        assert f"{method.upper()} {path}" in text, (method, path)
