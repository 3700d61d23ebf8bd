"""Listing monitors: keyset pages, filters, and a bounded number of queries."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from api_cast import Cast
from sqlalchemy import event

from tocsin.checks import monitors
from tocsin.checks.spec import parse_spec
from tocsin.store.runtime import Runtime


def _make(runtime: Runtime, count: int, *, start: int = 0) -> None:
    """``count`` monitors in one transaction: heartbeats and TCP checks, in three
    projects, so a page needs ping keys and every kind of row."""
    now = runtime.clock.now()
    with runtime.db.write() as conn:
        for n in range(start, start + count):
            project = f"team-{n % 3}"
            doc: dict[str, Any]
            if n % 2:
                doc = {"name": f"job {n}", "kind": "heartbeat", "project": project,
                       "period": "1h"}
            else:
                doc = {"name": f"db {n}", "kind": "tcp", "project": project,
                       "host": "127.0.0.1", "port": 5432}
            monitors.create(conn, parse_spec(doc), now=now)


@contextmanager
def _counting(runtime: Runtime) -> Iterator[list[str]]:
    statements: list[str] = []

    def before(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        statements.append(statement)

    event.listen(runtime.db.engine, "before_cursor_execute", before)
    try:
        yield statements
    finally:
        event.remove(runtime.db.engine, "before_cursor_execute", before)


def test_it_walks_all_monitors_in_pages_without_gaps_or_repeats(
    client: Any, cast: Cast, app_runtime: Runtime
) -> None:
    _make(app_runtime, 120)
    seen: list[str] = []
    sizes = []
    url = "/api/v1/monitors?limit=50"
    while True:
        page = client.get(url, headers=cast.charlie).json()
        assert page["total"] == 120
        sizes.append(len(page["items"]))
        seen += [m["name"] for m in page["items"]]
        if page["next_cursor"] is None:
            break
        url = f"/api/v1/monitors?limit=50&cursor={page['next_cursor']}"
    assert sizes == [50, 50, 20]
    assert seen == [f"{'job' if n % 2 else 'db'} {n}" for n in range(120)]


def test_it_defaults_to_pages_of_50(client: Any, cast: Cast, app_runtime: Runtime) -> None:
    _make(app_runtime, 51)
    page = client.get("/api/v1/monitors", headers=cast.bob).json()
    assert len(page["items"]) == 50 and page["next_cursor"] is not None
    rest = client.get(f"/api/v1/monitors?cursor={page['next_cursor']}",
                      headers=cast.bob).json()
    assert [m["name"] for m in rest["items"]] == ["db 50"] and rest["next_cursor"] is None


def test_it_filters_by_project_kind_and_status(
    client: Any, cast: Cast, app_runtime: Runtime
) -> None:
    _make(app_runtime, 12)
    by_project = client.get("/api/v1/monitors?project=team-1", headers=cast.bob).json()
    assert by_project["total"] == 4
    assert {m["project"] for m in by_project["items"]} == {"team-1"}
    both = client.get("/api/v1/monitors?project=team-1&kind=heartbeat&limit=1",
                      headers=cast.bob).json()
    assert both["total"] == 2 and len(both["items"]) == 1
    assert both["items"][0]["kind"] == "heartbeat"
    second = client.get(f"/api/v1/monitors?project=team-1&kind=heartbeat&limit=1"
                        f"&cursor={both['next_cursor']}", headers=cast.bob).json()
    assert second["items"][0]["uuid"] != both["items"][0]["uuid"]
    assert second["next_cursor"] is None

    uuid = both["items"][0]["uuid"]
    assert client.post(f"/api/v1/monitors/{uuid}/pause", headers=cast.bob).status_code == 200
    paused = client.get("/api/v1/monitors?status=paused", headers=cast.bob).json()
    assert [m["uuid"] for m in paused["items"]] == [uuid] and paused["total"] == 1
    assert client.get("/api/v1/monitors?status=new", headers=cast.bob).json()["total"] == 11
    assert client.get("/api/v1/monitors?project=nobody",
                      headers=cast.bob).json() == {"items": [], "total": 0,
                                                   "next_cursor": None}


def test_it_lists_a_page_of_200_monitors_in_a_bounded_number_of_queries(
    client: Any, cast: Cast, app_runtime: Runtime
) -> None:
    _make(app_runtime, 10)
    with _counting(app_runtime) as few:
        small = client.get("/api/v1/monitors?limit=500", headers=cast.bob)
    assert len(small.json()["items"]) == 10

    _make(app_runtime, 190, start=10)
    with _counting(app_runtime) as many:
        large = client.get("/api/v1/monitors?limit=200", headers=cast.bob)
    page = large.json()
    assert len(page["items"]) == 200 and page["total"] == 200
    assert all(m["slug_ping_url"] for m in page["items"] if m["kind"] == "heartbeat")

    # token + user, the page, the total, the ping keys, uptime — plus BEGIN
    # statements on SQLite: the same count for 10 monitors as for 200.
    assert len(many) == len(few), (few, many)
    assert len(many) <= 12, many
