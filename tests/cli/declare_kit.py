"""Helpers for the tocsin.yaml command tests: run the CLI, read what was stored."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from click.testing import CliRunner, Result

from tocsin.accounts.projects import list_projects
from tocsin.checks.declare import document, stored_specs
from tocsin.cli.main import cli
from tocsin.store.engine import Database
from tocsin.store.migrate import migrate

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "tocsin.yaml"


def env_for(database_url: str, data_dir: Path, **extra: str) -> dict[str, str]:
    return {"TOCSIN_DATABASE_URL": database_url, "TOCSIN_DATA_DIR": str(data_dir), **extra}


def tocsin(env: dict[str, str], *args: str) -> Result:
    return CliRunner().invoke(cli, list(args), env=env)


def write(path: Path, text: str) -> Path:
    path.write_text(text)
    return path


class Stored:
    """The database behind a test's TOCSIN_DATABASE_URL, opened and closed per read."""

    def __init__(self, database_url: str) -> None:
        self.url = database_url

    def __enter__(self) -> Database:
        self.db = Database.connect(self.url)
        migrate(self.db)
        return self.db

    def __exit__(self, *exc: object) -> None:
        self.db.dispose()


def monitors_in(database_url: str) -> dict[tuple[str, str], dict[str, Any]]:
    """(project, slug) -> the monitor's document plus its source."""
    with Stored(database_url) as db, db.read() as conn:
        return {(row["project"], row["slug"]): document(spec) | {"source": row["source"]}
                for row, spec in stored_specs(conn)}


def projects_in(database_url: str) -> dict[str, str]:
    with Stored(database_url) as db, db.read() as conn:
        return {p.slug: p.name for p in list_projects(conn)}
