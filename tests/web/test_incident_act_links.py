"""One-click links: a GET never acts (link scanners prefetch it), a POST does
and names the link's person on the timeline; tampered, expired and spent
links are refused."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import select

from tocsin.incidents.lifecycle import Incidents
from tocsin.incidents.links import link
from tocsin.store.runtime import Runtime
from tocsin.store.schema import incident_timeline


def _open(runtime: Runtime) -> int:
    with runtime.db.write() as conn:
        incident_id, _ = Incidents(conn, now=runtime.clock.now()).open_or_attach(
            "group:web", "Shop is down", "critical")
    return incident_id


def _status(runtime: Runtime, incident_id: int) -> dict[str, Any]:
    with runtime.db.read() as conn:
        return Incidents(conn, now=runtime.clock.now()).get(incident_id)


def _token(runtime: Runtime, incident_id: int, action: str, **kw: Any) -> str:
    return link(runtime.secret_key, incident_id, action,
                runtime.clock.now() + timedelta(hours=1), **kw)


def test_a_get_shows_a_confirm_page_and_only_a_post_acts(
        client: Any, app_runtime: Runtime) -> None:
    incident_id = _open(app_runtime)
    token = _token(app_runtime, incident_id, "acknowledge", actor="ana@example.org")
    for _ in range(3):  # Slack's unfurler, a mail scanner, the person
        page = client.get(f"/act/{token}")
        assert page.status_code == 200
        assert "Acknowledge incident #" in page.text and "Shop is down" in page.text
    assert _status(app_runtime, incident_id)["status"] == "triggered"
    done = client.post(f"/act/{token}")
    assert done.status_code == 200 and "Done: the incident is acknowledged" in done.text
    row = _status(app_runtime, incident_id)
    assert (row["status"], row["acknowledged_by"]) == ("acknowledged",
                                                       "link (ana@example.org)")


def test_a_snooze_link_asks_how_long(client: Any, app_runtime: Runtime) -> None:
    incident_id = _open(app_runtime)
    token = _token(app_runtime, incident_id, "snooze")
    assert 'name="minutes"' in client.get(f"/act/{token}").text
    assert client.post(f"/act/{token}", data={"minutes": "7"}).status_code == 400
    assert client.post(f"/act/{token}", data={"minutes": "120"}).status_code == 200
    row = _status(app_runtime, incident_id)
    left = row["snoozed_until"] - app_runtime.clock.now()  # this app runs on the real clock
    assert timedelta(minutes=119) < left <= timedelta(minutes=120)
    with app_runtime.db.read() as conn:
        actors = list(conn.execute(select(incident_timeline.c.actor).where(
            incident_timeline.c.kind == "snoozed")).scalars())
    assert actors == ["link"]


def test_it_refuses_tampered_expired_and_spent_links(client: Any,
                                                     app_runtime: Runtime) -> None:
    incident_id = _open(app_runtime)
    resolve = _token(app_runtime, incident_id, "resolve")
    forged = link("not-the-key", incident_id, "resolve",
                  app_runtime.clock.now() + timedelta(hours=1))
    expired = link(app_runtime.secret_key, incident_id, "resolve",
                   app_runtime.clock.now() - timedelta(seconds=1))
    for bad in (forged, expired, resolve[:-3] + "AAA", "nonsense"):
        assert client.get(f"/act/{bad}").status_code == 404
        assert client.post(f"/act/{bad}").status_code == 404
    assert _status(app_runtime, incident_id)["status"] == "triggered"
    assert client.post(f"/act/{resolve}").status_code == 200
    again = client.post(f"/act/{_token(app_runtime, incident_id, 'acknowledge')}")
    assert again.status_code == 409 and "already resolved" in again.text
