"""Schedules through the API: CRUD, who is on call, shifts, iCal, overrides."""

from __future__ import annotations

from typing import Any

from api_cast import Cast

DOC = {"name": "Primary", "time_zone": "Europe/Paris", "layers": [
    {"rotation": "daily", "handoff": "09:00", "start": "2026-03-27",
     "users": ["alice@example.org", "bob@example.org"]}]}


def _create(client: Any, cast: Cast, doc: dict[str, Any] | None = None) -> dict[str, Any]:
    response = client.post("/api/v1/schedules", headers=cast.bob, json=doc or DOC)
    assert response.status_code == 201, response.text
    assert response.headers["Location"] == f"/api/v1/schedules/{response.json()['id']}"
    made: dict[str, Any] = response.json()
    return made


def test_it_creates_reads_lists_patches_and_deletes_a_schedule(client: Any,
                                                                cast: Cast) -> None:
    made = _create(client, cast)
    assert (made["name"], made["time_zone"], made["source"]) == (
        "Primary", "Europe/Paris", "api")
    assert made["layers"][0]["users"] == ["alice@example.org", "bob@example.org"]
    sid = made["id"]
    assert client.get(f"/api/v1/schedules/{sid}", headers=cast.charlie).json() == made
    listed = client.get("/api/v1/schedules", headers=cast.charlie).json()
    assert [s["id"] for s in listed["items"]] == [sid] and listed["next_cursor"] is None
    patched = client.patch(f"/api/v1/schedules/{sid}", headers=cast.bob,
                           json={"name": "Nights"})
    assert patched.status_code == 200, patched.text
    assert (patched.json()["name"], patched.json()["layers"]) == ("Nights", made["layers"])
    assert client.delete(f"/api/v1/schedules/{sid}", headers=cast.bob).status_code == 204
    gone = client.get(f"/api/v1/schedules/{sid}", headers=cast.bob)
    assert (gone.status_code, gone.json()["error"]) == (404, f"No schedule with id {sid}.")


def test_it_refuses_bad_documents_naming_fields_and_unknown_users(client: Any,
                                                                  cast: Cast) -> None:
    bad = DOC | {"time_zone": "Nowhere/Else"}
    response = client.post("/api/v1/schedules", headers=cast.bob, json=bad)
    assert response.status_code == 422
    assert response.json()["fields"][0]["loc"] == ["body", "time_zone"]
    unknown = DOC | {"layers": [DOC["layers"][0] | {  # type: ignore[index]
        "users": ["alice@example.org", "zoe@example.org"]}]}
    response = client.post("/api/v1/schedules", headers=cast.bob, json=unknown)
    assert response.status_code == 422
    assert response.json()["fields"] == [{"loc": ["body", "layers", 0, "users", 1],
                                          "message": "no user with e-mail 'zoe@example.org'"}]
    assert client.post("/api/v1/schedules", headers=cast.charlie,
                       json=DOC).status_code == 403


def test_it_says_who_is_on_call_at_a_time_across_the_march_change(client: Any,
                                                                  cast: Cast) -> None:
    sid = _create(client, cast)["id"]
    url = f"/api/v1/schedules/{sid}/on-call"
    # Paris springs forward on 2026-03-29: the 09:00 hand-off is 07:00 UTC that day
    before = client.get(url, headers=cast.charlie, params={"at": "2026-03-29T06:59:00Z"})
    after = client.get(url, headers=cast.charlie, params={"at": "2026-03-29T07:00:00Z"})
    assert [u["email"] for u in before.json()["users"]] == ["bob@example.org"]
    assert [u["email"] for u in after.json()["users"]] == ["alice@example.org"]
    naive = client.get(url, headers=cast.charlie, params={"at": "2026-03-29T07:00:00"})
    assert naive.status_code == 422 and naive.json()["fields"][0]["loc"] == ["query", "at"]


def test_it_lists_shifts_of_a_window_and_refuses_long_ones(client: Any, cast: Cast) -> None:
    sid = _create(client, cast)["id"]
    url = f"/api/v1/schedules/{sid}/shifts"
    found = client.get(url, headers=cast.charlie, params={
        "start": "2026-03-28T08:00:00Z", "end": "2026-03-30T07:00:00Z"}).json()
    assert [(s["user"]["email"], s["start"], s["end"]) for s in found["items"]] == [
        ("bob@example.org", "2026-03-28T08:00:00Z", "2026-03-29T07:00:00Z"),
        ("alice@example.org", "2026-03-29T07:00:00Z", "2026-03-30T07:00:00Z")]
    too_long = client.get(url, headers=cast.charlie, params={
        "start": "2026-01-01T00:00:00Z", "end": "2027-06-01T00:00:00Z"})
    assert too_long.status_code == 422
    assert "400 days" in too_long.json()["fields"][0]["message"]


def test_it_lets_an_override_cover_until_it_is_deleted(client: Any, cast: Cast) -> None:
    sid = _create(client, cast)["id"]
    cover = client.post(f"/api/v1/schedules/{sid}/overrides", headers=cast.bob, json={
        "user": "charlie@example.org", "start": "2026-03-28T20:00:00Z",
        "end": "2026-03-29T06:00:00Z"})
    assert cover.status_code == 201, cover.text
    at = {"at": "2026-03-28T22:00:00Z"}
    who = client.get(f"/api/v1/schedules/{sid}/on-call", headers=cast.bob, params=at).json()
    assert [u["email"] for u in who["users"]] == ["charlie@example.org"]
    oid = cover.json()["id"]
    assert client.delete(f"/api/v1/schedules/{sid}/overrides/{oid}",
                         headers=cast.bob).status_code == 204
    assert client.delete(f"/api/v1/schedules/{sid}/overrides/{oid}",
                         headers=cast.bob).status_code == 404
    who = client.get(f"/api/v1/schedules/{sid}/on-call", headers=cast.bob, params=at).json()
    assert [u["email"] for u in who["users"]] == ["bob@example.org"]
    refused = client.post(f"/api/v1/schedules/{sid}/overrides", headers=cast.bob, json={
        "user": "zoe@example.org", "start": "2026-03-28T20:00:00Z",
        "end": "2026-03-28T19:00:00Z"})
    assert refused.status_code == 422
    assert refused.json()["fields"][0]["loc"] == ["body", "end"]


def test_it_serves_the_schedule_as_an_icalendar_file(client: Any, cast: Cast) -> None:
    sid = _create(client, cast)["id"]
    response = client.get(f"/api/v1/schedules/{sid}.ics", headers=cast.charlie, params={
        "start": "2026-03-28T08:00:00Z", "end": "2026-03-30T07:00:00Z"})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/calendar")
    text = response.text
    assert text.startswith("BEGIN:VCALENDAR\r\n") and text.endswith("END:VCALENDAR\r\n")
    assert text.count("BEGIN:VEVENT") == 2
    assert "DTSTART:20260329T070000Z" in text
    assert client.get("/api/v1/schedules/999.ics", headers=cast.bob).status_code == 404


def test_it_serves_the_calendar_behind_a_secret_link_until_revoked(client: Any,
                                                                   cast: Cast) -> None:
    sid = _create(client, cast)["id"]
    made = client.post(f"/api/v1/schedules/{sid}/ical-link", headers=cast.bob)
    assert made.status_code == 201, made.text
    url = made.json()["url"]
    assert url.startswith("http") and "/ical/tcal_" in url and url.endswith(".ics")
    path = url[url.index("/ical/"):]
    feed = client.get(path)  # no token: the link is the credential
    assert feed.status_code == 200, feed.text
    assert feed.headers["content-type"].startswith("text/calendar")
    assert feed.text.startswith("BEGIN:VCALENDAR\r\n")
    assert client.get(f"/api/v1/schedules/{sid}", headers=cast.bob).json()["ical_link"]
    newer = client.post(f"/api/v1/schedules/{sid}/ical-link", headers=cast.bob).json()["url"]
    assert client.get(path).status_code == 404  # a new link revokes the old one
    assert client.delete(f"/api/v1/schedules/{sid}/ical-link",
                         headers=cast.bob).status_code == 204
    assert client.get(newer[newer.index("/ical/"):]).status_code == 404
    assert client.get("/ical/tcal_guessed.ics").status_code == 404
    assert client.post(f"/api/v1/schedules/{sid}/ical-link",
                       headers=cast.charlie).status_code == 403


def test_it_pages_through_schedules(client: Any, cast: Cast) -> None:
    ids = [_create(client, cast, DOC | {"name": f"Rota {n}"})["id"] for n in range(3)]
    first = client.get("/api/v1/schedules", headers=cast.bob, params={"limit": 2}).json()
    assert [s["id"] for s in first["items"]] == ids[:2]
    rest = client.get("/api/v1/schedules", headers=cast.bob,
                      params={"limit": 2, "cursor": first["next_cursor"]}).json()
    assert ([s["id"] for s in rest["items"]], rest["next_cursor"]) == (ids[2:], None)
