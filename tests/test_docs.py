"""Documentation that cannot drift: settings and CLI commands are all documented."""

from __future__ import annotations

from pathlib import Path

from tocsin.cli import reference
from tocsin.config import CLI_VARIABLES, SETTINGS

DOCS = Path(__file__).resolve().parents[1] / "docs"


def test_every_setting_is_documented() -> None:
    text = (DOCS / "configuration.md").read_text()
    missing = [f"TOCSIN_{s.name}" for s in SETTINGS if f"`TOCSIN_{s.name}`" not in text]
    missing += [name for name in CLI_VARIABLES if f"`{name}`" not in text]
    assert missing == []


def test_the_cli_reference_matches_the_commands() -> None:
    assert (DOCS / "cli.md").read_text() == reference.render(), (
        "regenerate with: python -m tocsin.cli.reference > docs/cli.md")


def test_every_api_route_is_documented(sqlite_runtime: object) -> None:
    from tocsin.web.app import create_app

    schema = create_app(sqlite_runtime).openapi()  # type: ignore[arg-type]
    text = (DOCS / "api.md").read_text()
    missing = [path for path in schema["paths"] if f"`{path}`" not in text
               and f" {path}" not in text]
    assert schema["paths"] and missing == []
