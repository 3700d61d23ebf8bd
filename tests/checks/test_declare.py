"""checks.declare: plan declared monitors against stored ones, then execute."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select

from tocsin.accounts.projects import ensure_project, get_project
from tocsin.checks import monitors
from tocsin.checks.declare import (
    ApplyConflict,
    Plan,
    ProjectDecl,
    execute,
    plan,
    stored_specs,
)
from tocsin.checks.spec import MonitorSpec, parse_spec
from tocsin.lib.clock import FakeClock
from tocsin.store.engine import Database
from tocsin.store.schema import monitors as monitors_table


def _tcp(name: str, port: int = 5432, **extra: Any) -> MonitorSpec:
    return parse_spec({"name": name, "kind": "tcp", "project": "shop", "host": "127.0.0.1",
                       "port": port, **extra})


def _beat(name: str, **extra: Any) -> MonitorSpec:
    return parse_spec({"name": name, "kind": "heartbeat", "project": "shop",
                       "schedule": "0 3 * * *", "tz": "Europe/Berlin", **extra})


def _apply(db: Database, clock: FakeClock, specs: list[MonitorSpec], *, prune: bool = False,
           projects: list[ProjectDecl] | None = None) -> Plan:
    with db.write() as conn:
        todo = plan(conn, specs, projects or [], prune=prune)
        execute(conn, todo, now=clock.now())
    return todo


def _stored(db: Database) -> dict[str, dict[str, Any]]:
    with db.read() as conn:
        return {row["slug"]: row for row, _ in stored_specs(conn)}


def test_it_creates_what_is_new_marked_as_from_a_file(db: Database, clock: FakeClock) -> None:
    todo = _apply(db, clock, [_tcp("Database"), _beat("Backup")],
                  projects=[ProjectDecl("shop", "Shop")])
    assert todo.summary() == ("2 created, 0 updated, 0 unchanged, 0 deleted; "
                              "projects: 1 created, 0 renamed")
    stored = _stored(db)
    assert sorted(stored) == ["backup", "database"]
    assert {row["source"] for row in stored.values()} == {"yaml"}
    assert stored["backup"]["schedule"] == "0 3 * * *"
    with db.read() as conn:
        project = get_project(conn, "shop")
    assert project is not None and project.name == "Shop"


def test_it_changes_nothing_the_second_time(db: Database, clock: FakeClock) -> None:
    specs = [_tcp("Database", interval="30s", tags=["db"]), _beat("Backup", grace="2h")]
    _apply(db, clock, specs)
    before = _stored(db)
    clock.advance(60)
    todo = _apply(db, clock, specs)
    assert todo.summary() == "0 created, 0 updated, 2 unchanged, 0 deleted"
    assert not todo.changes_anything
    after = _stored(db)
    assert [r["updated_at"] for r in after.values()] == [r["updated_at"] for r in before.values()]


def test_it_updates_a_changed_monitor_in_place(db: Database, clock: FakeClock) -> None:
    _apply(db, clock, [_tcp("Database")])
    uuid = _stored(db)["database"]["uuid"]
    with db.read() as conn:
        todo = plan(conn, [_tcp("Database", port=6432, interval="2m")], [], prune=False)
    assert [u.changed for u in todo.update] == [["interval", "port"]]
    _apply(db, clock, [_tcp("Database", port=6432, interval="2m")])
    row = _stored(db)["database"]
    assert (row["uuid"], row["settings"]["port"], row["interval_s"]) == (uuid, 6432, 120)


def test_it_plans_without_changing_anything(db: Database, clock: FakeClock) -> None:
    with db.read() as conn:
        todo = plan(conn, [_tcp("Database")], [ProjectDecl("shop", "Shop")], prune=False)
    assert len(todo.create) == 1 and todo.create_projects == [ProjectDecl("shop", "Shop")]
    assert _stored(db) == {}


def test_it_renames_a_project_only_when_a_name_is_given(db: Database,
                                                        clock: FakeClock) -> None:
    with db.write() as conn:
        ensure_project(conn, "shop", "Shop", now=clock.now())
    assert not _apply(db, clock, [], projects=[ProjectDecl("shop")]).changes_anything
    todo = _apply(db, clock, [], projects=[ProjectDecl("shop", "The Shop")])
    assert todo.rename_projects == [ProjectDecl("shop", "The Shop")]
    with db.read() as conn:
        project = get_project(conn, "shop")
    assert project is not None and project.name == "The Shop"


def test_it_prunes_only_monitors_a_file_created(db: Database, clock: FakeClock) -> None:
    _apply(db, clock, [_tcp("Database"), _tcp("Cache", port=6379)])
    with db.write() as conn:
        monitors.create(conn, _tcp("Made in the UI", port=80), now=clock.now(), source="api")
    kept = _apply(db, clock, [_tcp("Database")])
    assert kept.delete == [] and sorted(_stored(db)) == ["cache", "database", "made-in-the-ui"]
    todo = _apply(db, clock, [_tcp("Database")], prune=True)
    assert [d.spec.slug for d in todo.delete] == ["cache"]
    assert sorted(_stored(db)) == ["database", "made-in-the-ui"]


def test_it_leaves_an_api_monitor_api_owned_when_a_file_declares_it(
        db: Database, clock: FakeClock) -> None:
    with db.write() as conn:
        monitors.create(conn, _tcp("Database"), now=clock.now(), source="api")
    _apply(db, clock, [_tcp("Database", port=6432)])
    _apply(db, clock, [], prune=True)
    assert _stored(db)["database"]["source"] == "api"


def test_it_ignores_fields_a_heartbeat_does_not_use(db: Database, clock: FakeClock) -> None:
    with db.write() as conn:
        monitors.create(conn, _beat("Backup", failure_threshold=5), now=clock.now())
    with db.read() as conn:
        todo = plan(conn, [_beat("Backup")], [], prune=False)
    assert len(todo.unchanged) == 1


def test_it_refuses_two_specs_with_one_project_and_slug(db: Database) -> None:
    with db.read() as conn, pytest.raises(ValueError):
        plan(conn, [_tcp("Database"), _tcp("Database", port=1)], [], prune=False)


def _count(db: Database) -> int:
    with db.read() as conn:
        return int(conn.execute(select(func.count()).select_from(monitors_table)).scalar_one())


def test_it_applies_all_or_nothing_when_the_third_creation_fails(
        db: Database, clock: FakeClock) -> None:
    _apply(db, clock, [_tcp("Old")], projects=[ProjectDecl("shop", "Shop")])
    # A stale plan (made before "old" existed): the 3rd insert clashes and all rolls back.
    todo = Plan(create=[_tcp("First"), _tcp("Second"), _tcp("Old", port=1)],
                update=[], delete=[],
                rename_projects=[ProjectDecl("shop", "Renamed")],
                create_projects=[ProjectDecl("blog", "Blog")])
    with pytest.raises(ApplyConflict) as info, db.write() as conn:
        execute(conn, todo, now=clock.now())
    assert (info.value.project, info.value.slug) == ("shop", "old")
    assert "already exists" in str(info.value)
    assert sorted(_stored(db)) == ["old"] and _count(db) == 1
    with db.read() as conn:
        shop = get_project(conn, "shop")
        assert get_project(conn, "blog") is None
    assert shop is not None and shop.name == "Shop"
