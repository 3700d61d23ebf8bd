from __future__ import annotations

from typing import Any

from tocsin.accounts import projects, tokens, users
from tocsin.ingest.outcomes import Outcomes
from tocsin.store.runtime import Runtime


def test_outcomes_say_what_the_sdk_dropped(client: Any, app_runtime: Runtime) -> None:
    now = app_runtime.clock.now()
    with app_runtime.db.write() as conn:
        shop = projects.ensure_project(conn, "shop", "Shop", now=now)
        alice = users.create_user(conn, "alice@example.com", "correct horse", role="owner",
                                  now=now)
        token = tokens.create_api_token(conn, alice.id, "t", now=now)
        counted = Outcomes()
        counted.add(shop.id, now, "accepted", "error", 10)
        counted.add_client_report(shop.id, {"timestamp": 1, "discarded_events": [
            {"reason": "ratelimit_backoff", "category": "error", "quantity": 1240},
            {"reason": "bad", "category": "error", "quantity": "many"}]}, received=now)
        counted.flush(conn)
    headers = {"Authorization": f"Bearer {token}"}
    answer = client.get("/api/v1/projects/shop/outcomes?since=1h", headers=headers)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["items"][0] == {"source": "client", "reason": "ratelimit_backoff",
                                "category": "error", "quantity": 1240}
    assert body["dropped_by_sdk"] == ["the SDK dropped 1,240 error item(s): ratelimit_backoff"]
    assert client.get("/api/v1/projects/nope/outcomes", headers=headers).status_code == 404
    bad = client.get("/api/v1/projects/shop/outcomes?since=soon", headers=headers)
    assert bad.status_code == 422
