"""Bearer tokens: who may read, who may write, and what a refusal looks like."""

from __future__ import annotations

from typing import Any

from api_cast import Cast, heartbeat_doc
from sqlalchemy import func, select, update

from tocsin.store.runtime import Runtime
from tocsin.store.schema import api_tokens, monitors


def _monitor_count(runtime: Runtime) -> int:
    with runtime.db.read() as conn:
        return int(conn.execute(select(func.count()).select_from(monitors)).scalar_one())


def test_it_asks_for_a_bearer_token_when_none_is_sent(client: Any, cast: Cast) -> None:
    response = client.get("/api/v1/monitors")
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    body = response.json()
    assert body["fields"] == []
    assert "Authorization: Bearer" in body["error"]


def test_it_refuses_other_schemes_and_unknown_tokens(client: Any, cast: Cast) -> None:
    basic = client.get("/api/v1/monitors", headers={"Authorization": "Basic YWxpY2U6eA=="})
    assert basic.status_code == 401
    unknown = client.get("/api/v1/monitors", headers={"Authorization": "Bearer tcn_nope"})
    assert unknown.status_code == 401
    # RFC 6750 §3.1: a token that was sent but is not valid is "invalid_token".
    assert 'error="invalid_token"' in unknown.headers["WWW-Authenticate"]
    assert unknown.json()["error"] == "The bearer token is unknown or revoked."


def test_it_refuses_a_revoked_token(client: Any, cast: Cast, app_runtime: Runtime) -> None:
    assert client.get("/api/v1/monitors", headers=cast.bob).status_code == 200
    with app_runtime.db.write() as conn:
        conn.execute(update(api_tokens).where(api_tokens.c.name == "bob's token")
                     .values(revoked_at=app_runtime.clock.now()))
    assert client.get("/api/v1/monitors", headers=cast.bob).status_code == 401


def test_it_lets_a_viewer_read_but_not_write(
    client: Any, cast: Cast, app_runtime: Runtime
) -> None:
    created = client.post("/api/v1/monitors", json=heartbeat_doc(), headers=cast.bob)
    assert created.status_code == 201
    uuid = created.json()["uuid"]

    assert client.get(f"/api/v1/monitors/{uuid}", headers=cast.charlie).status_code == 200
    refused = client.post("/api/v1/monitors", json=heartbeat_doc("Other"),
                          headers=cast.charlie)
    assert refused.status_code == 403
    assert refused.json()["error"] == (
        "This token belongs to a viewer; it may read but not change anything.")
    for method, path in (("PATCH", f"/api/v1/monitors/{uuid}"),
                         ("PUT", f"/api/v1/monitors/{uuid}"),
                         ("POST", f"/api/v1/monitors/{uuid}/pause"),
                         ("DELETE", f"/api/v1/monitors/{uuid}")):
        response = client.request(method, path, json={"name": "x"}, headers=cast.charlie)
        assert response.status_code == 403, (method, path)
    assert _monitor_count(app_runtime) == 1
    assert client.get(f"/api/v1/monitors/{uuid}", headers=cast.alice).json()["name"] == \
        "Nightly backup"


def test_it_keeps_a_read_only_token_of_an_owner_from_writing(
    client: Any, cast: Cast, app_runtime: Runtime
) -> None:
    assert client.get("/api/v1/projects", headers=cast.alice_read_only).status_code == 200
    refused = client.post("/api/v1/projects", json={"slug": "ops", "name": "Ops"},
                          headers=cast.alice_read_only)
    assert refused.status_code == 403
    assert "read-only" in refused.json()["error"]
    assert client.post("/api/v1/projects", json={"slug": "ops", "name": "Ops"},
                       headers=cast.alice).status_code == 201


def test_it_lets_a_member_write(client: Any, cast: Cast, app_runtime: Runtime) -> None:
    response = client.post("/api/v1/monitors", json=heartbeat_doc(), headers=cast.bob)
    assert response.status_code == 201
    assert _monitor_count(app_runtime) == 1


# The alert intake routes are keyed by an integration key, not a bearer token,
# and answer in the senders' own shape ({"status", "errors"}): PagerDuty's
# without a routing_key in the body is a 400, as PagerDuty's Events API
# answers; Alertmanager's without a key a 401 (tests/web/api/test_alert_intake.py).
_INTAKE = {("post", "/api/v1/alerts/pagerduty"): 400,
           ("post", "/api/v1/alerts/alertmanager"): 401}


def test_it_guards_every_route_in_the_openapi_document(client: Any, cast: Cast) -> None:
    schema = client.get("/api/v1/openapi.json").json()
    checked = 0
    for path, operations in schema["paths"].items():
        concrete = path.replace("{uuid}", "00000000-0000-0000-0000-000000000000") \
                       .replace("{ping_id}", "1")
        for method in operations:
            if (method, path) in _INTAKE:
                refused = client.request(method.upper(), concrete, json={})
                assert refused.status_code == _INTAKE[(method, path)], (method, path)
                assert refused.json()["errors"], (method, path)
                continue
            response = client.request(method.upper(), concrete, json={})
            assert response.status_code == 401, (method, path)
            assert set(response.json()) == {"error", "fields"}
            checked += 1
    assert checked >= 14
