"""`tocsin export`: everything that exists, API-made too, as a tocsin.yaml that
applies back to the same monitors."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
import yaml
from declare_kit import EXAMPLE, Stored, env_for, monitors_in, projects_in, tocsin, write
from sqlalchemy import delete

from tocsin.checks import monitors
from tocsin.checks.spec import parse_spec
from tocsin.store.schema import monitors as monitors_table
from tocsin.store.schema import projects as projects_table

# Monitors made through the API (what the UI and scripts do), with fields the
# example file does not use: thresholds, upside-down, JSON assertions, tags,
# a description with a literal "${", a heartbeat with a period.
API_MADE = [
    {"name": "Checkout API", "project": "shop", "kind": "http",
     "url": "https://shop.example.com/api/health", "method": "post", "body": "{}",
     "headers": {"Authorization": "Bearer abc"}, "interval": "90s", "timeout": "5s",
     "failure_threshold": 3, "recovery_threshold": 2, "tags": ["api", "checkout"],
     "description": "Costs ${PRICE} when down", "expect_status": [200, "201-204"],
     "json_path": [{"path": "$.db.ok", "op": "==", "value": True},
                   {"path": "queue[0]", "op": "exists"}],
     "max_response_time": 2.5, "follow_redirects": False},
    {"name": "Old login page must be gone", "project": "shop", "kind": "http",
     "url": "http://127.0.0.1:9/login", "upside_down": True, "paused": True},
    {"name": "Hourly sync", "project": "blog", "kind": "heartbeat", "period": "1h",
     "grace": "10m"},
]


@pytest.fixture
def env(database_url: str, tmp_path: Path) -> dict[str, str]:
    result = tocsin(env_for(database_url, tmp_path), "apply", str(EXAMPLE))
    assert result.exit_code == 0, result.output
    with Stored(database_url) as db, db.write() as conn:
        for doc in API_MADE:
            monitors.create(conn, parse_spec(dict(doc)), now=datetime.now(UTC), source="api")
    return env_for(database_url, tmp_path)


def _export(env: dict[str, str], *args: str) -> str:
    result = tocsin(env, "export", *args)
    assert result.exit_code == 0, result.output
    return result.stdout


def test_it_writes_projects_monitors_and_heartbeats(env: dict[str, str]) -> None:
    data = yaml.safe_load(_export(env))
    assert data["version"] == 1
    assert [p["slug"] for p in data["projects"]] == ["blog", "shop", "tocsin"]
    assert {"slug": "shop", "name": "Shop (examples)"} in data["projects"]
    beats = {b["slug"]: b for b in data["heartbeats"]}
    assert beats["hourly-sync"] == {"name": "Hourly sync", "project": "blog",
                                    "slug": "hourly-sync", "period": "1h", "grace": "10m"}
    assert beats["nightly-database-backup"]["schedule"] == "0 3 * * *"
    assert all(m["kind"] != "heartbeat" for m in data["monitors"])
    api = next(m for m in data["monitors"] if m["slug"] == "checkout-api")
    assert api["description"] == "Costs $${PRICE} when down"
    assert api["expect_status"] == ["200", "201-204"]
    assert api["failure_threshold"] == 3 and api["timeout"] == "5s"


def test_it_writes_in_a_stable_order(env: dict[str, str]) -> None:
    text = _export(env)
    assert _export(env) == text
    data = yaml.safe_load(text)
    keys = [(m["project"], m["slug"]) for m in data["monitors"]]
    assert keys == sorted(keys)


def test_it_applies_back_to_the_same_database_without_changes(
        env: dict[str, str], database_url: str, tmp_path: Path) -> None:
    before = monitors_in(database_url)
    path = write(tmp_path / "exported.yaml", _export(env))
    result = tocsin(env, "apply", str(path))
    assert result.exit_code == 0, result.output
    assert result.output == "Applied: 0 created, 0 updated, 16 unchanged, 0 deleted\n"
    assert monitors_in(database_url) == before


def test_it_reproduces_the_same_monitors_on_a_fresh_database(
        env: dict[str, str], database_url: str, tmp_path: Path) -> None:
    exported = _export(env)
    before = monitors_in(database_url)
    names = projects_in(database_url)
    with Stored(database_url) as db, db.write() as conn:
        conn.execute(delete(monitors_table))
        conn.execute(delete(projects_table))
    assert monitors_in(database_url) == {}
    result = tocsin(env, "apply", str(write(tmp_path / "exported.yaml", exported)))
    assert result.exit_code == 0, result.output
    assert result.output.startswith("Applied: 16 created, 0 updated, 0 unchanged")
    after = monitors_in(database_url)
    # Everything comes back as declared; what the API made is now owned by the file.
    assert {k: {**v, "source": "-"} for k, v in after.items()} == {
        k: {**v, "source": "-"} for k, v in before.items()}
    assert projects_in(database_url) == names
    assert _export(env) == exported


def test_it_exports_one_project(env: dict[str, str]) -> None:
    data = yaml.safe_load(_export(env, "--project", "blog"))
    assert data["projects"] == [{"slug": "blog", "name": "blog"}]
    assert "monitors" not in data
    assert [b["slug"] for b in data["heartbeats"]] == ["hourly-sync"]


def test_it_exits_1_for_an_unknown_project(env: dict[str, str]) -> None:
    result = tocsin(env, "export", "--project", "nope")
    assert result.exit_code == 1
    assert "there is no project 'nope'" in result.stderr


def test_it_writes_to_a_file(env: dict[str, str], tmp_path: Path) -> None:
    out = tmp_path / "out.yaml"
    result = tocsin(env, "export", "-o", str(out))
    assert result.exit_code == 0 and result.output == f"Wrote {out}\n"
    assert out.read_text() == _export(env)


def test_it_exports_an_empty_instance(database_url: str, tmp_path: Path) -> None:
    text = _export(env_for(database_url, tmp_path))
    assert yaml.safe_load(text) == {"version": 1, "projects": []}
