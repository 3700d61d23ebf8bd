"""tocsin.yaml declares a project's ingest settings and DSN keys; export writes them back."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from declare_kit import Stored, env_for, tocsin, write

from tocsin.accounts import dsn, projects

SHOP = """\
projects:
  - slug: shop
    name: Shop
    ingest:
      allowed_origins: ["https://shop.example.com", "http://localhost:3000"]
      monthly_quota: 100000
      hash_users: true
      rate_limits:
        - per_minute: 600
        - category: transaction
          per_minute: 100
    keys: [Default, staging]
"""


@pytest.fixture
def env(database_url: str, tmp_path: Path) -> dict[str, str]:
    return env_for(database_url, tmp_path)


def _shop(database_url: str) -> tuple[dict[str, Any], list[str]]:
    with Stored(database_url) as db, db.read() as conn:
        project = projects.get_project(conn, "shop")
        assert project is not None
        return (projects.ingest_settings(conn, project.id),
                [key.label for key in dsn.list_keys(conn, project.id)])


def test_a_new_project_gets_its_settings_and_keys(env: dict[str, str], database_url: str,
                                                  tmp_path: Path) -> None:
    result = tocsin(env, "apply", str(write(tmp_path / "t.yaml", SHOP)))
    assert result.exit_code == 0, result.output
    assert "ingest settings changed in 1" in result.output
    assert "DSN keys: 1 created" in result.output
    settings, labels = _shop(database_url)
    assert settings == {
        "allowed_origins": ["https://shop.example.com", "http://localhost:3000"],
        "rate_limits": [{"category": None, "per_minute": 600},
                        {"category": "transaction", "per_minute": 100}],
        "monthly_quota": 100000, "hash_users": True}
    assert labels == ["Default", "staging"]
    again = tocsin(env, "apply", str(tmp_path / "t.yaml"))
    assert again.exit_code == 0, again.output
    assert "ingest settings" not in again.output and "DSN keys" not in again.output
    assert _shop(database_url)[1] == ["Default", "staging"]  # no second "staging"


def test_leaving_a_setting_out_sets_it_back_to_its_default(
        env: dict[str, str], database_url: str, tmp_path: Path) -> None:
    tocsin(env, "apply", str(write(tmp_path / "t.yaml", SHOP)))
    lighter = "projects:\n  - slug: shop\n    ingest:\n      monthly_quota: 5000\n"
    dry = tocsin(env, "apply", "--dry-run", str(write(tmp_path / "l.yaml", lighter)))
    assert dry.exit_code == 0 and "~ project shop: ingest settings" in dry.output
    assert _shop(database_url)[0]["hash_users"] is True  # a dry run changes nothing
    assert tocsin(env, "apply", str(tmp_path / "l.yaml")).exit_code == 0
    settings, labels = _shop(database_url)
    assert settings == {"allowed_origins": None, "rate_limits": [], "monthly_quota": 5000,
                        "hash_users": False}
    assert labels == ["Default", "staging"]  # keys are never revoked by a file


def test_a_project_without_ingest_keeps_what_the_api_set(
        env: dict[str, str], database_url: str, tmp_path: Path) -> None:
    tocsin(env, "apply", str(write(tmp_path / "t.yaml", SHOP)))
    result = tocsin(env, "apply", str(write(tmp_path / "n.yaml",
                                            "projects:\n  - slug: shop\n    name: Shop 2\n")))
    assert result.exit_code == 0, result.output
    assert "ingest settings" not in result.output
    assert _shop(database_url)[0]["monthly_quota"] == 100000


@pytest.mark.parametrize(("ingest", "where", "message"), [
    ("      monthly_quota: 0\n", "projects[0].ingest.monthly_quota", "greater than or equal"),
    ("      allowed_origins: [\"https://a.example.com/path\"]\n",
     "projects[0].ingest.allowed_origins[0]", "without a path"),
    ("      rate_limits: [{category: errors, per_minute: 5}]\n",
     "projects[0].ingest.rate_limits[0].category", "error"),
    ("      quota: 5\n", "projects[0].ingest.quota", "unknown field"),
])
def test_bad_settings_name_the_line_and_field_and_apply_nothing(
        env: dict[str, str], database_url: str, tmp_path: Path,
        ingest: str, where: str, message: str) -> None:
    text = "projects:\n  - slug: shop\n    ingest:\n" + ingest
    result = tocsin(env, "apply", str(write(tmp_path / "bad.yaml", text)))
    assert result.exit_code == 3
    assert f"bad.yaml:4: {where}:" in result.output and message in result.output
    with Stored(database_url) as db, db.read() as conn:
        assert projects.get_project(conn, "shop") is None


def test_a_key_label_listed_twice_is_an_error(env: dict[str, str], tmp_path: Path) -> None:
    text = "projects:\n  - slug: shop\n    keys: [prod, prod]\n"
    result = tocsin(env, "apply", str(write(tmp_path / "bad.yaml", text)))
    assert result.exit_code == 3 and "'prod' is listed twice" in result.output


def test_export_writes_them_back_and_applies_without_changes(
        env: dict[str, str], tmp_path: Path) -> None:
    tocsin(env, "apply", str(write(tmp_path / "t.yaml", SHOP)))
    exported = tocsin(env, "export")
    assert exported.exit_code == 0, exported.output
    [shop] = yaml.safe_load(exported.output)["projects"]
    assert shop["ingest"] == {
        "allowed_origins": ["https://shop.example.com", "http://localhost:3000"],
        "rate_limits": [{"per_minute": 600}, {"category": "transaction", "per_minute": 100}],
        "monthly_quota": 100000, "hash_users": True}
    assert shop["keys"] == ["Default", "staging"]
    again = tocsin(env, "apply", str(write(tmp_path / "e.yaml", exported.output)))
    assert again.exit_code == 0, again.output
    assert "ingest settings" not in again.output and "DSN keys" not in again.output


def test_export_leaves_default_settings_out(env: dict[str, str], tmp_path: Path) -> None:
    tocsin(env, "apply", str(write(tmp_path / "t.yaml", "projects:\n  - slug: plain\n")))
    [plain] = yaml.safe_load(tocsin(env, "export").output)["projects"]
    assert plain == {"slug": "plain", "name": "plain"}
