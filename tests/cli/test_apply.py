"""`tocsin apply FILE`: idempotent, all or nothing, errors with file, line and field."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from declare_kit import EXAMPLE, Stored, env_for, monitors_in, projects_in, tocsin, write
from sqlalchemy import text

from tocsin.checks import monitors
from tocsin.checks.spec import parse_spec

SHOP = """\
projects:
  - slug: shop
    name: Shop
monitors:
  - name: Shop homepage
    project: shop
    kind: http
    url: https://shop.example.com/
    interval: 60s
    expect_status: ["200-299"]
    keyword: "Add to cart"
  - name: Shop database port
    project: shop
    kind: tcp
    host: 127.0.0.1
    port: 5432
heartbeats:
  - name: Nightly database backup
    project: shop
    schedule: "0 3 * * *"
    tz: Europe/Berlin
    grace: 1h
"""


@pytest.fixture
def env(database_url: str, tmp_path: Path) -> dict[str, str]:
    return env_for(database_url, tmp_path)


def test_it_creates_what_the_file_declares(env: dict[str, str], database_url: str,
                                           tmp_path: Path) -> None:
    result = tocsin(env, "apply", str(write(tmp_path / "tocsin.yaml", SHOP)))
    assert result.exit_code == 0, result.output
    assert result.output == ("Applied: 3 created, 0 updated, 0 unchanged, 0 deleted; "
                             "projects: 1 created, 0 renamed\n")
    stored = monitors_in(database_url)
    assert sorted(stored) == [("shop", "nightly-database-backup"),
                              ("shop", "shop-database-port"), ("shop", "shop-homepage")]
    assert stored[("shop", "shop-homepage")]["keyword"] == "Add to cart"
    assert stored[("shop", "nightly-database-backup")]["tz"] == "Europe/Berlin"
    assert {m["source"] for m in stored.values()} == {"yaml"}
    assert projects_in(database_url) == {"shop": "Shop"}


def test_it_changes_nothing_when_applied_twice(env: dict[str, str], database_url: str,
                                               tmp_path: Path) -> None:
    path = str(write(tmp_path / "tocsin.yaml", SHOP))
    assert tocsin(env, "apply", path).exit_code == 0
    before = monitors_in(database_url)
    again = tocsin(env, "apply", path)
    assert again.exit_code == 0, again.output
    assert again.output == "Applied: 0 created, 0 updated, 3 unchanged, 0 deleted\n"
    assert monitors_in(database_url) == before


def test_it_updates_what_changed(env: dict[str, str], database_url: str,
                                 tmp_path: Path) -> None:
    path = write(tmp_path / "tocsin.yaml", SHOP)
    assert tocsin(env, "apply", str(path)).exit_code == 0
    write(path, SHOP.replace("port: 5432", "port: 6432").replace("grace: 1h", "grace: 2h"))
    result = tocsin(env, "apply", str(path))
    assert result.output == "Applied: 0 created, 2 updated, 1 unchanged, 0 deleted\n"
    stored = monitors_in(database_url)
    assert stored[("shop", "shop-database-port")]["port"] == 6432
    assert stored[("shop", "nightly-database-backup")]["grace"] == "2h"


def test_it_shows_a_dry_run_and_changes_nothing(env: dict[str, str], database_url: str,
                                                tmp_path: Path) -> None:
    path = write(tmp_path / "tocsin.yaml", SHOP)
    result = tocsin(env, "apply", "--dry-run", str(path))
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [
        "Would apply: 3 created, 0 updated, 0 unchanged, 0 deleted; projects: 1 created, "
        "0 renamed",
        "  + project shop",
        "  + shop/shop-homepage (http)",
        "  + shop/shop-database-port (tcp)",
        "  + shop/nightly-database-backup (heartbeat)",
    ]
    assert monitors_in(database_url) == {} and projects_in(database_url) == {}
    tocsin(env, "apply", str(path))
    write(path, SHOP.replace("port: 5432", "port: 6432"))
    changed = tocsin(env, "apply", "--dry-run", str(path))
    assert changed.output.splitlines()[1:] == ["  ~ shop/shop-database-port: port"]


def test_it_prunes_only_monitors_a_file_created(env: dict[str, str], database_url: str,
                                                tmp_path: Path) -> None:
    path = write(tmp_path / "tocsin.yaml", SHOP)
    assert tocsin(env, "apply", str(path)).exit_code == 0
    with Stored(database_url) as db, db.write() as conn:
        spec = parse_spec({"name": "Made with the API", "kind": "tcp", "project": "shop",
                           "host": "127.0.0.1", "port": 80})
        monitors.create(conn, spec, now=datetime.now(UTC), source="api")
    only_home = SHOP.split("  - name: Shop database port")[0]
    kept = tocsin(env, "apply", str(write(path, only_home)))
    assert kept.output == "Applied: 0 created, 0 updated, 1 unchanged, 0 deleted\n"
    pruned = tocsin(env, "apply", "--prune", str(path))
    assert pruned.output == "Applied: 0 created, 0 updated, 1 unchanged, 2 deleted\n"
    assert sorted(monitors_in(database_url)) == [("shop", "made-with-the-api"),
                                                 ("shop", "shop-homepage")]


def _refuse_the_third(database_url: str) -> None:
    """A trigger that makes the database itself refuse the monitor slugged 'third'."""
    with Stored(database_url) as db, db.write() as conn:
        if db.dialect == "sqlite":
            conn.execute(text(
                "CREATE TRIGGER refuse_third BEFORE INSERT ON monitors "
                "WHEN NEW.slug = 'third' BEGIN SELECT RAISE(ABORT, 'refused by a test "
                "trigger'); END"))
        else:
            conn.execute(text(
                "CREATE FUNCTION refuse_third() RETURNS trigger AS $$ BEGIN "
                "IF NEW.slug = 'third' THEN RAISE EXCEPTION 'refused by a test trigger'; "
                "END IF; RETURN NEW; END $$ LANGUAGE plpgsql"))
            conn.execute(text(
                "CREATE TRIGGER refuse_third BEFORE INSERT ON monitors "
                "FOR EACH ROW EXECUTE FUNCTION refuse_third()"))


def test_it_applies_nothing_when_the_third_creation_fails(
        env: dict[str, str], database_url: str, tmp_path: Path) -> None:
    path = write(tmp_path / "tocsin.yaml", SHOP)
    assert tocsin(env, "apply", str(path)).exit_code == 0
    before = monitors_in(database_url)
    _refuse_the_third(database_url)
    three = "".join(f"  - {{name: {n}, project: blog, kind: tcp, host: 127.0.0.1, port: 1}}\n"
                    for n in ("First", "Second", "Third"))
    changed = (SHOP.replace("name: Shop\n", "name: Shop renamed\n")
               .replace("port: 5432", "port: 6432")
               .replace("heartbeats:", three + "heartbeats:"))
    result = tocsin(env, "apply", "--prune", str(write(path, changed)))
    assert result.exit_code == 1
    assert "the database refused the change, nothing was applied" in result.stderr
    assert "refused by a test trigger" in result.stderr
    assert monitors_in(database_url) == before
    assert projects_in(database_url) == {"shop": "Shop"}


# Each bad file also declares something valid, so "nothing applied" means something.
VALID = "  - {name: Extra, project: shop, kind: tcp, host: 127.0.0.1, port: 2}\n"
BAD_FILES = {
    "bad YAML syntax": (
        "monitors:\n" + VALID + "  - name: Home\n    kind: tcp\n   host: x\n",
        "tocsin.yaml:5:4: "),
    "unknown field": (
        "monitors:\n" + VALID + "  - name: Home\n    kind: tcp\n    host: x\n    port: 1\n"
        "    intervall: 60s\n",
        "tocsin.yaml:7: monitors[1].intervall: unknown field (did you mean 'interval'?)"),
    "interval too short": (
        "monitors:\n" + VALID + "  - name: Fast\n    kind: tcp\n    host: x\n    port: 1\n"
        "    interval: 5s\n",
        "tocsin.yaml:7: monitors[1].interval: interval must be between 10s and 24h"),
    "unknown kind": (
        "monitors:\n" + VALID + "  - name: Home\n    kind: gopher\n",
        "tocsin.yaml:4: monitors[1].kind: unknown kind 'gopher'; one of "),
    "duplicate slug": (
        "monitors:\n" + VALID + "  - name: Home\n    kind: tcp\n    host: x\n    port: 1\n"
        "heartbeats:\n  - name: Backup\n    slug: home\n",
        "tocsin.yaml:8: heartbeats[0]: a second monitor default/home: monitors[1] at line 3 "
        "has the same project and slug"),
    "unknown top-level key": (
        "monitors:\n" + VALID + "alert_rules:\n  - name: x\n",
        "tocsin.yaml:3: alert_rules: not supported by this version of Tocsin"),
    "unset environment variable": (
        "monitors:\n" + VALID + "  - name: DB\n    kind: postgres\n"
        "    dsn: postgresql://u:${TOCSIN_TEST_UNSET_PASSWORD}@127.0.0.1/db\n",
        "tocsin.yaml:5: monitors[1].dsn: environment variable TOCSIN_TEST_UNSET_PASSWORD "
        "is not set"),
}


@pytest.mark.parametrize("case", sorted(BAD_FILES))
def test_it_names_file_line_and_field_and_applies_nothing(
        case: str, env: dict[str, str], database_url: str, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    assert tocsin(env, "apply", str(write(tmp_path / "ok.yaml", SHOP))).exit_code == 0
    before = monitors_in(database_url)
    bad, expected = BAD_FILES[case]
    monkeypatch.chdir(tmp_path)  # so the file is named as a user would type it
    write(tmp_path / "tocsin.yaml", bad)
    result = tocsin(env, "apply", "--prune", "tocsin.yaml")
    assert result.exit_code == 3, result.output
    assert expected in result.stderr
    assert result.stderr.rstrip().endswith(" in tocsin.yaml; nothing was applied.")
    assert monitors_in(database_url) == before


def test_it_reads_secrets_from_the_environment(database_url: str, tmp_path: Path) -> None:
    env = env_for(database_url, tmp_path, TOCSIN_TEST_PG_PASSWORD="s3cret")
    path = write(tmp_path / "tocsin.yaml",
                 "monitors:\n  - name: DB\n    kind: postgres\n"
                 "    dsn: postgresql://u:${TOCSIN_TEST_PG_PASSWORD}@127.0.0.1/db\n")
    assert tocsin(env, "apply", str(path)).exit_code == 0
    stored = monitors_in(database_url)
    assert stored[("default", "db")]["dsn"] == "postgresql://u:s3cret@127.0.0.1/db"


def test_it_exits_3_for_a_missing_file(env: dict[str, str], tmp_path: Path) -> None:
    result = tocsin(env, "apply", str(tmp_path / "nope.yaml"))
    assert result.exit_code == 3
    assert "nope.yaml: cannot read the file: No such file or directory" in result.stderr


def test_it_applies_the_example_file(env: dict[str, str], database_url: str) -> None:
    first = tocsin(env, "apply", str(EXAMPLE))
    assert first.exit_code == 0, first.output
    assert first.output.startswith("Applied: 13 created, 0 updated, 0 unchanged")
    again = tocsin(env, "apply", str(EXAMPLE))
    assert again.output == "Applied: 0 created, 0 updated, 13 unchanged, 0 deleted\n"
    stored = monitors_in(database_url)
    active = sorted(key for key, doc in stored.items() if not doc.get("paused"))
    assert active == [("shop", "nightly-database-backup"), ("shop", "queue-worker-alive"),
                      ("tocsin", "tocsin-health"), ("tocsin", "tocsin-port"),
                      ("tocsin", "tocsin-ready")]
    assert stored[("tocsin", "tocsin-health")]["url"] == "http://127.0.0.1:8000/health"
